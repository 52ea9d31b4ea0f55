/**
 * The one file that imports node-ssh: opens an authenticated SSH connection and runs
 * commands on it. Everything fleet-specific (known_hosts policy, jump hosts, sudo, how a
 * script is sent) lives in the connector; this file only moves bytes.
 *
 * node-ssh opens the connection and its tunnels. Commands run on the ssh2 Client that node-ssh
 * exposes as `ssh.connection` (node-ssh's execCommand buffers output without bound), as does
 * what its API does not give (signalling a timed-out command, Nagle off, the socket's last word).
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { NodeSSH, SSHError, type Config } from 'node-ssh';
import type { AnyAuthMethod, Client, ClientChannel, ParsedKey } from 'ssh2';
import { FleetError } from '../core/errors.js';
import { classifyError } from './classify.js';
import { hostKeyOrder } from './host-key-order.js';
import type { ExecResult } from './types.js';
import { OutputBudget } from './output-budget.js';

/** How long a polite disconnect may take before the socket is torn down. */
const CLOSE_GRACE_MS = 2_000;


/**
 * ssh2's key parser, from the ssh2 copy node-ssh itself loads: node-ssh has no key parser of
 * its own, fleet depends on node-ssh (not ssh2), and ssh2 only recognizes a parsed key made by
 * the same copy of its module (it tags keys with module-private symbols).
 */
const { parseKey } = (
  createRequire(createRequire(import.meta.url).resolve('node-ssh'))('ssh2') as typeof import('ssh2')
).utils;

/** A decrypted private key, parsed once and reused by every connection. */
export type PrivateKey = ParsedKey;

/**
 * Parses private key bytes. Returns a message (never containing the passphrase) on failure.
 * `needsPassphrase` tells the caller to point the user at FLEET_KEY_PASSPHRASE.
 */
export function parsePrivateKey(
  bytes: Buffer,
  passphrase: string | undefined,
): { key: PrivateKey } | { error: string; needsPassphrase: boolean } {
  const parsed = parseKey(bytes, passphrase);
  if (parsed instanceof Error) {
    const needsPassphrase = /no passphrase given/i.test(parsed.message);
    const wrong = passphrase !== undefined && /decrypt|bad passphrase|integrity/i.test(parsed.message);
    return { error: wrong ? 'wrong passphrase' : parsed.message, needsPassphrase };
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (key === undefined || !key.isPrivateKey()) return { error: 'not a private key', needsPassphrase: false };
  return { key };
}

/** One way to authenticate, tried in the order given. */
export type AuthOption = { kind: 'key'; key: PrivateKey } | { kind: 'agent'; socket: string };

/** What openSession needs; all policy decisions are made by the caller. */
export interface SessionConfig {
  /** For messages: `web1 (10.0.0.5:22)`. */
  where: string;
  host: string;
  port: number;
  username: string;
  /** A stream to the server (a jump host's forwarded channel) instead of a new TCP connection. */
  sock?: Duplex;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Offer these host-key algorithms first, so the server shows the key known_hosts has. */
  preferredHostKeyTypes: readonly string[];
  /**
   * Called with the server's key blob before any authentication; resolves to null to go on or
   * to the error that refuses the host (ssh2 then aborts the key exchange).
   */
  verifyHostKey(keyBlob: Buffer): Promise<FleetError | null>;
  auth: readonly AuthOption[];
  /** Test instrumentation: called each time an authentication method is about to be tried. */
  onAuthAttempt?: () => void;
}

/**
 * Turns Nagle's algorithm off on the connection's TCP socket. Every exec is a few small
 * packets each way; with Nagle on, the server's delayed ACK holds each of them back ~40 ms.
 * A tunneled connection has no socket of its own (its bytes ride the jump host's connection,
 * which gets this too), and ssh2 skips streams without `setNoDelay`.
 */
function disableNagle(client: Client): void {
  client.setNoDelay(true);
}

/** An open, authenticated connection. */
export class SshSession {
  #ssh: NodeSSH;
  /** Kept apart from `ssh.connection`, which node-ssh clears as soon as the socket ends. */
  #client: Client;
  #where: string;
  #closed = false;
  #closeWaiters: (() => void)[] = [];
  #onClose: (() => void)[] = [];
  /** Commands in flight, told when the connection goes (ssh2 does not always close their channels). */
  #closeWatchers = new Set<() => void>();

  private constructor(ssh: NodeSSH, client: Client, where: string) {
    this.#ssh = ssh;
    this.#client = client;
    this.#where = where;
    client.on('close', () => {
      this.#closed = true;
      for (const f of [...this.#closeWatchers, ...this.#closeWaiters, ...this.#onClose]) f();
      this.#closeWaiters = [];
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The software version in the server's identification banner (`OpenSSH_9.2p1`): the sshd
   * that is actually running, learned from the handshake at no cost. ssh2 keeps it in a
   * field it does not document, so it is read defensively.
   */
  get serverVersion(): string | undefined {
    const version = (this.#client as unknown as { _remoteVer?: unknown })._remoteVer;
    return typeof version === 'string' && version !== '' ? version : undefined;
  }

  /** Registers a callback for when the connection goes away, for whatever reason. */
  onClose(f: () => void): void {
    if (this.#closed) f();
    else this.#onClose.push(f);
  }

  /** Opens and authenticates; rejects with a classified FleetError. */
  static async open(cfg: SessionConfig): Promise<SshSession> {
    const ssh = new NodeSSH();
    let refusal: FleetError | null = null;
    const methods = cfg.auth.map(
      (a): AnyAuthMethod =>
        a.kind === 'key'
          ? { type: 'publickey', username: cfg.username, key: a.key }
          : { type: 'agent', username: cfg.username, agent: a.socket },
    );
    let next = 0;
    const config: Config = {
      host: cfg.host,
      port: cfg.port,
      username: cfg.username,
      ...(cfg.sock ? { sock: cfg.sock } : {}),
      readyTimeout: cfg.readyTimeoutMs,
      keepaliveInterval: cfg.keepaliveIntervalMs,
      keepaliveCountMax: 4,
      algorithms: { serverHostKey: hostKeyOrder(cfg.preferredHostKeyTypes) as never },
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        cfg.verifyHostKey(key).then(
          (err) => {
            refusal = err;
            verify(err === null);
          },
          (err: unknown) => {
            refusal = classifyError(err, 'connect', cfg.where);
            verify(false);
          },
        );
      },
      // Our own handler (not ssh2's default) skips the `none` probe, saving a round trip,
      // and lets tests observe that no authentication starts after a host-key refusal.
      authHandler: (_left, _partial, done) => {
        const method = methods[next++];
        if (method === undefined) return done(false as never);
        cfg.onAuthAttempt?.();
        done(method);
      },
    };

    const connecting = ssh.connect(config);
    // node-ssh creates its ssh2 Client and starts the TCP connect synchronously (no
    // privateKeyPath to read first), so Nagle can go before the handshake's round trips.
    const early = ssh.connection;
    if (early !== null) {
      early.once('connect', () => disableNagle(early));
      // Errors after login (keepalive timeout, resets) reach whatever is running as a dropped
      // connection; node-ssh drops its own listener at `ready`, and without one they would
      // crash the process.
      early.on('error', () => {});
    }
    try {
      await connecting;
    } catch (err) {
      ssh.dispose();
      // A refused host key surfaces from ssh2 as a generic handshake error: report ours.
      throw refusal ?? classifyError(fromNodeSsh(err), 'connect', cfg.where);
    }
    const client = ssh.connection ?? early;
    if (client === null) throw new FleetError('CONNECTION_LOST', `${cfg.where}: connection closed right after login`);
    if (client !== early) client.on('error', () => {});
    disableNagle(client);
    return new SshSession(ssh, client, cfg.where);
  }

  /**
   * Runs one command line with `stdin` written to it, then EOF, so nothing waits on a terminal.
   * On timeout the remote process is signalled and the channel closed. Output beyond
   * MAX_OUTPUT_BYTES (output-budget.ts) ends the whole connection (OUTPUT_TOO_LARGE).
   *
   * This talks to ssh2 directly: node-ssh's execCommand keeps a second, unbounded copy of all
   * output as strings and joins it in an event handler, where a huge answer throws past every
   * caller and ends the process.
   */
  exec(
    cmd: string,
    stdin: string,
    timeoutMs: number,
    onTimeout?: (stderrSoFar: string) => void,
  ): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(new FleetError('CONNECTION_LOST', `${this.#where}: connection is closed`));
        return;
      }
      // Raw bytes, joined at the end: decoding each chunk on its own would split a multi-byte
      // character that straddles two chunks.
      const output = new OutputBudget();
      const out = output.out;
      const errOut = output.err;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#closeWatchers.delete(onLost);
        try {
          outcome();
        } catch (error) {
          reject(error);
        }
      };
      const fail = (error: FleetError): void => settle(() => reject(error));
      const onLost = (): void => fail(new FleetError('CONNECTION_LOST', `${this.#where}: connection lost while a command was running`));
      this.#closeWatchers.add(onLost);
      const keep = (into: Buffer[]) => (chunk: Buffer): void => {
        if (settled || output.take(into, chunk)) return;
        fail(OutputBudget.exceeded(this.#where));
        // A host that floods must cost the controller neither memory nor time: the connection
        // goes at once (a polite channel close would wait on the flooding side).
        this.#client.destroy();
      };
      const started = (err: Error | undefined, channel: ClientChannel): void => {
        if (err) {
          fail(new FleetError(this.#closed ? 'CONNECTION_LOST' : 'COMMAND_FAILED', `${this.#where}: cannot start command: ${err.message}`, { cause: err }));
          return;
        }
        if (settled) {
          channel.close();
          return;
        }
        let exit: { code: number | null; signal: string | null } | null = null;
        const broken = (e: Error): void => fail(new FleetError('CONNECTION_LOST', `${this.#where}: the command's channel failed: ${e.message}`, { cause: e }));
        channel.on('error', broken);
        channel.stderr.on('error', broken);
        channel.on('data', keep(out));
        channel.stderr.on('data', keep(errOut));
        channel.on('exit', (code: number | null, signal?: string) => {
          exit = { code: code ?? null, signal: signal ?? null };
        });
        channel.on('close', () => {
          // ssh2 reports every exit as a status or a signal; neither means the channel closed
          // under the command.
          if (exit === null) return onLost();
          const { code, signal } = exit;
          settle(() => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8'), code, signal }));
        });
        // The budget starts once the command runs, as it always has.
        timer = setTimeout(() => {
          const stderrSoFar = Buffer.concat(errOut).toString('utf8');
          fail(new FleetError('COMMAND_TIMEOUT', `${this.#where}: command did not finish within ${timeoutMs} ms`));
          killRemote(channel);
          onTimeout?.(stderrSoFar);
          // sshd keeps a session channel open until its process exits, so do not wait for
          // the close: the caller gets its answer now, the channel goes when the process does.
          channel.close();
        }, timeoutMs);
        channel.end(stdin);
      };
      try {
        this.#client.exec(cmd, started);
      } catch (err) {
        // ssh2 throws when the socket is no longer writable.
        fail(new FleetError('CONNECTION_LOST', `${this.#where}: cannot start command: ${(err as Error).message}`, { cause: err }));
      }
    });
  }

  /**
   * Opens a TCP tunnel from the server to host:port (for jump hosts). The bastion's own
   * connect has no deadline we control, so the caller's connect budget bounds it here.
   */
  forwardOut(host: string, port: number, timeoutMs: number): Promise<Duplex> {
    const target = `${host}:${port} via ${this.#where}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new FleetError('CONNECT_TIMEOUT', `${target}: no tunnel within ${timeoutMs} ms`)),
        timeoutMs,
      );
      // node-ssh throws (rather than rejects) when its connection is already gone.
      Promise.resolve()
        .then(() => this.#ssh.forwardOut('127.0.0.1', 0, host, port))
        .then(
          (channel) => {
            clearTimeout(timer);
            resolve(channel);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(classifyError(err, 'connect', target));
          },
        );
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#closeWaiters.push(resolve);
      this.#ssh.dispose();
      this.#client.end();
      // A server that does not answer the disconnect must not hold up a run's shutdown.
      setTimeout(() => this.#client.destroy(), CLOSE_GRACE_MS).unref();
    });
  }
}

/**
 * node-ssh rejects a connection that closes before login with its own "No response from
 * server" (ETIMEDOUT), which would read as a timeout; it is a dropped connection.
 */
function fromNodeSsh(err: unknown): unknown {
  if (err instanceof SSHError && err.code === 'ETIMEDOUT') return new Error('connection closed before login completed');
  return err;
}

function killRemote(stream: ClientChannel): void {
  const internals = stream as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (channel: number, signal: string) => void } };
  };
  const id = internals.outgoing?.id;
  const protocol = internals._client?._protocol;
  if (typeof id !== 'number' || typeof protocol?.signal !== 'function') return;
  if (internals.outgoing?.state !== 'open' && internals.outgoing?.state !== 'eof') return;
  try {
    protocol.signal(id, 'KILL');
  } catch {
    // The connection is already gone; nothing left to kill from here.
  }
}
