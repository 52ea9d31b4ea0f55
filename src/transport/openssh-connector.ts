/**
 * Opens OpenSSH-client sessions (src/transport/openssh-session.ts) for the hosts the connector
 * sends here: resolves what ssh needs, makes sure the key is usable without a prompt, and
 * keeps the private directory of control sockets. Every connect is a new master: a fresh
 * handshake and login, like every ssh2 connect.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FleetError } from '../core/errors.js';
import { parsePrivateKey } from './node-ssh-session.js';
import { ASKPASS_SCRIPT, askpassEnvironment, type OpenSshTarget } from './openssh-options.js';
import { OpenSshSession } from './openssh-session.js';
import type { ConnectOptions, HostSpec } from './types.js';

/** What the connector decides for a host and passes on. */
export interface OpenSshRequest {
  host: HostSpec;
  /** The identity in force (--identity over the inventory's). */
  identityFile: string | undefined;
  /** The user certificate in force (the inventory's or ssh_config's CertificateFile). */
  certificateFile: string | undefined;
  /** The known_hosts ssh checks and, with --accept-new, records into. */
  knownHostsFile: string;
  /** The system's known_hosts, read only. */
  globalKnownHostsFile: string | undefined;
  connectTimeoutMs: number;
  /** For messages: `web1 (10.0.0.5:22)`. */
  where: string;
  keepaliveIntervalMs: number;
}

export class OpenSshConnector {
  #opts: ConnectOptions;
  /** Checks the passphrase the way the ssh2 path does (and caches the decrypted key there). */
  #checkPassphrase: (path: string) => Promise<unknown>;
  #controlDir: Promise<string> | undefined;
  #controlSockets = 0;
  #open = new Set<OpenSshSession>();

  constructor(opts: ConnectOptions, checkPassphrase: (path: string) => Promise<unknown>) {
    this.#opts = opts;
    this.#checkPassphrase = checkPassphrase;
  }

  async open(req: OpenSshRequest): Promise<OpenSshSession> {
    const { host, identityFile } = req;
    const opts = this.#opts;
    const target: OpenSshTarget = {
      address: host.address,
      port: host.port,
      user: host.user,
      ...(identityFile !== undefined ? { identityFile: resolve(identityFile) } : {}),
      ...(req.certificateFile !== undefined ? { certificateFile: resolve(req.certificateFile) } : {}),
      knownHostsFile: resolve(req.knownHostsFile),
      ...(req.globalKnownHostsFile !== undefined ? { globalKnownHostsFile: resolve(req.globalKnownHostsFile) } : {}),
      acceptNew: opts.acceptNew,
      ...(opts.agentSocket !== undefined ? { agentSocket: opts.agentSocket } : {}),
      connectTimeoutMs: req.connectTimeoutMs,
      keepaliveIntervalMs: req.keepaliveIntervalMs,
      ...(host.jump ? { jump: { host: host.jump.host, port: host.jump.port, user: host.jump.user ?? host.user } } : {}),
    };
    const encrypted = identityFile !== undefined && (await this.#keyIsEncrypted(identityFile, req.where));
    const controlDir = await this.#controlDirectory();
    let env: Record<string, string> = {};
    if (encrypted && opts.passphrase !== undefined) {
      target.askpass = join(controlDir, 'askpass');
      env = askpassEnvironment(target.askpass, opts.passphrase);
    }
    const session = await OpenSshSession.open(target, join(controlDir, `c${++this.#controlSockets}`), req.where, env);
    this.#open.add(session);
    session.onClose(() => this.#open.delete(session));
    return session;
  }

  /** Ends every master and removes the control directory. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#open].map((s) => s.close()));
    const controlDir = this.#controlDir;
    this.#controlDir = undefined;
    if (controlDir !== undefined) await rm(await controlDir, { recursive: true, force: true }).catch(() => {});
  }

  /** The private directory of control sockets and the askpass program, made once. */
  #controlDirectory(): Promise<string> {
    this.#controlDir ??= mkdtemp(join(tmpdir(), 'fleet-ssh-')).then(async (dir) => {
      await writeFile(join(dir, 'askpass'), ASKPASS_SCRIPT, { mode: 0o700 });
      return dir;
    });
    return this.#controlDir;
  }

  /**
   * Whether the key is encrypted, having made sure ssh can use it: with FLEET_KEY_PASSPHRASE
   * (checked here, so a wrong one reads as on the ssh2 path) or an agent that may hold it.
   * Keys ssh2 cannot parse (security keys) are left for ssh to judge.
   */
  async #keyIsEncrypted(path: string, where: string): Promise<boolean> {
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new FleetError('KEY_UNREADABLE', `private key ${path} cannot be read: ${err.code ?? err.message}`, { cause: err });
    });
    const bare = parsePrivateKey(bytes, undefined);
    if (!('error' in bare && bare.needsPassphrase)) return false;
    if (this.#opts.passphrase !== undefined) {
      await this.#checkPassphrase(path);
      return true;
    }
    if (this.#opts.agentSocket !== undefined) return true;
    throw new FleetError('KEY_UNREADABLE', `${where}: private key ${path} is encrypted; set FLEET_KEY_PASSPHRASE to its passphrase, or add it to ssh-agent`);
  }
}
