/**
 * A Transport that runs commands in a local shell instead of over SSH, so the facts probe
 * is exercised by real dash/bash/busybox and a real sshd binary without a network. Each
 * command is sent as the SSH transport sends it: its fixed line run by a shell, the script
 * on stdin. `shellDir` is put first on PATH: a directory whose `sh` is the shell under test.
 */
import { spawn } from 'node:child_process';
import { remoteCommand, splitProcessMarker } from '../../../src/transport/remote-process.js';
import type { ExecOptions, ExecResult, HostSpec, Transport } from '../../../src/transport/types.js';

export class LocalTransport implements Transport {
  readonly host: HostSpec;
  readonly commands: string[] = [];
  closed = false;
  #path: string;

  constructor(host: Partial<HostSpec> & Pick<HostSpec, 'sshdConfigPath'>, shellDir?: string) {
    this.host = { name: 'local', address: '127.0.0.1', port: 22, user: 'root', become: false, groups: [], ...host };
    this.#path = shellDir ? `${shellDir}:/usr/bin:/bin` : '/usr/bin:/bin';
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    const sent = remoteCommand(command, false, opts.stdin);
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', sent.line], { env: { PATH: this.#path } });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code, signal) =>
        resolve({ stdout: Buffer.concat(out).toString(), stderr: splitProcessMarker(Buffer.concat(err).toString()).stderr, code, signal }),
      );
      child.stdin.end(sent.stdin);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
