/**
 * Live progress on stderr while a run goes, so stdout carries only the report. On a terminal:
 * one listr2 task whose title counts hosts and whose output names the hosts in flight and the
 * ones that failed, readable at 500 hosts (terminal.ts, loaded only then: listr2 is a fifth of
 * fleet's start-up). Elsewhere (CI, cron): one plain line per host.
 */
import type { HostResult, RunEvent, RunListener } from '../engine/types.js';
import { oneLine } from './safe-text.js';

export interface Progress {
  listener: RunListener;
  /** Resolves once the progress display has drawn its last frame. */
  done(): Promise<void>;
}

export const silentProgress: Progress = { listener: () => undefined, done: async () => undefined };

export function plainProgress(stream: NodeJS.WritableStream): Progress {
  let total = 0;
  let finished = 0;
  const listener = (e: RunEvent): void => {
    if (e.type === 'start') total = e.hosts.length;
    if (e.type === 'interrupt') stream.write(`interrupted: starting no new host; waiting for ${e.inFlight} in flight to finish or roll back\n`);
    if (e.type !== 'host-done') return;
    finished += 1;
    stream.write(`[${finished}/${total}] ${hostLine(e.result)}\n`);
  };
  return { listener, done: async () => undefined };
}

/** One host's outcome on one line; its host text (name, error) cleaned of controls, its line breaks shown as ⏎. */
export function hostLine(r: HostResult): string {
  const files = r.changes.length > 0 ? ` (${r.changes.length} file${r.changes.length === 1 ? '' : 's'})` : '';
  const error = r.error ? ` ${oneLine(r.error.code)}${r.rolled_back ? ' [rolled back]' : ''}: ${oneLine(r.error.message)}` : '';
  return `${oneLine(r.name)} ${r.status}${files}${error} ${r.duration_ms} ms`;
}
