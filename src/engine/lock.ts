/**
 * The per-host lock: a directory under /run (mkdir is atomic), holding its owner, the state of
 * the apply and a journal of replaced files. Two fleet runs on one host never interleave, and
 * a run that died mid-apply leaves enough behind for the next one to finish or undo it.
 */
import { FleetError } from '../core/errors.js';
import type { HostFacts } from '../facts/index.js';
import type { Transport } from '../transport/index.js';
import type { HostRunContext } from './context.js';
import * as S from './scripts.js';

export type LockOutcome =
  | { kind: 'acquired'; readFacts: () => Promise<HostFacts> }
  | { kind: 'held'; owner: string; state: string; journal: string }
  | { kind: 'error'; message: string };

/** Takes the lock and, in the same round trip once it is ours, runs the facts probe. */
export async function takeLock(ctx: HostRunContext, t: Transport): Promise<LockOutcome> {
  const probe = await ctx.probeAfter(t, S.lockScript(ctx.lockOwner));
  const m = S.parseMarkers(probe.stdout);
  if (S.has(m, 'lock-acquired')) {
    const stopped = (): Promise<HostFacts> => Promise.reject(new FleetError('FACTS_FAILED', `${t.host.name}: the facts probe did not start after the lock (${probe.stderr.trim() || 'no message'})`));
    return { kind: 'acquired', readFacts: probe.readFacts ?? stopped };
  }
  if (S.has(m, 'lock-held')) {
    return { kind: 'held', owner: (m.sections.get('lock-held') ?? '').trim(), state: (m.sections.get('state') ?? '').trim(), journal: (m.sections.get('journal') ?? '').trim() };
  }
  return { kind: 'error', message: `could not create ${S.LOCK_DIR}: ${(m.sections.get('lock-error') ?? probe.stderr).trim()}` };
}

export async function releaseLock(t: Transport, owner: string): Promise<void> {
  await t.exec(S.inSh(S.unlockScript(owner)), { privileged: true });
}

/**
 * Finishes or undoes what a dead run left. `done`: the change was proven, only the unlock was
 * missing. Anything else: the journalled files are restored and sshd reloaded, so the host is
 * back to what it was before that run; this run then plans from there. Either way the dead
 * run's candidates and staging folders go with its lock (`abandonScript`). Returns a note for the report.
 */
export async function recoverStaleLock(ctx: HostRunContext, t: Transport, lock: { owner: string; state: string; journal: string }): Promise<string> {
  const runId = lock.owner.split(' ')[0] ?? '?';
  const forceUnlock = S.abandonScript(runId);
  if (lock.state === 'done' || lock.journal === '' || lock.state === '') {
    await t.exec(S.inSh(forceUnlock), { privileged: true });
    return `found the lock of interrupted run ${runId} (state ${lock.state || 'none'}): nothing was half-done, lock removed`;
  }
  const facts = await ctx.gatherFacts(t);
  const restored = S.parseMarkers((await t.exec(S.inSh(S.restoreScript(facts.sshdBinary, facts.tree.main)), { privileged: true })).stdout);
  if (!S.has(restored, 'restored') || S.has(restored, 'restored-invalid')) {
    throw new FleetError('ROLLBACK_FAILED', `interrupted run ${runId} left files that could not be restored: ${[...restored.sections.values()].join(' ').trim()}`);
  }
  await t.exec(S.inSh(facts.reload.command), { privileged: true });
  await t.exec(S.inSh(forceUnlock), { privileged: true });
  return `interrupted run ${runId} had left its change half-done (state ${lock.state}): restored its files from the journal and reloaded sshd`;
}
