/**
 * The one file that imports ssh2: opens an authenticated SSH connection and runs
 * commands on it. Everything fleet-specific (known_hosts policy, jump hosts, sudo)
 * lives in the connector; this file only moves bytes.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, ClientChannel, ParsedKey } from 'ssh2';
import { FleetError } from '../core/errors.js';
import { classifyError } from './classify.js';
import type { ExecResult } from './types.js';

const { Client, utils } = ssh2;

/** How long a polite disconnect may take before the socket is torn down. */
const CLOSE_GRACE_MS = 2_000;

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
  const parsed = utils.parseKey(bytes, passphrase);
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

// ssh2 1.x's default host-key preference; reordered per host, never extended.
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;

function hostKeyOrder(preferred: readonly string[]): string[] {
  // An `ssh-rsa` known_hosts key is served with rsa-sha2-* signatures.
  const wanted = (alg: string) => preferred.includes(alg.startsWith('rsa-sha2-') ? 'ssh-rsa' : alg);
  return [...HOST_KEY_ALGORITHMS.filter(wanted), ...HOST_KEY_ALGORITHMS.filter((a) => !wanted(a))];
}

/** An open, authenticated connection. */
export class Ssh2Session {
  #client: InstanceType<typeof Client>;
  #where: string;
  #closed = false;
  #closeWaiters: (() => void)[] = [];
  #onClose: (() => void)[] = [];

  private constructor(client: InstanceType<typeof Client>, where: string) {
    this.#client = client;
    this.#where = where;
    client.on('close', () => {
      this.#closed = true;
      for (const f of [...this.#closeWaiters, ...this.#onClose]) f();
      this.#closeWaiters = [];
    });
    // After `ready`, errors (keepalive timeout, resets) surface as a dropped connection to
    // whatever is running; without a listener they would crash the process.
    client.on('error', () => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Registers a callback for when the connection goes away, for whatever reason. */
  onClose(f: () => void): void {
    if (this.#closed) f();
    else this.#onClose.push(f);
  }

  /** Opens and authenticates; rejects with a classified FleetError. */
  static open(cfg: SessionConfig): Promise<Ssh2Session> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let refusal: FleetError | null = null;
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        client.end();
        // A refused host key surfaces from ssh2 as a generic handshake error: report ours.
        reject(refusal ?? classifyError(err, 'connect', cfg.where));
      };
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        resolve(new Ssh2Session(client, cfg.where));
      });
      client.on('error', fail);
      client.once('close', () => fail(new Error('connection closed before login completed')));

      const methods = cfg.auth.map(
        (a): AnyAuthMethod =>
          a.kind === 'key'
            ? { type: 'publickey', username: cfg.username, key: a.key }
            : { type: 'agent', username: cfg.username, agent: a.socket },
      );
      let next = 0;
      try {
        client.connect({
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
        });
      } catch (err) {
        fail(err);
      }
    });
  }

  /**
   * Runs one command line. Stdin (possibly empty) is sent then closed, so nothing waits
   * on a terminal. On timeout the remote process is signalled and the channel closed.
   */
  exec(
    cmd: string,
    stdin: string | Buffer | undefined,
    timeoutMs: number,
    onTimeout?: (stderrSoFar: string) => void,
  ): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(new FleetError('CONNECTION_LOST', `${this.#where}: connection is closed`));
        return;
      }
      this.#client.exec(cmd, (err, stream) => {
        if (err) {
          const code = this.#closed ? 'CONNECTION_LOST' : 'COMMAND_FAILED';
          reject(new FleetError(code, `${this.#where}: cannot start command: ${err.message}`, { cause: err }));
          return;
        }
        collect(stream, stdin, timeoutMs, this.#where, onTimeout).then(resolve, reject);
      });
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
      this.#client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
        clearTimeout(timer);
        if (err) reject(classifyError(err, 'connect', target));
        else resolve(channel);
      });
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#closeWaiters.push(resolve);
      this.#client.end();
      // A server that does not answer the disconnect must not hold up a run's shutdown.
      setTimeout(() => this.#client.destroy(), CLOSE_GRACE_MS).unref();
    });
  }
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

function collect(
  stream: ClientChannel,
  stdin: string | Buffer | undefined,
  timeoutMs: number,
  where: string,
  onTimeout: ((stderrSoFar: string) => void) | undefined,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    let exit: { code: number | null; signal: string | null } | null = null;
    stream.on('data', (b: Buffer) => out.push(b));
    stream.stderr.on('data', (b: Buffer) => errOut.push(b));
    stream.on('exit', (code: number | null, signal?: string) => {
      exit = { code: typeof code === 'number' ? code : null, signal: signal ?? null };
    });
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      killRemote(stream);
      onTimeout?.(Buffer.concat(errOut).toString('utf8'));
      stream.close();
      // sshd keeps a session channel open until its process exits, so do not wait for the
      // close: the caller gets its answer now, the channel goes when the process does.
      reject(new FleetError('COMMAND_TIMEOUT', `${where}: command did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on('close', () => {
      clearTimeout(timer);
      if (settled) return;
      if (exit === null) {
        reject(new FleetError('CONNECTION_LOST', `${where}: connection lost while a command was running`));
        return;
      }
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(errOut).toString('utf8'),
        code: exit.code,
        signal: exit.signal,
      });
    });
    stream.end(stdin);
  });
}
