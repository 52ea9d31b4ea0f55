/**
 * Child processes for the lab: run a program to completion and collect its output. The lab is
 * test infrastructure and runs as root, but still never builds a shell line from data without
 * `quote`: paths come from mkdtemp and may contain anything the caller's TMPDIR does.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** A problem starting, running or stopping a lab; `message` says what is needed. */
export class LabError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LabError';
  }
}

/** What a finished program left behind. `code` is 128+n when it died of signal n. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the program (SIGKILL) after this many ms; the result then has code 124 like timeout(1). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Bytes for the program's stdin; none closes stdin at once. */
  input?: string;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Runs `program` with `args` (no shell) and resolves with its exit status and output; never rejects on a non-zero exit. */
export function run(program: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new LabError(`cannot run ${program}: ${e.message}`, { cause: e }));
    });
    // 'close', not 'exit': a daemon that inherited our pipes closes them when it detaches, and
    // only then is every byte of its start-up errors in.
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const status = timedOut ? 124 : (code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0));
      resolve({ code: status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {}); // a program that exits without reading its stdin is not our error
    child.stdin.end(opts.input ?? '');
  });
}

/** Like {@link run} but rejects with the program's stderr when it exits non-zero. */
export async function runChecked(program: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const result = await run(program, args, opts);
  if (result.code !== 0) {
    const detail = (result.stderr || result.stdout).trim();
    throw new LabError(`${program} ${args.join(' ')} exited ${result.code}${detail ? `: ${detail}` : ''}`);
  }
  return result;
}

/** The absolute path of `program` on PATH (plus the sbin directories a non-login root shell may lack), or undefined. */
export function findProgram(program: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
