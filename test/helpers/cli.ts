/** Runs the built fleet CLI as a user would, capturing its output and exit code. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '../../src/engine/types.js';
import { checkedReport } from './report-schema.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * fleet reads the controller's ~/.ssh (config, keys, known_hosts) like ssh does: a test never
 * lets it read the machine's own. Each run gets this empty HOME unless the test gives one.
 */
export const EMPTY_HOME = mkdtempSync(join(tmpdir(), 'fleet-test-home-'));

export function fleet(args: string[], opts: { env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void; timeoutMs?: number; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HOME: EMPTY_HOME, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('spawn', () => opts.onSpawn?.(child.pid as number));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function jsonReport(run: CliRun): RunReport {
  let report: unknown;
  try {
    report = JSON.parse(run.stdout) as unknown;
  } catch {
    throw new Error(`fleet printed no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  return checkedReport(report);
}
