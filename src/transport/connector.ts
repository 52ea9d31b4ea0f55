/**
 * Opens SSH sessions to inventory hosts: known_hosts policy, key loading, jump hosts.
 * Every `connect` is a new handshake and login (the apply engine relies on that to prove
 * a fresh login still works); only jump-host connections are shared.
 */
import { readFile } from 'node:fs/promises';
import { FleetError } from '../core/errors.js';
import { keyTypeOf, judgeHostKey, knownKeyTypes } from './known-hosts.js';
import { KnownHostsStore } from './known-hosts-store.js';
import { needsSudo, sudoRefusal } from './privileged.js';
import { killGroupCommand, remoteCommand, splitProcessMarker } from './remote-process.js';
import { parsePrivateKey, SshSession, type AuthOption, type PrivateKey } from './node-ssh-session.js';
import type { ConnectOptions, ExecOptions, ExecResult, HostSpec, Transport } from './types.js';

/** The environment variable the CLI reads a key passphrase from; named in error messages. */
export const PASSPHRASE_ENV = 'FLEET_KEY_PASSPHRASE';

/** Seconds of silence tolerated: keepalives every 15 s, 4 unanswered ones end the session. */
const KEEPALIVE_INTERVAL_MS = 15_000;

/** Budget of the kill that follows a command timeout. */
const KILL_TIMEOUT_MS = 10_000;

/** Counters for tests and diagnostics. */
export interface ConnectorStats {
  /** Handshakes started to inventory hosts (not jump hosts). */
  targetConnections: number;
  /** Handshakes started to jump hosts. */
  jumpConnections: number;
  /** Authentication methods tried, over all connections. */
  authAttempts: number;
}

function where(host: Pick<HostSpec, 'name' | 'address' | 'port'>): string {
  return host.name === host.address
    ? `${host.address}:${host.port}`
    : `${host.name} (${host.address}:${host.port})`;
}

export class Connector {
  readonly stats: ConnectorStats = { targetConnections: 0, jumpConnections: 0, authAttempts: 0 };
  #opts: ConnectOptions;
  #knownHosts: KnownHostsStore;
  #keys = new Map<string, Promise<PrivateKey>>();
  #jumps = new Map<string, Promise<SshSession>>();
  #open = new Set<SshSession>();

  constructor(opts: ConnectOptions) {
    this.#opts = opts;
    this.#knownHosts = new KnownHostsStore(opts.knownHostsFile);
  }

  async connect(host: HostSpec): Promise<Transport> {
    let sock;
    if (host.jump) {
      const jump = await this.#jumpSession(host);
      sock = await jump.forwardOut(host.address, host.port, this.#opts.connectTimeoutMs);
    }
    this.stats.targetConnections++;
    const session = await this.#openSession(host, host.user, sock, this.#opts.connectTimeoutMs);
    return new SshTransport(host, session, this.#opts.commandTimeoutMs);
  }

  /** Closes every session this connector opened, jump hosts last. */
  async closeAll(): Promise<void> {
    const jumps = await Promise.allSettled([...this.#jumps.values()]);
    const jumpSessions = new Set(jumps.flatMap((j) => (j.status === 'fulfilled' ? [j.value] : [])));
    await Promise.all([...this.#open].filter((s) => !jumpSessions.has(s)).map((s) => s.close()));
    await Promise.all([...jumpSessions].map((s) => s.close()));
    this.#jumps.clear();
  }

  /**
   * One connection per bastion, shared by all tunnels through it. The promise is memoized
   * so 50 targets asking at the same moment cause one handshake, and a bastion's
   * MaxStartups never throttles a run. A failed or dropped bastion is forgotten, so a
   * later connect (e.g. the re-login proof) tries again.
   */
  #jumpSession(target: HostSpec): Promise<SshSession> {
    const jump = target.jump!;
    const user = jump.user ?? target.user;
    const key = `${user}@${jump.host}:${jump.port}`;
    let session = this.#jumps.get(key);
    if (session === undefined) {
      const spec: HostSpec = {
        name: `jump host ${jump.host}`,
        address: jump.host,
        port: jump.port,
        user,
        ...(target.identityFile !== undefined ? { identityFile: target.identityFile } : {}),
        become: false,
        sshdConfigPath: '',
        groups: [],
      };
      this.stats.jumpConnections++;
      session = this.#openSession(spec, user, undefined, this.#opts.connectTimeoutMs);
      this.#jumps.set(key, session);
      const forget = () => {
        if (this.#jumps.get(key) === session) this.#jumps.delete(key);
      };
      session.then((s) => s.onClose(forget), forget);
    }
    return session;
  }

  async #openSession(
    host: HostSpec,
    username: string,
    sock: Awaited<ReturnType<SshSession['forwardOut']>> | undefined,
    timeoutMs: number,
  ): Promise<SshSession> {
    const [entries, auth] = await Promise.all([this.#knownHosts.entries(), this.#authOptions(host)]);
    const session = await SshSession.open({
      where: where(host),
      host: host.address,
      port: host.port,
      username,
      ...(sock ? { sock } : {}),
      readyTimeoutMs: timeoutMs,
      keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS,
      preferredHostKeyTypes: knownKeyTypes(entries, host.address, host.port),
      verifyHostKey: (blob) => this.#verifyHostKey(host, blob),
      auth,
      onAuthAttempt: () => this.stats.authAttempts++,
    });
    this.#open.add(session);
    session.onClose(() => this.#open.delete(session));
    return session;
  }

  async #verifyHostKey(host: HostSpec, blob: Buffer): Promise<FleetError | null> {
    const entries = await this.#knownHosts.entries();
    const verdict = judgeHostKey(entries, host.address, host.port, blob);
    const file = this.#knownHosts.path;
    const w = where(host);
    switch (verdict.kind) {
      case 'trusted':
        return null;
      case 'revoked':
        return new FleetError('HOSTKEY_REVOKED', `${w}: host key is marked @revoked in ${file}:${verdict.line}`);
      case 'mismatch':
        return new FleetError(
          'HOSTKEY_MISMATCH',
          `${w}: host key (${keyTypeOf(blob)}) does not match ${file}:${verdict.lines.join(',')} — ` +
            'possible man-in-the-middle, or the server was reinstalled; not logging in',
        );
      case 'unknown':
        if (!this.#opts.acceptNew) {
          return new FleetError(
            'HOSTKEY_UNKNOWN',
            `${w}: host key (${keyTypeOf(blob)}) is not in ${file}; add it (ssh-keyscan) or use accept-new`,
          );
        }
        await this.#knownHosts.accept(host.address, host.port, blob);
        return null;
    }
  }

  async #authOptions(host: HostSpec): Promise<AuthOption[]> {
    const options: AuthOption[] = [];
    const identity = this.#opts.identityFile ?? host.identityFile;
    // The configured key first: an agent with many keys could exhaust MaxAuthTries before it.
    if (identity !== undefined) options.push({ kind: 'key', key: await this.#loadKey(identity) });
    if (this.#opts.agentSocket) options.push({ kind: 'agent', socket: this.#opts.agentSocket });
    if (options.length === 0) {
      throw new FleetError('AUTH_FAILED', `${where(host)}: no identity file configured and no ssh-agent (SSH_AUTH_SOCK)`);
    }
    return options;
  }

  /** Reads and decrypts a key once per run (bcrypt KDF of an encrypted key is slow). */
  #loadKey(path: string): Promise<PrivateKey> {
    let key = this.#keys.get(path);
    if (key === undefined) {
      key = readFile(path).then(
        (bytes) => {
          const parsed = parsePrivateKey(bytes, this.#opts.passphrase);
          if ('key' in parsed) return parsed.key;
          const hint = parsed.needsPassphrase ? `: it is encrypted; set ${PASSPHRASE_ENV} to its passphrase` : `: ${parsed.error}`;
          throw new FleetError('KEY_UNREADABLE', `private key ${path} cannot be used${hint}`);
        },
        (err: NodeJS.ErrnoException) => {
          throw new FleetError('KEY_UNREADABLE', `private key ${path} cannot be read: ${err.code ?? err.message}`, { cause: err });
        },
      );
      this.#keys.set(path, key);
    }
    return key;
  }
}

/** A Transport over one SSH session. */
class SshTransport implements Transport {
  readonly host: HostSpec;
  #session: SshSession;
  #defaultTimeoutMs: number;

  constructor(host: HostSpec, session: SshSession, defaultTimeoutMs: number) {
    this.host = host;
    this.#session = session;
    this.#defaultTimeoutMs = defaultTimeoutMs;
  }

  get closed(): boolean {
    return this.#session.closed;
  }

  get serverVersion(): string | undefined {
    return this.#session.serverVersion;
  }

  async exec(cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const viaSudo = opts.privileged === true && needsSudo(this.host);
    const sent = remoteCommand(cmd, viaSudo, opts.stdin);
    const raw = await this.#session.exec(
      sent.line,
      sent.stdin,
      opts.timeoutMs ?? this.#defaultTimeoutMs,
      (stderrSoFar) => this.#killGroup(stderrSoFar, viaSudo),
    );
    const result = { ...raw, stderr: splitProcessMarker(raw.stderr).stderr };
    if (viaSudo) {
      const refused = sudoRefusal(result, where(this.host));
      if (refused) throw refused;
    }
    return result;
  }

  /** Best effort: a timed-out command must not keep running (and holding files) on the host. */
  #killGroup(stderrSoFar: string, viaSudo: boolean): void {
    const { pgid } = splitProcessMarker(stderrSoFar);
    if (pgid === null || this.#session.closed) return;
    // A command started through sudo runs as root: only root may kill it.
    const kill = remoteCommand(killGroupCommand(pgid), viaSudo);
    this.#session.exec(kill.line, kill.stdin, KILL_TIMEOUT_MS).catch(() => {});
  }

  close(): Promise<void> {
    return this.#session.close();
  }
}
