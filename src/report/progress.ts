/**
 * Live progress on stderr while a run goes, so stdout carries only the report. On a terminal:
 * one listr2 task whose title counts hosts and whose output names the hosts in flight and the
 * ones that failed, readable at 500 hosts. Elsewhere (CI, cron): one plain line per host.
 */
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { HostResult, RunEvent, RunListener, Step } from '../engine/types.js';

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

function hostLine(r: HostResult): string {
  const files = r.changes.length > 0 ? ` (${r.changes.length} file${r.changes.length === 1 ? '' : 's'})` : '';
  const error = r.error ? ` ${r.error.code}${r.rolled_back ? ' [rolled back]' : ''}: ${r.error.message}` : '';
  return `${r.name} ${r.status}${files}${error} ${r.duration_ms} ms`;
}

export function terminalProgress(stream: NodeJS.WriteStream): Progress {
  const inFlight = new Map<string, Step>();
  const failures: string[] = [];
  const counts = { total: 0, done: 0, changed: 0, unchanged: 0, failed: 0, unreachable: 0 };
  let command = '';
  let note = '';
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));

  const title = (): string =>
    `fleet ${command}: ${counts.done}/${counts.total} hosts · ${counts.changed} ${command === 'plan' ? 'would change' : command === 'check' ? 'drifted' : 'changed'} · ${counts.unchanged} unchanged · ${counts.failed} failed · ${counts.unreachable} unreachable${note}`;
  const output = (): string => {
    const lines = [...inFlight].slice(0, 8).map(([h, s]) => `${h}: ${s}`);
    if (inFlight.size > 8) lines.push(`… ${inFlight.size - 8} more in flight`);
    return [...lines, ...failures.slice(-8)].join('\n');
  };

  const logger = new ListrLogger({ processOutput: new ProcessOutput(stream, stream) });
  const list = new Listr(
    [
      {
        title: 'fleet',
        task: async (_ctx, task): Promise<void> => {
          const timer = setInterval(() => {
            task.title = title();
            task.output = output();
          }, 100);
          await ended;
          clearInterval(timer);
          task.title = title();
          task.output = failures.slice(-8).join('\n');
        },
        rendererOptions: { persistentOutput: true, outputBar: Infinity },
      },
    ],
    { renderer: 'default', rendererOptions: { logger }, exitOnError: false, registerSignalListeners: false },
  );
  const drawing = list.run().catch(() => undefined);

  const listener = (e: RunEvent): void => {
    switch (e.type) {
      case 'start':
        command = e.command;
        counts.total = e.hosts.length;
        break;
      case 'step':
        if (e.step === 'done') inFlight.delete(e.host);
        else inFlight.set(e.host, e.step);
        break;
      case 'host-done':
        counts.done += 1;
        counts[e.result.status] += 1;
        inFlight.delete(e.result.name);
        if (e.result.error) failures.push(`✖ ${hostLine(e.result)}`);
        break;
      case 'interrupt':
        note = ` · interrupted: waiting for ${e.inFlight} in flight`;
        break;
      case 'end':
        finish();
        break;
    }
  };
  return { listener, done: async () => void (await drawing) };
}
