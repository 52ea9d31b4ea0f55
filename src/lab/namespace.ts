/**
 * A lab host is a private mount namespace in which the host's own directories are bind-mounted
 * over /etc/ssh, /run, /root, /home and /tmp. Everything started inside it (the sshd listener,
 * its session children, the shells they run) sees only that host's files; everything else
 * (binaries, /etc/passwd, the network) is shared with the machine.
 */
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { quote } from '../core/shell.js';

/** The machine paths the lab hides behind each host's own copy, and the host directory each comes from. */
export const HOST_MOUNTS: ReadonlyArray<readonly [hostSubdir: string, target: string]> = [
  ['etc_ssh', '/etc/ssh'],
  ['run', '/run'],
  ['root', '/root'],
  ['home', '/home'],
  // Not in the original recipe: a private /tmp keeps two hosts' sessions (e.g. an engine's
  // temp files) from meeting in the machine's /tmp, as they would not on separate servers.
  ['tmp', '/tmp'],
];

export const SSHD = '/usr/sbin/sshd';

/**
 * sshd's log inside the host (`-E`): there is no syslog here, and sshd 9.2 daemonizes before
 * it binds, so a bind failure never reaches our stderr or exit status, only this file. It also
 * records each login ("Accepted publickey for root from …"), which tests can count.
 */
export const SSHD_LOG = '/run/sshd.log';

/** The shell fragment that builds a host's view: bind mounts only, chained with `&&`. */
export function mountScript(hostDir: string): string {
  return HOST_MOUNTS.map(([sub, target]) => `mount --bind ${quote(path.join(hostDir, sub))} ${target}`).join(' && ');
}

/**
 * `unshare` arguments that run `script` (a sh script; `$1` is `arg`) in a fresh private mount
 * namespace set up as the host. Private propagation keeps the binds from leaking back out.
 */
export function unshareArgs(hostDir: string, script: string, arg = ''): string[] {
  return ['--mount', '--propagation', 'private', 'sh', '-c', `${mountScript(hostDir)} && ${script}`, 'lab-host', arg];
}

/**
 * `unshare` arguments that start the host's sshd. The address goes on the command line, not in
 * sshd_config, so fleet's edits can never move it; sshd re-execs itself with the same argv on
 * SIGHUP, so it (and the log file) survive reloads.
 */
export function sshdLaunchArgs(hostDir: string, address: string): string[] {
  return unshareArgs(hostDir, `exec ${SSHD} -E ${SSHD_LOG} -o ${quote(`ListenAddress=${address}`)} -o PidFile=/run/sshd.pid`);
}

/** `nsenter` arguments that run `cmd` with sh inside the mount namespace of process `pid`. */
export function nsenterArgs(pid: number, cmd: string): string[] {
  return ['-t', String(pid), '-m', '--', 'sh', '-c', cmd];
}

/** The mount namespace of `pid` (`mnt:[4026532177]`), or undefined if it is gone or unreadable. */
export function mountNamespaceOf(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/** device:inode, the identity of a directory however it is reached (a bind mount keeps it). */
function identity(p: string): string | undefined {
  try {
    const s = statSync(p);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** Every live process grouped by mount namespace, leaving out our own namespace. */
function processesByNamespace(): Map<string, number[]> {
  const own = mountNamespaceOf('self');
  const groups = new Map<string, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ns = mountNamespaceOf(pid);
    if (ns === undefined || ns === own) continue;
    const list = groups.get(ns);
    if (list) list.push(pid);
    else groups.set(ns, [pid]);
  }
  return groups;
}

/**
 * The processes living in each host's namespace(s), keyed by the host's etc_ssh path.
 * Processes are grouped by /proc/<pid>/ns/mnt; a namespace belongs to a host when its
 * /etc/ssh (seen through /proc/<pid>/root) is that host's etc_ssh directory. That needs no
 * recorded pid, so it also finds a host restarted by someone else, a forked session, or a
 * namespace whose inode number was reused, and never mistakes an unrelated namespace for ours.
 * Synchronous on purpose: it also runs from an `exit` handler.
 */
export function hostProcesses(etcSshDirs: readonly string[]): Map<string, number[]> {
  const wanted = new Map<string, string>();
  for (const dir of etcSshDirs) {
    const id = identity(dir);
    if (id) wanted.set(id, dir);
  }
  const found = new Map<string, number[]>();
  if (wanted.size === 0) return found;
  for (const pids of processesByNamespace().values()) {
    // Any member tells us the namespace's view; try the next if one exits while we look.
    let owner: string | undefined;
    for (const pid of pids) {
      const id = identity(`/proc/${pid}/root/etc/ssh`);
      if (id !== undefined) {
        owner = wanted.get(id);
        break;
      }
    }
    if (owner === undefined) continue;
    found.set(owner, [...(found.get(owner) ?? []), ...pids]);
  }
  return found;
}

/** Sends `signal` to each pid, ignoring ones that are already gone. */
export function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}
