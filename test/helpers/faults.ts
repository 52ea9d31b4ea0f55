/**
 * Fault injection for the real-sshd lab, and the three facts every fault test asserts about a
 * host afterwards: its config is the old or the new one, `sshd -t` accepts it, and sshd takes
 * a fresh login. Faults act inside ONE host's mount namespace (a program wrapped by a bind
 * mount, a tmpfs over /etc/ssh), so the machine and the other hosts never see them.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { Lab, LabHost } from '../../src/lab/index.js';

/** Where the fault scripts live inside a host (`/root` is the host's own directory). */
const FAULT_DIR = '/root/.fault';
const faultDirOutside = (h: LabHost): string => join(h.dir, 'root', '.fault');

/** An Ansible inventory of `hosts`, logging in as root with the lab's key; `extra` adds vars per host. */
export function inventoryFor(lab: Lab, hosts: readonly LabHost[], extra: (h: LabHost) => Record<string, string> = () => ({})): string {
  const lines = ['all:', '  hosts:'];
  for (const h of hosts) {
    lines.push(`    ${h.name}:`, `      address: ${h.address}`, '      user: root', `      identity_file: ${lab.clientKey}`);
    // JSON strings are valid YAML double-quoted scalars: any command line survives as is.
    for (const [k, v] of Object.entries(extra(h))) lines.push(`      ${k}: ${JSON.stringify(v)}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes `<name>.inventory.yml` and `<name>.policy.yml` into `dir`; returns the policy's path. */
export function writePolicy(dir: string, name: string, inventory: string, sshd: Record<string, string | number>): string {
  const inventoryPath = join(dir, `${name}.inventory.yml`);
  writeFileSync(inventoryPath, inventory);
  const policyPath = join(dir, `${name}.policy.yml`);
  const body = Object.entries(sshd).map(([k, v]) => `  ${k}: ${v}`).join('\n');
  writeFileSync(policyPath, `inventory: ${inventoryPath}\nsshd:\n${body}\n`);
  return policyPath;
}

/** The flags every fault run uses: the lab's known_hosts, a JSON report, no progress. */
export const runFlags = (lab: Lab): string[] => ['--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress'];

/** Every config file under a host's /etc/ssh (outside view), except host keys, moduli and fleet's own files. */
export function configSnapshot(h: LabHost): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.startsWith('ssh_host_') && !e.name.includes('.fleet-') && e.name !== 'moduli') files.set(p.slice(h.etcSsh.length), readFileSync(p, 'latin1'));
    }
  };
  walk(h.etcSsh);
  return files;
}

/** What a host looks like from inside its namespace (so a tmpfs or read-only /etc/ssh is seen as sshd sees it). */
export interface HostHealth {
  /** `sshd -t` of the live config exited 0. */
  valid: boolean;
  sshdTError: string;
  /** `sshd -T`: lowercased keyword → value (empty when invalid). */
  effective: Record<string, string>;
  /** /run/fleet.lock exists. */
  locked: boolean;
  /** Leftover candidates (`.*.fleet-tmp-*`) and restore temps anywhere under /etc/ssh. */
  temps: string[];
  /** Leftover staging folders of fleet under /tmp. */
  stages: string[];
}

const MARK = '@@health:';

export async function health(lab: Lab, h: LabHost): Promise<HostHealth> {
  const script = [
    `out=$(/usr/sbin/sshd -t 2>&1); echo "${MARK}rc $?"; printf '%s\\n' "$out"`,
    `echo "${MARK}T"; /usr/sbin/sshd -T 2>/dev/null`,
    `echo "${MARK}lock"; [ -d /run/fleet.lock ] && echo yes`,
    `echo "${MARK}temps"; find /etc/ssh /var/backups/fleet \\( -name '.*.fleet-tmp-*' -o -name '*.fleet-restore' \\) 2>/dev/null`,
    `echo "${MARK}stages"; ls -1d /tmp/fleet-stage-* 2>/dev/null`,
  ].join('\n');
  const res = await lab.exec(h, script);
  const sections = new Map<string, string[]>();
  let current = '';
  let rc = '';
  for (const line of res.stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      const [name, arg] = line.slice(MARK.length).split(' ');
      current = name ?? '';
      if (current === 'rc') rc = arg ?? '';
      sections.set(current, []);
    } else if (line !== '') sections.get(current)?.push(line);
  }
  const effective: Record<string, string> = {};
  for (const line of sections.get('T') ?? []) {
    const i = line.indexOf(' ');
    const k = line.slice(0, i);
    if (i > 0 && !(k in effective)) effective[k] = line.slice(i + 1);
  }
  return {
    valid: rc === '0',
    sshdTError: (sections.get('rc') ?? []).join('\n'),
    effective,
    locked: (sections.get('lock') ?? []).includes('yes'),
    temps: sections.get('temps') ?? [],
    stages: sections.get('stages') ?? [],
  };
}

/** Runs `fn` over `items` with at most `n` at once (real ssh logins cost CPU on a 2-core machine). */
export async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const limit = pLimit(n);
  return Promise.all(items.map((item) => limit(() => fn(item))));
}

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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, test: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
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

/** lab.exec that throws on a non-zero exit. */
export async function mustExec(lab: Lab, h: LabHost, cmd: string): Promise<string> {
  const res = await lab.exec(h, cmd);
  if (res.code !== 0) throw new Error(`${h.name}: \`${cmd}\` exited ${res.code}: ${res.stderr.trim()}`);
  return res.stdout;
}

/** The lock owner's run id (`<runId> <controller> <pid> <epoch>`), read from outside while the lock exists. */
export function lockRunId(h: LabHost): string {
  return readFileSync(join(h.dir, 'run', 'fleet.lock', 'owner'), 'utf8').split(' ')[0] ?? '';
}

/** The lock's `state` file (journal, committed, restored, done), or '' when absent. */
export function lockState(h: LabHost): string {
  try {
    return readFileSync(join(h.dir, 'run', 'fleet.lock', 'state'), 'utf8').trim();
  } catch {
    return '';
  }
}

/** fleet's backups of `file` (e.g. `sshd_config`) next to it in the host's /etc/ssh. */
export function backupsOf(h: LabHost, file: string): string[] {
  const slash = file.lastIndexOf('/');
  const dir = join(h.etcSsh, file.slice(0, slash + 1));
  const base = file.slice(slash + 1);
  return readdirSync(dir).filter((n) => n.startsWith(`${base}.fleet-2`)).map((n) => join(dir, n));
}
