/**
 * Fault injection for the real-sshd lab. Faults act inside ONE host's mount namespace (a
 * program wrapped by a bind mount, a pause script, its session processes killed), so the
 * machine and the other hosts never see them.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, LabHost } from '../../src/lab/index.js';
import { mustExec, sleep, waitFor } from './faults.js';

/** Where the fault scripts live inside a host (`/root` is the host's own directory). */
const FAULT_DIR = '/root/.fault';
const faultDirOutside = (h: LabHost): string => join(h.dir, 'root', '.fault');

/**
 * The processes serving sessions on a host: every process in the listener's mount namespace
 * except the listener itself (sshd's per-connection children, the shells they run, and those
 * shells' children).
 */
export async function sessionPids(lab: Lab, h: LabHost): Promise<number[]> {
  const listener = await listenerPid(lab, h);
  const ns = readlinkSync(`/proc/${listener}/ns/mnt`);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === listener) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/mnt`) === ns) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** The listener's pid; sshd rewrites its pid file when it re-executes on SIGHUP, so a moment without one is waited out. */
async function listenerPid(lab: Lab, h: LabHost): Promise<number> {
  for (let tries = 0; ; tries++) {
    try {
      return lab.pid(h);
    } catch (error) {
      if (tries > 100) throw error;
      await sleep(50);
    }
  }
}

/** Drops every session of the host at once, as a dead link or an OOM kill would, and waits until none is left. The listener lives on. */
export async function killSessions(lab: Lab, h: LabHost): Promise<number> {
  let killed = 0;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pids = await sessionPids(lab, h);
    if (pids.length === 0) return killed;
    if (Date.now() > deadline) throw new Error(`${h.name}: sessions ${pids.join(' ')} survive SIGKILL`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed += 1;
      } catch {
        // already gone
      }
    }
    await sleep(20);
  }
}

/** Waits until no session of any of `hosts` is left (a killed controller's remote scripts finish or die). */
export async function waitSessionsGone(lab: Lab, hosts: readonly LabHost[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy: LabHost[] = [];
    for (const h of hosts) if ((await sessionPids(lab, h)).length > 0) busy.push(h);
    if (busy.length === 0) return;
    if (Date.now() > deadline) throw new Error(`sessions still open on ${busy.map((h) => h.name).join(', ')}`);
    await sleep(100);
  }
}

/**
 * A pause point inside a host: `/root/.fault/pause <id>` marks `/run/fault-<id>.hit` the first
 * time it runs and then waits (up to 60 s) for `/run/fault-<id>.go`; later calls pass straight
 * through, so the next fleet run is not held. The test sees the mark from outside, does its
 * damage (kills the sessions, inspects files), then releases it.
 */
export interface PausePoint {
  id: string;
  /** Resolves once fleet reached the point. */
  reached(timeoutMs?: number): Promise<void>;
  /** Lets the paused step go on. */
  release(): void;
}

export function pausePoint(h: LabHost, id: string): PausePoint {
  installPauseScript(h);
  const hit = join(h.dir, 'run', `fault-${id}.hit`);
  return {
    id,
    reached: (timeoutMs = 30_000) => waitFor(`${h.name} to reach pause point ${id}`, () => existsSync(hit), timeoutMs),
    release: () => writeFileSync(join(h.dir, 'run', `fault-${id}.go`), ''),
  };
}

/** The shell line that runs pause point `id` inside the host. */
export const pauseCommand = (id: string): string => `${FAULT_DIR}/pause ${id}`;

function installPauseScript(h: LabHost): void {
  const dir = faultDirOutside(h);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const script = [
    '#!/bin/sh',
    'id=$1',
    '[ -e "/run/fault-$id.hit" ] && exit 0',
    'echo $$ > "/run/fault-$id.hit"',
    'i=0',
    'while [ ! -e "/run/fault-$id.go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done',
    'exit 0',
  ].join('\n');
  writeFileSync(join(dir, 'pause'), `${script}\n`);
  chmodSync(join(dir, 'pause'), 0o755);
}

/** Writes an executable script into the host's /root/.fault; returns its path as the host sees it. */
export function hostScript(h: LabHost, name: string, body: string): string {
  const dir = faultDirOutside(h);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
  return `${FAULT_DIR}/${name}`;
}

/**
 * Replaces `program` inside ONE host's namespace by a wrapper (a bind mount over it): `body` is
 * sh, runs with the original arguments, and finds the real program at "$REAL". Returns the
 * undo. Debian's /bin is a symlink to /usr/bin, so wrapping /usr/bin/x also wraps /bin/x.
 */
export async function wrapProgram(lab: Lab, h: LabHost, program: string, body: string): Promise<() => Promise<void>> {
  const base = program.slice(program.lastIndexOf('/') + 1);
  const real = `${FAULT_DIR}/real-${base}`;
  const wrapper = hostScript(h, `wrap-${base}`, `REAL=${real}\n${body}`);
  await mustExec(lab, h, `cp ${program} ${real} && mount --bind ${wrapper} ${program}`);
  return async () => {
    await mustExec(lab, h, `umount ${program}`);
  };
}
