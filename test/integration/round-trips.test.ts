/**
 * fleet's time per host is mostly its round trips (a session and a shell on the host each), so
 * their number is part of the design: this pins it on real sshd hosts, with the engine driven
 * in-process through a connector that counts connections and remote commands per host.
 * A change that adds a round trip to a common path fails here, not only in `npm run bench`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRun } from '../../src/cli/load.js';
import { ownerAlive } from '../../src/cli/commands.js';
import { runFleet } from '../../src/engine/runner.js';
import type { Command, RunReport } from '../../src/engine/types.js';
import { gatherFacts, probeAfter } from '../../src/facts/index.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { Connector, type ExecOptions, type Transport } from '../../src/transport/index.js';

let lab: Lab;
let serverPolicy: string;
let clientPolicy: string;

beforeAll(async () => {
  lab = await startLab({ count: 3, namePrefix: 'rt', shapes: ['debian12'] });
  const inv = join(lab.dir, 'rt.inventory.yml');
  writeFileSync(inv, ['all:', '  hosts:', ...lab.hosts.flatMap((h) => [`    ${h.name}:`, `      address: ${h.address}`, '      user: root', `      identity_file: ${lab.clientKey}`]), ''].join('\n'));
  serverPolicy = join(lab.dir, 'rt.policy.yml');
  writeFileSync(serverPolicy, `inventory: ${inv}\nsshd:\n  ClientAliveInterval: 301\n  ClientAliveCountMax: 4\n`);
  clientPolicy = join(lab.dir, 'rt-client.policy.yml');
  writeFileSync(clientPolicy, `inventory: ${inv}\nsshd:\n  ClientAliveInterval: 302\nclient:\n  users: [root]\n  ServerAliveInterval: 60\n`);
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

interface Counts {
  connections: number;
  commands: number;
}

/** Runs `command` on one host in-process; returns its report and what it cost in round trips. */
async function counted(command: Command, policyPath: string, hostIndex: number): Promise<{ report: RunReport; counts: Counts }> {
  const { policy, hosts } = await loadRun(policyPath, { sshConfig: 'none' }, 'root'); // never the machine's ~/.ssh/config
  const host = hosts.filter((h) => h.name === lab.hosts[hostIndex]!.name);
  const connector = new Connector({ knownHostsFile: lab.knownHosts, acceptNew: false, connectTimeoutMs: 10_000, commandTimeoutMs: 60_000 });
  const counts: Counts = { connections: 0, commands: 0 };
  const connect = async (h: (typeof hosts)[number]): Promise<Transport> => {
    const t = await connector.connect(h);
    counts.connections++;
    return new Proxy(t, {
      get(target, prop) {
        if (prop === 'exec') {
          return (cmd: string, opts?: ExecOptions) => {
            counts.commands++;
            return target.exec(cmd, opts);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  const runId = `rt${Date.now().toString(36)}`;
  try {
    const report = await runFleet({
      command,
      hosts: host,
      policy,
      forks: 1,
      serial: { kind: 'percent', pct: 100 },
      maxFailPercent: 100,
      acceptNew: false,
      listener: () => undefined,
      signal: new AbortController().signal,
      contextFor: (h, step) => ({
        command, host: h, policy, connect, gatherFacts, probeAfter, runId, lockOwner: `${runId} test ${process.pid}`, lockLeaseSeconds: 120, ownerAlive,
        now: () => new Date(), step, loginRetryDelaysMs: [100, 250, 500],
      }),
    });
    return { report, counts };
  } finally {
    await connector.closeAll();
  }
}

describe.sequential('round trips per host', () => {
  it('check: one connection, one command (the facts probe)', async () => {
    const { report, counts } = await counted('check', serverPolicy, 0);
    expect(report.hosts[0]!.status).toBe('changed');
    expect(counts).toEqual({ connections: 1, commands: 1 });
  });

  it('apply on a host that needs the change: 2 connections, 3 commands (facts; stage, lock, write, commit, reload; fresh login + finish)', async () => {
    const { report, counts } = await counted('apply', serverPolicy, 0);
    expect(report.hosts[0]).toMatchObject({ status: 'changed', reloaded: true, error: null });
    expect(counts).toEqual({ connections: 2, commands: 3 });
  });

  it('apply again: 1 connection, 1 command (the facts probe, with a look at the lock), like check', async () => {
    const { report, counts } = await counted('apply', serverPolicy, 0);
    expect(report.hosts[0]).toMatchObject({ status: 'unchanged', reloaded: false, error: null });
    expect(counts).toEqual({ connections: 1, commands: 1 });
  });

  it('apply with a client file: the login proof stays `true` and the finish follows the client write', async () => {
    const { report, counts } = await counted('apply', clientPolicy, 1);
    expect(report.hosts[0]).toMatchObject({ status: 'changed', reloaded: true, error: null });
    // facts, client facts, stage to reload (with the lock), `true` on the fresh login, the client write (proven by ssh -G in the same command), finish
    expect(counts).toEqual({ connections: 2, commands: 6 });
    const again = await counted('apply', clientPolicy, 1);
    expect(again.report.hosts[0]).toMatchObject({ status: 'unchanged', error: null });
  });
});
