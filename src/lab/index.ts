/**
 * The real-sshd test lab. Each lab host is one real /usr/sbin/sshd (Debian's OpenSSH 9.2) on
 * its own loopback address (127.0.1.1, 127.0.1.2, …, port 22), in a private mount namespace
 * where the host's own directory is mounted over /etc/ssh, /run, /root, /home and /tmp. So a
 * fleet run against the lab reads, edits, validates and reloads real sshd configs, and a
 * broken config really locks it out: nothing is simulated.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { AddressAllocator, assertNoWildcardListener } from './addresses.js';
import { etcSshOf, hostPublicKeyOf, launchSshd, layOutHost, logFileOf, pidFileOf } from './host.js';
import { RunningLab } from './lab.js';
import { ensureOpenSshServer } from './openssh.js';
import { LabError, runChecked } from './proc.js';
import { inventoryYaml, knownHostsLine } from './render.js';
import { SHAPES, SHAPE_NAMES, type ShapeName } from './shapes/index.js';
import { holdsLab } from './state.js';
import { stopHosts } from './stop.js';
import { ensureUsers } from './users.js';

export { SHAPES, SHAPE_NAMES, type Shape, type ShapeName } from './shapes/index.js';
export { ensureOpenSshServer } from './openssh.js';
export { LabError } from './proc.js';
export { stopLabDir, readLabRecord, type LabRecord } from './state.js';
export { labAddress } from './addresses.js';
export { certifyLab, type LabCertificates } from './certificates.js';

/** One lab host: a real sshd in its own mount namespace. */
export interface LabHost {
  /** Inventory name (`lab01`, …). */
  name: string;
  /** Loopback address the sshd listens on (127.0.1.1, …). */
  address: string;
  /** Always 22: each host has its own address, like a real server. */
  port: number;
  /** The host's directory; its subdirectories are mounted over /etc/ssh, /run, /root, /home, /tmp. */
  dir: string;
  shape: ShapeName;
  /** `<dir>/run/sshd.pid`: the listener's pid (the host's /run/sshd.pid). */
  pidFile: string;
  /** `<dir>/etc_ssh`: the host's /etc/ssh as seen from outside. */
  etcSsh: string;
  /** `<dir>/run/sshd.log`: sshd's log (`-E`; the host's /run/sshd.log), e.g. "Accepted publickey for root from …" per login. */
  logFile: string;
}

/** A running lab. */
export interface Lab {
  dir: string;
  hosts: LabHost[];
  /** An ed25519 private key (no passphrase) authorized for root (and each extra user) on every host. */
  clientKey: string;
  /** known_hosts with every host's key (`<address> ssh-ed25519 AAAA…`). */
  knownHosts: string;
  /** Ansible-style inventory.yml: one group per shape, `address` per host, `user: root` and `identity_file` on `all`. */
  inventory: string;
  /** The current sshd listener pid (from the pid file); throws when the host is stopped. */
  pid(host: LabHost): number;
  /** Whether a real `ssh` login as root with strict host-key checking succeeds. */
  isAccepting(host: LabHost): Promise<boolean>;
  /** `sshd -T` run inside the host's namespace: lowercased keyword → value (repeated keywords joined by "\n"). */
  sshdT(host: LabHost): Promise<Record<string, string>>;
  /** Runs a sh command inside the host's mount namespace (a fresh one with the same mounts when the host is stopped). */
  exec(host: LabHost, cmd: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Ends the host's sshd and sessions (SIGTERM, then SIGKILL) and waits until its port is free. */
  stopHost(host: LabHost): Promise<void>;
  /** Starts the host's sshd again on its address, with whatever config its /etc/ssh now holds. */
  startHost(host: LabHost): Promise<void>;
  /** Ends every process of every host, waits until the addresses are free, removes `dir` unless keepDir. Idempotent. */
  stop(): Promise<void>;
}

export interface LabOptions {
  count: number;
  /** Default: a fresh mkdtemp under os.tmpdir(). Created if missing; must not already hold a lab. */
  dir?: string;
  /** Cycled over the hosts; default every shape, in SHAPE_NAMES order. */
  shapes?: ShapeName[];
  /** Host names are `<namePrefix><n>` (n zero-padded); default `lab`. */
  namePrefix?: string;
  /** Extra POSIX users: created machine-wide if missing (no home), each with a per-host home holding the client key. */
  users?: string[];
  keepDir?: boolean;
  /** Leave the hosts running when this process exits (the lab CLI). Default false: they are killed on exit. */
  persist?: boolean;
  /** How many hosts are laid out and started at once; default 16. */
  concurrency?: number;
}

/** Starts `count` hosts and returns once every one accepts TCP on its address. */
export async function startLab(opts: LabOptions): Promise<Lab> {
  const shapes = opts.shapes ?? [...SHAPE_NAMES];
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new LabError(`lab count must be a positive integer, not ${opts.count}`);
  if (shapes.length === 0) throw new LabError('lab shapes list is empty');
  for (const s of shapes) if (!(s in SHAPES)) throw new LabError(`unknown lab shape ${s} (known: ${SHAPE_NAMES.join(', ')})`);
  const prefix = opts.namePrefix ?? 'lab';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(prefix)) throw new LabError(`lab namePrefix ${JSON.stringify(prefix)} is not a host name`);

  await ensureOpenSshServer();
  await assertNoWildcardListener();
  const dir = await labDirectory(opts.dir);
  const users = await ensureUsers(opts.users ?? []);

  const clientKey = path.join(dir, 'client_ed25519');
  await runChecked('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fleet-lab-client', '-f', clientKey]);
  const authorizedKey = await readFile(`${clientKey}.pub`, 'utf8');
  const moduli = path.join(dir, 'moduli');
  await copyFile('/etc/ssh/moduli', moduli);

  const width = Math.max(2, String(opts.count).length);
  const hosts: LabHost[] = [];
  const allocator = new AddressAllocator(22, dir);
  const limit = pLimit(opts.concurrency ?? 16);
  const started: LabHost[] = [];
  try {
    await Promise.all(
      Array.from({ length: opts.count }, (_, i) =>
        limit(async () => {
          // Take the address first: tasks start in host order, so lab01 gets the first free one.
          const first = await allocator.allocate();
          const name = `${prefix}${String(i + 1).padStart(width, '0')}`;
          const shape = shapes[i % shapes.length] ?? SHAPE_NAMES[0]!;
          const shapeFiles = SHAPES[shape];
          if (!shapeFiles) throw new LabError(`unknown lab shape ${shape}`);
          const hostDir = path.join(dir, 'hosts', name);
          await layOutHost({ dir: hostDir, name, shape: shapeFiles, authorizedKey, moduli, users });
          const address = await startOnFreeAddress(hostDir, first, allocator);
          const host: LabHost = {
            ...{ name, address, port: 22, dir: hostDir, shape },
            ...{ pidFile: pidFileOf(hostDir), etcSsh: etcSshOf(hostDir), logFile: logFileOf(hostDir) },
          };
          started.push(host);
          hosts[i] = host;
        }),
      ),
    );
  } catch (e) {
    limit.clearQueue();
    await stopHosts(started).catch(() => undefined);
    if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
    throw e;
  }

  const knownHosts = path.join(dir, 'known_hosts');
  const keys = await Promise.all(hosts.map((h) => readFile(hostPublicKeyOf(h.dir), 'utf8')));
  await writeFile(knownHosts, keys.map((k, i) => `${knownHostsLine(hosts[i]!.address, 22, k)}\n`).join(''), { mode: 0o600 });
  const inventory = path.join(dir, 'inventory.yml');
  await writeFile(inventory, inventoryYaml(hosts, clientKey));

  const lab = new RunningLab({ dir, clientKey, knownHosts, inventory }, hosts, opts.keepDir ?? false, opts.persist ?? false);
  await lab.record();
  return lab;
}

async function labDirectory(requested: string | undefined): Promise<string> {
  if (requested === undefined) return mkdtemp(path.join(os.tmpdir(), 'fleet-lab-'));
  const dir = path.resolve(requested);
  if (holdsLab(dir)) throw new LabError(`${dir} already holds a lab; stop it first (node dist/lab/cli.js stop --dir ${dir})`);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  return dir;
}

/** Starts the host on the next free address, moving on when another lab takes one first. */
async function startOnFreeAddress(hostDir: string, first: string, allocator: AddressAllocator): Promise<string> {
  let address = first;
  for (let attempt = 0; attempt < 20; attempt++) {
    const outcome = await launchSshd(hostDir, address);
    if (outcome.kind === 'started') return address;
    address = await allocator.allocate();
  }
  throw new LabError(`${hostDir}: every address tried was taken before sshd could bind it`);
}
