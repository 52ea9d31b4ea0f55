/**
 * A running lab: the handle tests, the demo and the bench drive hosts through.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Lab, LabHost } from './index.js';
import { launchSshd, isAlive } from './host.js';
import { SSHD, nsenterArgs, unshareArgs } from './namespace.js';
import { LabError, run } from './proc.js';
import { parseSshdT } from './render.js';
import { writeLabRecord } from './state.js';
import { releaseAddress } from './addresses.js';
import { killHostsNow, onProcessExit, stopHosts } from './stop.js';

export interface LabFiles {
  dir: string;
  clientKey: string;
  knownHosts: string;
  inventory: string;
}

export class RunningLab implements Lab {
  readonly dir: string;
  readonly clientKey: string;
  readonly knownHosts: string;
  readonly inventory: string;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private readonly unregisterExit: () => void;

  constructor(
    files: LabFiles,
    readonly hosts: LabHost[],
    private readonly keepDir: boolean,
    /** Whether the hosts outlive this process (the lab CLI); otherwise they die with it. */
    persist: boolean,
  ) {
    this.dir = files.dir;
    this.clientKey = files.clientKey;
    this.knownHosts = files.knownHosts;
    this.inventory = files.inventory;
    this.unregisterExit = persist ? () => false : onProcessExit(() => killHostsNow(this.hosts, this.keepDir ? [] : [this.dir]));
  }

  pid(host: LabHost): number {
    let text: string;
    try {
      text = readFileSync(host.pidFile, 'utf8');
    } catch {
      throw new LabError(`${host.name} is not running (no ${host.pidFile})`);
    }
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new LabError(`${host.pidFile}: not a pid: ${JSON.stringify(text)}`);
    return pid;
  }

  async isAccepting(host: LabHost): Promise<boolean> {
    const result = await run('ssh', this.sshArgs(host, 'true'), { timeoutMs: 20_000 });
    return result.code === 0;
  }

  /** The `ssh` command line (without the program) that logs into `host` as root and runs `cmd`. */
  sshArgs(host: LabHost, cmd: string): string[] {
    return [
      // -F /dev/null: the machine's own ssh_config and root's ~/.ssh/config (which fleet's
      // client-side edits may touch) must not change what "a fresh login works" means.
      ...['-F', '/dev/null', '-i', this.clientKey, '-p', String(host.port)],
      ...['-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=yes'],
      ...['-o', `UserKnownHostsFile=${this.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
      ...['-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR'],
      `root@${host.address}`,
      cmd,
    ];
  }

  async exec(host: LabHost, cmd: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const pid = this.livePid(host);
    // A stopped host has no namespace to enter; a fresh one built the same way shows the
    // same files, so fault injection also works on a host that is down.
    return pid === undefined
      ? run('unshare', unshareArgs(host.dir, 'exec sh -c "$1"', cmd), { timeoutMs: 60_000 })
      : run('nsenter', nsenterArgs(pid, cmd), { timeoutMs: 60_000 });
  }

  async sshdT(host: LabHost): Promise<Record<string, string>> {
    const result = await this.exec(host, `${SSHD} -T`);
    if (result.code !== 0) throw new LabError(`${host.name}: sshd -T exited ${result.code}: ${result.stderr.trim()}`);
    return parseSshdT(result.stdout);
  }

  async stopHost(host: LabHost): Promise<void> {
    await stopHosts([host], { graceMs: 1000 });
    await this.record();
  }

  async startHost(host: LabHost): Promise<void> {
    if (this.stopped) throw new LabError('the lab is stopped');
    if (this.livePid(host) !== undefined) throw new LabError(`${host.name} is already running`);
    const outcome = await launchSshd(host.dir, host.address);
    if (outcome.kind === 'address-in-use') throw new LabError(`${host.name}: ${host.address}:22 was taken while the host was down`);
    await this.record();
  }

  stop(): Promise<void> {
    // One stop at a time; after a failure (a process that would not die) a later call retries.
    this.stopping ??= this.stopAll().catch((e: unknown) => {
      this.stopping = undefined;
      throw e;
    });
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    this.stopped = true;
    await stopHosts(this.hosts);
    for (const h of this.hosts) releaseAddress(h.address, this.dir);
    this.unregisterExit();
    if (!this.keepDir) await rm(this.dir, { recursive: true, force: true });
  }

  /** Writes lab.json with the current listener pids. */
  async record(): Promise<void> {
    await writeLabRecord({
      version: 1,
      dir: this.dir,
      clientKey: this.clientKey,
      knownHosts: this.knownHosts,
      inventory: this.inventory,
      hosts: this.hosts.map((h) => {
        const pid = this.livePid(h);
        return pid === undefined ? { ...h } : { ...h, pid };
      }),
    });
  }

  private livePid(host: LabHost): number | undefined {
    try {
      const pid = this.pid(host);
      return isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }
}
