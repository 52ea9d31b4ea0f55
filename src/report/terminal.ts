/** The listr2 display for a terminal (see progress.ts); imported only when stderr is one. */
import { DefaultRenderer, Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { RunEvent, Step } from '../engine/types.js';
import type { Progress } from './progress.js';
import { hostLine } from './progress.js';
import { oneLine } from './safe-text.js';

/**
 * listr2 picks its renderer by whether *stdout* is a terminal, and without one falls back to a
 * renderer that prints to stdout: `fleet plan --format json > report.json` run on a terminal got
 * progress lines inside its JSON. fleet draws on stderr, which is a terminal here, so the
 * renderer is declared fit for a non-terminal stdout and never replaced.
 */
class StderrRenderer extends DefaultRenderer {
  static override nonTTY = true;
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
    const lines = [...inFlight].slice(0, 8).map(([h, s]) => `${oneLine(h)}: ${s}`);
    if (inFlight.size > 8) lines.push(`… ${inFlight.size - 8} more in flight`);
    return fitScreen([...lines, ...failures.slice(-8)], stream);
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
          task.output = fitScreen(failures.slice(-8), stream);
        },
        // outputBar 1: listr2 keeps the given number of *writes* of the output, each drawn in
        // full. Every frame writes the whole block, so one write is the block; more would
        // stack old frames under the title until they overflow the screen, where the renderer
        // can no longer erase them and they pile up in the scrollback.
        rendererOptions: { persistentOutput: true, outputBar: 1 },
      },
    ],
    { renderer: StderrRenderer, rendererOptions: { logger }, exitOnError: false, registerSignalListeners: false },
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

/**
 * The block as the terminal can show it: the renderer redraws by moving the cursor up over
 * what it drew, which only works while the frame fits on the screen, so each line is cut to
 * the width (a wrapped line takes rows the count does not expect) and the block to the height.
 */
function fitScreen(lines: readonly string[], stream: NodeJS.WriteStream): string {
  const width = Math.max(20, (stream.columns || 80) - 12);
  const height = Math.max(1, (stream.rows || 24) - 4);
  const cut = lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
  return (cut.length > height ? [...cut.slice(0, height - 1), `… ${cut.length - height + 1} more`] : cut).join('\n');
}
