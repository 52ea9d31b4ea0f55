/**
 * What became of each file of a host's plan, as the report shows it (`changes[].status`). Each
 * step records the outcome it knows; when a step fails, `settleAfterFailure` turns every file
 * still `planned` into what it really is, so a failed host never lists a write that did not
 * happen. Pure.
 */
import type { ClientHostPlan } from '../core/client-plan.js';
import { clientFileLabel } from './client.js';
import type { FileChange, FileChangeStatus, HostError } from './types.js';

export function plannedChanges(files: readonly { path: string; diff: string }[], clients: ClientHostPlan): FileChange[] {
  return [
    ...files.map((f): FileChange => ({ file: f.path, diff: f.diff, status: 'planned' })),
    ...clients.files.map((f): FileChange => ({ file: f.path, diff: f.diff, status: 'planned' })),
    ...clients.refusals.map((r): FileChange => ({ file: r.path, diff: '', status: 'refused', reason: r.reason })),
  ];
}

export function recordOutcome(changes: FileChange[], path: string, status: FileChangeStatus, reason?: string): void {
  for (const c of changes) {
    if (c.file !== path) continue;
    c.status = status;
    if (reason === undefined) delete c.reason;
    else c.reason = reason;
  }
}

/**
 * After `failure` stopped an apply: a server file still `planned` was restored when the step
 * says it rolled back, never written when the step failed cleanly before its rename, and is
 * `unknown` when the failure left its state open (a lost connection, a failed restore). A
 * client file still `planned` was never attempted: client files come after the server's proof.
 */
export function settleAfterFailure(changes: FileChange[], serverFiles: ReadonlySet<string>, failure: { code: string; rolledBack: boolean | null }): void {
  for (const c of changes) {
    if (c.status !== 'planned') continue;
    if (!serverFiles.has(c.file)) {
      c.status = 'not_applied';
      c.reason = `not attempted: the server change failed first (${failure.code})`;
    } else if (failure.rolledBack === true) {
      c.status = 'restored';
      c.reason = `written, then restored after ${failure.code}`;
    } else if (failure.rolledBack === false && failure.code !== 'ROLLBACK_FAILED') {
      c.status = 'not_applied';
      c.reason = `${failure.code} before the file was replaced`;
    } else {
      c.status = 'unknown';
      c.reason = `${failure.code} left the file's state open; see the host's error`;
    }
  }
}

/**
 * The host's error when a client file was refused or failed, or null. It names every such file
 * with its reason and the files that were written (or, for plan and check, would be), so the
 * text and Markdown reports say per file what happened.
 */
export function clientProblem(changes: readonly FileChange[], clients: ClientHostPlan, command: 'plan' | 'check' | 'apply'): HostError | null {
  const label = new Map<string, string>();
  for (const f of clients.files) label.set(f.path, clientFileLabel(f));
  for (const r of clients.refusals) label.set(r.path, r.user === null ? r.path : `${r.user}'s ${r.path}`);
  const bad = changes.filter((c) => label.has(c.file) && (c.status === 'refused' || c.status === 'failed' || c.status === 'unknown'));
  if (bad.length === 0) return null;
  const code = bad.some((c) => c.status !== 'refused') ? 'CLIENT_FAILED' : 'CLIENT_UNSAFE';
  const good = changes.filter((c) => c.status === (command === 'apply' ? 'written' : 'planned')).map((c) => label.get(c.file) ?? c.file);
  const each = bad.map((c) => `${label.get(c.file)} ${c.status === 'unknown' ? 'in an unknown state' : c.status}: ${c.reason ?? 'no reason given'}`);
  const rest = good.length === 0 ? '' : `; ${command === 'apply' ? 'written and proven' : 'would be written'}: ${good.join(', ')}`;
  return { code, message: `${each.join('; ')}${rest}` };
}
