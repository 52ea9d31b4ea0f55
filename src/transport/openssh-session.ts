/**
 * A session through the system's OpenSSH client: one `ssh` master per connect (a new
 * handshake and login each time, like the ssh2 session), and one short `ssh` process per
 * command over the master's control socket. Used for what ssh2 cannot do (certificates);
 * ssh itself checks host keys and certificates, so none of that is re-implemented here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { FleetError } from '../core/errors.js';
import { checkArgs, classifySshFailure, masterArgs, muxArgs, READY_MARK, remoteVersion, type OpenSshTarget } from './openssh-options.js';
import { OutputBudget } from './output-budget.js';
import type { ExecResult } from './types.js';

/** The OpenSSH client program, found on PATH like a user's `ssh`. */
const SSH = 'ssh';

/** How long a master may take to go after its stdin closes, before it is killed. */
const CLOSE_GRACE_MS = 2_000;

/** What ssh says before it is ready: enough for any error, bounded against a chatty server. */
const MAX_STARTUP_STDERR = 64 * 1024;

/** An open, authenticated master connection. */
export class OpenSshSession {
  #master: ChildProcess;
  #target: OpenSshTarget;
  #controlPath: string;
  #where: string;
  #closed = false;
  #onClose: (() => void)[] = [];
  readonly serverVersion: string | undefined;

  private constructor(master: ChildProcess, target: OpenSshTarget, controlPath: string, where: string, version: string | undefined) {
    this.#master = master;
    this.#target = target;
    this.#controlPath = controlPath;
    this.#where = where;
    this.serverVersion = version;
    master.once('exit', () => {
      this.#closed = true;
      for (const f of this.#onClose.splice(0)) f();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  onClose(f: () => void): void {
    if (this.#closed) f();
    else this.#onClose.push(f);
  }

  /**
   * Starts the master and waits until its own session prints the ready mark: host key
   * verified, logged in, control socket listening. Rejects with a classified FleetError.
   */
  static open(target: OpenSshTarget, controlPath: string, where: string, env: Record<string, string> = {}): Promise<OpenSshSession> {
    return new Promise((resolve, reject) => {
      const master = spawn(SSH, masterArgs(target, controlPath), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      let settled = false;
      const knownHosts = [target.knownHostsFile, ...(target.globalKnownHostsFile !== undefined ? [target.globalKnownHostsFile] : [])];
      const fail = (err: FleetError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        master.kill('SIGTERM');
        reject(err);
      };
      // ConnectTimeout bounds only ssh's TCP connect; the whole login gets fleet's budget.
      const timer = setTimeout(
        () => fail(new FleetError('CONNECT_TIMEOUT', `${where}: timed out during connect/handshake/login`)),
        target.connectTimeoutMs,
      );
      master.stdin.on('error', () => {});
      master.stderr.on('data', (b: Buffer) => {
        if (!settled && stderr.length < MAX_STARTUP_STDERR) stderr += b.toString('utf8');
      });
      master.stdout.on('data', (b: Buffer) => {
        if (settled) return;
        stdout += b.toString('utf8');
        if (!stdout.includes(READY_MARK)) return;
        settled = true;
        clearTimeout(timer);
        resolve(new OpenSshSession(master, target, controlPath, where, remoteVersion(stderr)));
        stderr = '';
      });
      master.once('error', (err: NodeJS.ErrnoException) =>
        fail(new FleetError('CONNECTION_LOST', `${where}: cannot run the OpenSSH client \`${SSH}\`: ${err.code ?? err.message}`, { cause: err })),
      );
      master.once('exit', () => fail(classifySshFailure(stderr, where, knownHosts)));
    });
  }

  /**
   * Runs one command line over the master. Stdin (possibly empty) is sent then closed. On
   * timeout the local ssh is ended (which closes the channel) and `onTimeout` gets the
   * command's stderr so far, to kill the remote process group.
   */
  exec(cmd: string, stdin: string | Buffer | undefined, timeoutMs: number, onTimeout?: (stderrSoFar: string) => void): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(new FleetError('CONNECTION_LOST', `${this.#where}: connection is closed`));
        return;
      }
      const child = spawn(SSH, muxArgs(this.#target, this.#controlPath, cmd), { stdio: ['pipe', 'pipe', 'pipe'] });
      // Raw bytes, joined at the end, so a multi-byte character split across chunks survives.
      const output = new OutputBudget();
      const out = output.out;
      const errOut = output.err;
      let timedOut = false;
      // The same budget as the ssh2 path: a host that floods fails alone, and its connection goes.
      const keep = (into: Buffer[]) => (b: Buffer): void => {
        if (timedOut || output.take(into, b)) return;
        timedOut = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        void this.close();
        reject(OutputBudget.exceeded(this.#where));
      };
      child.stdout.on('data', keep(out));
      child.stderr.on('data', keep(errOut));
      child.stdin.on('error', () => {});
      child.stdin.end(stdin ?? '');
      const timer = setTimeout(() => {
        timedOut = true;
        onTimeout?.(Buffer.concat(errOut).toString('utf8'));
        child.kill('SIGTERM');
        reject(new FleetError('COMMAND_TIMEOUT', `${this.#where}: command did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      child.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (!timedOut) reject(new FleetError('COMMAND_FAILED', `${this.#where}: cannot run \`${SSH}\`: ${err.code ?? err.message}`, { cause: err }));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) return;
        const result: ExecResult = {
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(errOut).toString('utf8'),
          code,
          signal,
        };
        // ssh exits 255 for its own failures (and for a command killed by a signal, whose
        // name it does not pass on); only a master that is gone makes it a lost connection.
        if (code !== 255) return resolve(result);
        this.#masterAlive().then((alive) =>
          alive
            ? resolve(result)
            : reject(new FleetError('CONNECTION_LOST', `${this.#where}: connection lost while a command was running`)),
        );
      });
    });
  }

  /** Asks the master itself (`ssh -O check`): its process may outlive a dead connection briefly. */
  #masterAlive(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const check = spawn(SSH, checkArgs(this.#target, this.#controlPath), { stdio: 'ignore' });
      check.once('error', () => resolve(false));
      check.once('close', (code) => resolve(code === 0 && !this.#closed));
    });
  }

  /** Ends the master's own session (its stdin), which ends the connection; kills it if it lingers. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.onClose(resolve);
      this.#master.stdin?.end();
      setTimeout(() => this.#master.kill('SIGTERM'), CLOSE_GRACE_MS).unref();
    });
  }
}

