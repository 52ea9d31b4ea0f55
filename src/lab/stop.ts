/**
 * Stopping lab hosts: every process in a host's namespace goes (the listener AND its session
 * children, which would otherwise keep clients and the namespace alive), by pid, then we wait
 * until the host's address:22 can be bound again, which is what the next lab needs.
 */
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isPortFree } from './addresses.js';
import { etcSshOf, pidFileOf } from './host.js';
import { hostProcesses, signalAll } from './namespace.js';
import { LabError, sleep } from './proc.js';

/** What stopping needs to know of a host. */
export interface StoppableHost {
  name: string;
  address: string;
  port: number;
  dir: string;
}

export interface StopOptions {
  /** How long SIGTERM gets before SIGKILL; 0 kills at once. */
  graceMs?: number;
  timeoutMs?: number;
}

/** Ends every process of `hosts`' namespaces, removes their pid files and waits until their ports are free. */
export async function stopHosts(hosts: readonly StoppableHost[], opts: StopOptions = {}): Promise<void> {
  const graceMs = opts.graceMs ?? 0;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const start = Date.now();
  const dirs = hosts.map((h) => etcSshOf(h.dir));
  // Repeat until nothing is left: a session may fork between our scan and our signal.
  for (;;) {
    const pids = [...hostProcesses(dirs).values()].flat();
    if (pids.length === 0) break;
    const elapsed = Date.now() - start;
    if (elapsed > timeoutMs) throw new LabError(`lab processes still alive after ${timeoutMs} ms: ${pids.join(' ')}`);
    signalAll(pids, elapsed < graceMs ? 'SIGTERM' : 'SIGKILL');
    await sleep(20);
  }
  await Promise.all(hosts.map((h) => rm(pidFileOf(h.dir), { force: true })));
  await Promise.all(hosts.map((h) => waitPortFree(h, start + timeoutMs)));
}

async function waitPortFree(host: StoppableHost, deadline: number): Promise<void> {
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    if (await isPortFree(host.address, host.port)) return;
    if (Date.now() > deadline) throw new LabError(`${host.name}: ${host.address}:${host.port} still in use after stopping its processes`);
    await sleep(delay);
  }
}

/** Synchronous last resort for an exiting process: SIGKILL everything of these hosts, optionally remove dirs. */
export function killHostsNow(hosts: readonly StoppableHost[], removeDirs: readonly string[]): void {
  for (let round = 0; round < 5; round++) {
    const pids = [...hostProcesses(hosts.map((h) => etcSshOf(h.dir))).values()].flat();
    if (pids.length === 0) break;
    signalAll(pids, 'SIGKILL');
  }
  for (const dir of removeDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort while exiting
    }
  }
}

/** Labs of this process that must not outlive it, each with its cleanup. */
const exitCleanups = new Set<() => void>();
let exitHookInstalled = false;

/**
 * Runs `cleanup` if this process exits while the lab is still up (a test that forgot stop(),
 * a thrown error). Signals that kill the process outright do not run it; `fleet lab stop
 * --dir` (cli.ts) is the remedy then. Returns the function that unregisters it.
 */
export function onProcessExit(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const fn of exitCleanups) fn();
    });
  }
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}
