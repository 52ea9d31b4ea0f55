/**
 * Runs one measured command: wall time from our clock, CPU time and the largest process's
 * peak RSS from GNU time (`/usr/bin/time`, i.e. wait4's rusage of the whole waited-for tree),
 * and, for tools that fork many processes, the peak of the whole tree's summed RSS, sampled.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one run of a command cost, and how it ended. */
export interface Cost {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** user + system CPU of the process and every descendant it (transitively) waited for. */
  cpuMs: number;
  /** Peak RSS of the largest single process of the tree (ru_maxrss). */
  maxRssKb: number;
  /** Peak of the tree's RSS summed over its live processes, sampled; undefined when not sampled. */
  treeRssKb?: number;
  /**
   * CPU time the whole machine spent while the command ran (/proc/stat, all cores, idle and
   * iowait excluded): the tool plus the lab's sshd hosts, which share this machine's cores.
   */
  machineCpuMs: number;
  /**
   * The most processes of other people's heavy jobs (test runners, labs, demos) seen at once
   * during the run: this machine is shared, and a run with any of them had less CPU.
   */
  otherJobs: number;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Sample the summed RSS of the process tree every this many ms (costs a /proc scan each time). */
  sampleTreeMs?: number;
  timeoutMs?: number;
}

const PAGE_KB = 4;
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** Command lines of the jobs other engineers run on this machine that compete for its cores. */
const OTHER_JOB = /vitest|dist\/demo\/|lab\/cli\.js start|npm (run )?test/;

export function otherJobsNow(): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) > 57 || Number(entry) === process.pid) continue;
    try {
      if (OTHER_JOB.test(readFileSync(`/proc/${entry}/cmdline`, 'latin1').replaceAll('\0', ' '))) count += 1;
    } catch {
      // exited while we looked
    }
  }
  return count;
}

/** Busy CPU time of the whole machine so far: user, nice, system, irq, softirq and steal ticks. */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'latin1').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

/** pid → [ppid, rss in kB] of every process, from /proc/<pid>/stat. */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) > 57) continue; // not a digit: not a process
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), [Number(fields[1]), Number(fields[21]) * PAGE_KB]);
    } catch {
      // exited while we looked
    }
  }
  return table;
}

/** The summed RSS of `root` and all its descendants right now. */
function treeRss(root: number): number {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, [ppid]] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    total += table.get(pid)?.[1] ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Runs `argv` under /usr/bin/time and resolves with its cost; never rejects on a non-zero exit. */
export function measure(argv: readonly string[], opts: MeasureOptions = {}): Promise<Cost> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-time-'));
  const timeFile = join(dir, 'time');
  return new Promise((resolve, reject) => {
    const began = process.hrtime.bigint();
    const busyBefore = machineBusyMs();
    let otherJobs = otherJobsNow();
    const watcher = setInterval(() => (otherJobs = Math.max(otherJobs, otherJobsNow())), 1000);
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, '--', ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let peak = 0;
    const sampler =
      opts.sampleTreeMs === undefined || child.pid === undefined
        ? undefined
        : setInterval(() => (peak = Math.max(peak, treeRss(child.pid as number))), opts.sampleTreeMs);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30 * 60_000);
    child.on('error', (e) => reject(e));
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - began) / 1e6;
      const machineCpuMs = machineBusyMs() - busyBefore;
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      clearInterval(watcher);
      let user = NaN;
      let sys = NaN;
      let rss = NaN;
      try {
        // GNU time writes "Command exited with non-zero status N" first when it did; the figures are the last line.
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '';
        [user, sys, rss] = last.split(' ').map(Number) as [number, number, number];
      } catch {
        // time itself was killed: the figures stay NaN and the run counts as failed
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({
        code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs,
        cpuMs: (user + sys) * 1000,
        maxRssKb: rss,
        machineCpuMs,
        otherJobs: Math.max(otherJobs, otherJobsNow()),
        ...(opts.sampleTreeMs !== undefined ? { treeRssKb: Math.max(peak, rss) } : {}),
      });
    });
  });
}
