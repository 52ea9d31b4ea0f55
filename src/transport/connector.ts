/**
 * Opens SSH sessions to inventory hosts: known_hosts policy, key loading, jump hosts.
 * Every `connect` is a new handshake and login (the apply engine relies on that to prove
 * a fresh login still works); only jump-host connections are shared.
 *
 * A host resolved through the controller's ssh_config (HostSpec.ssh, src/core/sshconfig)
 * brings its keys, ProxyJump hops, known_hosts files, HostKeyAlias and ConnectTimeout; a
 * HostSpec without it (built by hand) uses its own identityFile and jump only.
 *
 * ssh2 reaches most hosts; those that need certificates go through the system's OpenSSH client
 * (transport-choice.ts, openssh-connector.ts), behind the same Transport.
 */
import { homedir } from 'node:os';
import { access, readFile } from 'node:fs/promises';
import { FleetError } from '../core/errors.js';
import type { SshEndpointOptions } from '../core/sshconfig/types.js';
import { describeAttempt, type KeyAttempt } from './attempt.js';
import { judgeAcross, knownTypesAcross } from './host-key-trust.js';
import { certAuthoritiesFor, keyTypeOf } from './known-hosts.js';
import { KnownHostsStore } from './known-hosts-store.js';
import { needsSudo, sudoRefusal } from './privileged.js';
import { killGroupCommand, remoteCommand, splitProcessMarker } from './remote-process.js';
import { parsePrivateKey, SshSession, type AuthOption, type PrivateKey } from './node-ssh-session.js';
import { OpenSshConnector } from './openssh-connector.js';
import { chooseTransport, type TransportChoice } from './transport-choice.js';
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
  /** Authentication methods tried, over all connections (ssh2 only: ssh counts its own). */
  authAttempts: number;
  /** Target connections made through the OpenSSH client (certificates) rather than ssh2. */
  openSshConnections: number;
}

function where(host: Pick<HostSpec, 'name' | 'address' | 'port'>): string {
  return host.name === host.address
    ? `${host.address}:${host.port}`
    : `${host.name} (${host.address}:${host.port})`;
}

/** One machine to log in to: the target or a jump host on the way. */
interface Endpoint {
  name: string;
  address: string;
  port: number;
  user: string;
  origins: Record<string, string>;
  /** From ssh_config; undefined for a HostSpec built without it. */
  ssh: SshEndpointOptions | undefined;
  /** The inventory's or --identity key: offered first, and a key that cannot be loaded is an error. */
  key: { path: string; origin: string } | undefined;
  /** Jump hosts before this endpoint, for messages. */
  via: string[];
}

export class Connector {
  readonly stats: ConnectorStats = { targetConnections: 0, jumpConnections: 0, authAttempts: 0, openSshConnections: 0 };
  #opts: ConnectOptions;
  #knownHosts = new Map<string, KnownHostsStore>();
  #keys = new Map<string, Promise<PrivateKey>>();
  /** Whether `<key>-cert.pub` exists, looked up once per key for the whole run (not once per connection). */
  #certificatesBeside = new Map<string, Promise<boolean>>();
  #jumps = new Map<string, Promise<SshSession>>();
  #open = new Set<SshSession>();
  /** Sessions through the system's OpenSSH client, for hosts that need certificates. */
  #openSsh: OpenSshConnector;

  constructor(opts: ConnectOptions) {
    this.#opts = opts;
    this.#openSsh = new OpenSshConnector(opts, (path) => this.#loadKey(path));
  }

  async connect(host: HostSpec): Promise<Transport> {
    const hops = this.#hopsOf(host);
    const target = this.#endpoint(host, hops);
    const choice = await this.#transportFor(host, target);
    if (choice.kind === 'openssh') {
      this.stats.targetConnections++;
      this.stats.openSshConnections++;
      const known = this.#knownHostsPaths(target);
      const request = {
        host,
        identityFile: target.key?.path ?? target.ssh?.identityFiles.find((k) => !k.isDefault)?.path,
        certificateFile: this.#certificateFile(host),
        knownHostsFile: known.userFiles[0] ?? '/dev/null',
        globalKnownHostsFile: known.globalFiles[0],
        connectTimeoutMs: this.#timeoutMs(target),
        where: where(host),
        keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS,
      };
      return new SshTransport(host, await this.#openSsh.open(request), this.#opts.commandTimeoutMs);
    }
    let sock;
    if (hops.length > 0) {
      const last = await this.#hopSession(hops, hops.length - 1);
      try {
        sock = await last.forwardOut(target.address, target.port, this.#timeoutMs(target));
      } catch (error) {
        // The target was never reached: name what would have been tried.
        const keys = [...(target.key ? [target.key] : []), ...(target.ssh?.identityFiles.filter((k) => !k.isDefault) ?? [])];
        throw withAttempt(error, describeAttempt({ ...target, keys, agent: this.#agentWord(target) }));
      }
    }
    this.stats.targetConnections++;
    const session = await this.#openSession(target, sock);
    return new SshTransport(host, session, this.#opts.commandTimeoutMs);
  }

  /**
   * Loads the run's own key (`--identity`) before any host: a missing, unreadable or encrypted
   * key without its passphrase is one error for the run instead of the same failure per host.
   */
  async checkIdentity(): Promise<void> {
    const path = this.#opts.identityFile;
    if (path === undefined) return;
    await this.#loadKey(path).catch((error: unknown) => {
      throw error instanceof FleetError ? new FleetError(error.code, `--identity: ${error.message}`, { cause: error }) : error;
    });
  }

  /** The user certificate in force: the inventory's, else ssh_config's first CertificateFile. */
  #certificateFile(host: HostSpec): string | undefined {
    return host.certificateFile ?? host.ssh?.certificateFiles[0]?.path;
  }

  /**
   * ssh2 unless the host needs a certificate, on either side: a user certificate configured
   * or lying beside the key, or a @cert-authority line covering the host.
   */
  async #transportFor(host: HostSpec, target: Endpoint): Promise<TransportChoice> {
    const identity = target.key?.path ?? target.ssh?.identityFiles.find((k) => !k.isDefault)?.path;
    const beside = identity !== undefined ? `${identity}-cert.pub` : undefined;
    const [besideExists, authority] = await Promise.all([
      beside !== undefined ? this.#exists(beside) : false,
      this.#certAuthorityLine(target),
    ]);
    const certificateFile = this.#certificateFile(host);
    return chooseTransport({
      ...(certificateFile !== undefined ? { certificateFile } : {}),
      ...(besideExists && beside !== undefined ? { certificateBesideKey: beside } : {}),
      ...(authority !== undefined ? { certAuthorityLine: authority } : {}),
    });
  }

  #exists(path: string): Promise<boolean> {
    let known = this.#certificatesBeside.get(path);
    if (known === undefined) {
      known = access(path).then(() => true, () => false);
      this.#certificatesBeside.set(path, known);
    }
    return known;
  }

  async #certAuthorityLine(endpoint: Endpoint): Promise<string | undefined> {
    const lookup = this.#lookupName(endpoint);
    for (const store of this.#storesFor(endpoint)) {
      const [line] = certAuthoritiesFor(await store.entries(), lookup.name, lookup.port);
      if (line !== undefined) return `${store.path}:${line.line}`;
    }
    return undefined;
  }

  /** Closes every session this connector opened, jump hosts last. */
  async closeAll(): Promise<void> {
    await this.#openSsh.closeAll();
    const jumps = await Promise.allSettled([...this.#jumps.values()]);
    const jumpSessions = new Set(jumps.flatMap((j) => (j.status === 'fulfilled' ? [j.value] : [])));
    await Promise.all([...this.#open].filter((s) => !jumpSessions.has(s)).map((s) => s.close()));
    await Promise.all([...jumpSessions].map((s) => s.close()));
    this.#jumps.clear();
  }

  #primaryKey(host: HostSpec): Endpoint['key'] {
    if (this.#opts.identityFile !== undefined) return { path: this.#opts.identityFile, origin: '--identity' };
    if (host.identityFile !== undefined) return { path: host.identityFile, origin: host.origins?.['identityFile'] ?? 'inventory' };
    return undefined;
  }

  #endpoint(host: HostSpec, hops: readonly Endpoint[]): Endpoint {
    return {
      name: host.name,
      address: host.address,
      port: host.port,
      user: host.user,
      origins: host.origins ?? {},
      ssh: host.ssh,
      key: this.#primaryKey(host),
      via: hops.map((h) => `${h.user}@${h.address}:${h.port}`),
    };
  }

  /**
   * The jump hosts of a target, first one first: ssh_config's resolved hops, else the
   * inventory's one `jump`. A hop logs in with the target's inventory key first (fleet's rule
   * from before ssh_config), then its own keys.
   */
  #hopsOf(host: HostSpec): Endpoint[] {
    const key = this.#primaryKey(host);
    if (host.ssh !== undefined) {
      return host.ssh.jumps.map((hop, i, all) => ({
        name: `jump host ${hop.name}`,
        address: hop.address,
        port: hop.port,
        user: hop.user,
        origins: hop.origins,
        ssh: hop,
        key,
        via: all.slice(0, i).map((h) => `${h.user}@${h.address}:${h.port}`),
      }));
    }
    if (host.jump === undefined) return [];
    const jump = host.jump;
    return [{ name: `jump host ${jump.host}`, address: jump.host, port: jump.port, user: jump.user ?? host.user, origins: {}, ssh: undefined, key, via: [] }];
  }

  #timeoutMs(endpoint: Endpoint): number {
    return endpoint.ssh?.connectTimeoutMs ?? this.#opts.connectTimeoutMs;
  }

  /**
   * One connection per bastion (per chain of bastions), shared by all tunnels through it. The
   * promise is memoized so 50 targets asking at the same moment cause one handshake, and a
   * bastion's MaxStartups never throttles a run. A failed or dropped bastion is forgotten, so a
   * later connect (e.g. the re-login proof) tries again.
   */
  #hopSession(hops: readonly Endpoint[], index: number): Promise<SshSession> {
    const hop = hops[index]!;
    const key = hops
      .slice(0, index + 1)
      .map((h) => `${h.user}@${h.address}:${h.port}`)
      .join(' > ');
    let session = this.#jumps.get(key);
    if (session === undefined) {
      this.stats.jumpConnections++;
      session = (async () => {
        let sock;
        if (index > 0) sock = await (await this.#hopSession(hops, index - 1)).forwardOut(hop.address, hop.port, this.#timeoutMs(hop));
        return this.#openSession(hop, sock);
      })();
      this.#jumps.set(key, session);
      const forget = () => {
        if (this.#jumps.get(key) === session) this.#jumps.delete(key);
      };
      session.then((s) => s.onClose(forget), forget);
    }
    return session;
  }

  async #openSession(endpoint: Endpoint, sock: Awaited<ReturnType<SshSession['forwardOut']>> | undefined): Promise<SshSession> {
    const stores = this.#storesFor(endpoint);
    const lookup = this.#lookupName(endpoint);
    const auth = await this.#authOptions(endpoint);
    const attempt = describeAttempt({ ...endpoint, keys: auth.keys, agent: auth.agent });
    let session: SshSession;
    try {
      session = await SshSession.open({
        where: where(endpoint),
        host: endpoint.address,
        port: endpoint.port,
        username: endpoint.user,
        ...(sock ? { sock } : {}),
        readyTimeoutMs: this.#timeoutMs(endpoint),
        keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS,
        preferredHostKeyTypes: await knownTypesAcross(stores, lookup.name, lookup.port),
        verifyHostKey: (blob) => this.#verifyHostKey(endpoint, blob),
        auth: auth.options,
        onAuthAttempt: () => this.stats.authAttempts++,
      });
    } catch (error) {
      throw withAttempt(error, attempt);
    }
    this.#open.add(session);
    session.onClose(() => this.#open.delete(session));
    return session;
  }

  /** HostKeyAlias replaces the address and port in the known_hosts lookup, as in ssh. */
  #lookupName(endpoint: Endpoint): { name: string; port: number } {
    const alias = endpoint.ssh?.hostKeyAlias;
    return alias !== undefined ? { name: alias, port: 22 } : { name: endpoint.address, port: endpoint.port };
  }

  /**
   * The user's files: --known-hosts when given, else ssh_config's UserKnownHostsFile, else
   * ~/.ssh/known_hosts. The system's, read too and never written: --global-known-hosts when
   * given, else ssh_config's GlobalKnownHostsFile; with --known-hosts and no ssh_config, none.
   */
  #knownHostsPaths(endpoint: Endpoint): { read: string[]; record: string | undefined; userFiles: string[]; globalFiles: string[] } {
    const userFiles =
      this.#opts.knownHostsFile !== undefined ? [this.#opts.knownHostsFile] : (endpoint.ssh?.userKnownHostsFiles ?? [`${homedir()}/.ssh/known_hosts`]);
    const globalFiles =
      this.#opts.globalKnownHostsFile !== undefined
        ? [this.#opts.globalKnownHostsFile]
        : this.#opts.knownHostsFile !== undefined
          ? []
          : (endpoint.ssh?.globalKnownHostsFiles ?? []);
    return { read: [...userFiles, ...globalFiles], record: userFiles[0], userFiles, globalFiles };
  }

  #store(path: string): KnownHostsStore {
    let store = this.#knownHosts.get(path);
    if (store === undefined) {
      store = new KnownHostsStore(path);
      this.#knownHosts.set(path, store);
    }
    return store;
  }

  #storesFor(endpoint: Endpoint): KnownHostsStore[] {
    return this.#knownHostsPaths(endpoint).read.map((p) => this.#store(p));
  }

  async #verifyHostKey(endpoint: Endpoint, blob: Buffer): Promise<FleetError | null> {
    const paths = this.#knownHostsPaths(endpoint);
    const lookup = this.#lookupName(endpoint);
    const verdict = await judgeAcross(this.#storesFor(endpoint), lookup.name, lookup.port, blob);
    const w = where(endpoint);
    const files = paths.read.length === 0 ? 'no known_hosts file (UserKnownHostsFile and GlobalKnownHostsFile are none)' : paths.read.join(', ');
    const as = lookup.name !== endpoint.address ? ` (looked up as ${lookup.name}, HostKeyAlias)` : '';
    switch (verdict.kind) {
      case 'trusted':
        return null;
      case 'revoked':
        return new FleetError('HOSTKEY_REVOKED', `${w}: host key is marked @revoked in ${verdict.place}`);
      case 'mismatch':
        return new FleetError(
          'HOSTKEY_MISMATCH',
          `${w}: host key (${keyTypeOf(blob)}) does not match ${verdict.places.join(', ')}${as} — ` +
            'possible man-in-the-middle, or the server was reinstalled; not logging in',
        );
      case 'unknown':
        if (!this.#opts.acceptNew) {
          return new FleetError('HOSTKEY_UNKNOWN', `${w}: host key (${keyTypeOf(blob)}) is not in ${files}${as}; add it (ssh-keyscan) or use accept-new`);
        }
        if (paths.record === undefined) return new FleetError('HOSTKEY_UNKNOWN', `${w}: host key not accepted: UserKnownHostsFile is none, so there is no file to record it in`);
        await this.#store(paths.record).accept(lookup.name, lookup.port, blob);
        return null;
    }
  }

  /**
   * The keys to offer, in order: the inventory's (or --identity) key, then ssh_config's
   * IdentityFile keys, then the agent (unless IdentitiesOnly), then OpenSSH's default
   * identities when nothing named a key (after the agent, as ssh offers them). A key ssh_config
   * or the defaults name that is missing or cannot be decrypted is skipped, as ssh skips it,
   * and the failure message says why.
   */
  async #authOptions(endpoint: Endpoint): Promise<{ options: AuthOption[]; keys: KeyAttempt[]; agent: string }> {
    const options: AuthOption[] = [];
    const keys: KeyAttempt[] = [];
    // The configured key first: an agent with many keys could exhaust MaxAuthTries before it.
    if (endpoint.key !== undefined) {
      options.push({ kind: 'key', key: await this.#loadKey(endpoint.key.path) });
      keys.push(endpoint.key);
    }
    const candidates = endpoint.ssh?.identityFiles ?? [];
    const offer = async (list: typeof candidates): Promise<void> => {
      for (const candidate of list) {
        if (endpoint.key !== undefined && candidate.path === endpoint.key.path) continue;
        try {
          options.push({ kind: 'key', key: await this.#loadKey(candidate.path) });
          keys.push({ path: candidate.path, origin: candidate.origin });
        } catch (error) {
          keys.push({ path: candidate.path, origin: candidate.origin, skipped: skipReason(error) });
        }
      }
    };
    await offer(candidates.filter((c) => !c.isDefault));
    const agent = this.#agentWord(endpoint);
    if (this.#opts.agentSocket && !endpoint.ssh?.identitiesOnly) options.push({ kind: 'agent', socket: this.#opts.agentSocket });
    await offer(candidates.filter((c) => c.isDefault));
    if (options.length === 0) {
      throw new FleetError('AUTH_FAILED', `${where(endpoint)}: no key to log in with and no ssh-agent; ${describeAttempt({ ...endpoint, keys, agent })}`);
    }
    // Missing default identities are ssh's silent normal: name only the ones that exist.
    return { options, keys: keys.filter((k) => !(k.skipped === 'not found' && candidates.find((c) => c.path === k.path)?.isDefault)), agent };
  }

  /** Whether the agent is offered to an endpoint, in words for messages. */
  #agentWord(endpoint: Endpoint): string {
    if (endpoint.ssh?.identitiesOnly) return 'not used (IdentitiesOnly yes)';
    return this.#opts.agentSocket ? `yes (${this.#opts.agentSocket})` : 'no (SSH_AUTH_SOCK unset)';
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

/** Why a key was not offered, in a few words. */
function skipReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/ENOENT/.test(message)) return 'not found';
  if (/encrypted/.test(message)) return `encrypted; set ${PASSPHRASE_ENV}`;
  return message.replace(/^private key \S+ /, '');
}

/** A connect or login failure, with what was tried appended (host-key refusals say enough). */
function withAttempt(error: unknown, attempt: string): unknown {
  if (!(error instanceof FleetError) || error.code.startsWith('HOSTKEY_')) return error;
  return new FleetError(error.code, `${error.message}; ${attempt}`, { cause: error });
}

/** What a Transport needs of a connection: ssh2's SshSession and the OpenSSH client's master both give it. */
interface CommandSession {
  readonly closed: boolean;
  readonly serverVersion: string | undefined;
  exec(cmd: string, stdin: string | Buffer | undefined, timeoutMs: number, onTimeout?: (stderrSoFar: string) => void): Promise<ExecResult>;
  close(): Promise<void>;
}

/** A Transport over one SSH session. */
class SshTransport implements Transport {
  readonly host: HostSpec;
  #session: CommandSession;
  #defaultTimeoutMs: number;

  constructor(host: HostSpec, session: CommandSession, defaultTimeoutMs: number) {
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
