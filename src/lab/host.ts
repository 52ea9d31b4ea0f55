/**
 * One lab host on disk and as a process: its directory tree (what the namespace mounts), its
 * sshd start, and the wait until it really serves.
 */
import { chmod, chown, link, copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { acceptsTcp } from './addresses.js';
import { SSHD_LOG, hostProcesses, sshdLaunchArgs } from './namespace.js';
import { LabError, run, runChecked, sleep } from './proc.js';
import type { Shape } from './shapes/index.js';

/** A POSIX account that gets a home (and the client key) on every host. */
export interface LabUser {
  name: string;
  uid: number;
  gid: number;
}

/** Everything needed to lay out one host's directory. */
export interface HostLayout {
  dir: string;
  name: string;
  shape: Shape;
  /** The client's public key line, authorized for root and every extra user. */
  authorizedKey: string;
  /** The lab's own copy of /etc/ssh/moduli, hard-linked into each host to save disk. */
  moduli: string;
  users: readonly LabUser[];
}

export const etcSshOf = (dir: string): string => path.join(dir, 'etc_ssh');
export const pidFileOf = (dir: string): string => path.join(dir, 'run', 'sshd.pid');
/** `<dir>/run/sshd.log`: the host's sshd log (its /run/sshd.log). */
export const logFileOf = (dir: string): string => path.join(dir, 'run', path.basename(SSHD_LOG));
export const hostPublicKeyOf = (dir: string): string => path.join(etcSshOf(dir), 'ssh_host_ed25519_key.pub');

/** Creates the host's tree: etc_ssh (shape files, host key, moduli), run/sshd, root and user homes, tmp. */
export async function layOutHost(layout: HostLayout): Promise<void> {
  const { dir } = layout;
  const etcSsh = etcSshOf(dir);
  await mkdir(etcSsh, { recursive: true, mode: 0o755 });
  // sshd refuses to start without its privilege-separation directory.
  await mkdir(path.join(dir, 'run', 'sshd'), { recursive: true, mode: 0o755 });
  await mkdir(path.join(dir, 'home'), { recursive: true, mode: 0o755 });
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  await chmod(path.join(dir, 'tmp'), 0o1777);
  for (const [rel, text] of Object.entries(layout.shape.files)) {
    const target = path.join(etcSsh, rel);
    if (rel.endsWith('/')) {
      await mkdir(target, { recursive: true, mode: 0o755 });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, text, { mode: 0o644 });
  }
  await linkOrCopy(layout.moduli, path.join(etcSsh, 'moduli'));
  const key = path.join(etcSsh, 'ssh_host_ed25519_key');
  await rm(key, { force: true });
  await rm(`${key}.pub`, { force: true });
  await runChecked('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${layout.name}`, '-f', key]);
  // StrictModes: the home must not be group/world-writable and .ssh must be private.
  await authorize(path.join(dir, 'root'), layout.authorizedKey, { uid: 0, gid: 0 }, 0o700);
  for (const user of layout.users) {
    await authorize(path.join(dir, 'home', user.name), layout.authorizedKey, user, 0o755);
  }
}

async function authorize(home: string, publicKey: string, owner: { uid: number; gid: number }, homeMode: number): Promise<void> {
  const sshDir = path.join(home, '.ssh');
  await mkdir(sshDir, { recursive: true });
  const keys = path.join(sshDir, 'authorized_keys');
  await writeFile(keys, `${publicKey.trim()}\n`, { mode: 0o600 });
  await chmod(home, homeMode);
  await chmod(sshDir, 0o700);
  await chmod(keys, 0o600);
  for (const p of [home, sshDir, keys]) await chown(p, owner.uid, owner.gid);
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await rm(to, { force: true });
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to); // another filesystem: a copy is fine, just bigger
  }
}

/** How a start attempt ended: running, or the address was taken (by another lab) before sshd bound it. */
export type LaunchOutcome = { kind: 'started'; pid: number } | { kind: 'address-in-use' };

/**
 * Starts the host's sshd on `address` and waits until it serves: its pid file names a live
 * process and port 22 accepts TCP. sshd 9.2 daemonizes before it binds and exits 0 either
 * way, so a failure shows only in its log (-E) and in its namespace emptying out.
 */
export async function launchSshd(dir: string, address: string, timeoutMs = 15_000): Promise<LaunchOutcome> {
  const pidFile = pidFileOf(dir);
  const log = logFileOf(dir);
  await rm(pidFile, { force: true });
  const logStart = await sizeOf(log);
  const started = await run('unshare', sshdLaunchArgs(dir, address), { timeoutMs });
  const newLog = async (): Promise<string> => (await readFile(log).catch(() => Buffer.alloc(0))).subarray(logStart).toString('utf8');
  if (started.code !== 0) {
    throw new LabError(`sshd for ${dir} on ${address} did not start (exit ${started.code}): ${(started.stderr + (await newLog())).trim()}`);
  }
  const began = Date.now();
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    const pid = await readPid(pidFile);
    if (pid !== undefined && isAlive(pid) && (await acceptsTcp(address, 22))) return { kind: 'started', pid };
    const logged = await newLog();
    if (/Cannot bind any address/.test(logged)) return { kind: 'address-in-use' };
    // Other start-up failures (a fatal config error) leave only a log line and an empty
    // namespace; the namespace scan costs a walk of /proc, so wait a little before it.
    const waited = Date.now() - began;
    if (pid === undefined && waited > 500 && hostProcesses([etcSshOf(dir)]).size === 0) {
      throw new LabError(`sshd for ${dir} on ${address} exited during start-up: ${logged.trim() || '(no log)'}`);
    }
    if (waited > timeoutMs) throw new LabError(`sshd for ${dir} on ${address} did not come up within ${timeoutMs} ms: ${logged.trim()}`);
    await sleep(delay);
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** The pid in a pid file, or undefined while it is absent or not yet written in full. */
export async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const text = await readFile(pidFile, 'utf8');
    return /^\d+\n$/.test(text) ? Number(text.trim()) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a running process. Not `kill(pid, 0)`: a killed daemon is reparented to
 * PID 1, and until PID 1 reaps it, it is a zombie that signal 0 still reports as alive.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X' && state !== 'x';
  } catch {
    return false;
  }
}
