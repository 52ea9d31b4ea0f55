/**
 * Issue 5, fault 4: fleet itself is killed in the middle of a 100-host apply (10 hosts in
 * flight). SIGINT and SIGTERM: nothing new starts, hosts in flight finish, and the report still
 * covers every host, each either changed or untouched. SIGKILL: hosts in flight keep fleet's
 * lock and journal; the next `fleet apply` finds each of them, finishes or undoes it, says so in
 * that host's warnings, and every host ends converged with no candidate and no lock left.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import type { HostResult } from '../../src/engine/types.js';
import { fleet, jsonReport, type CliRun } from '../helpers/cli.js';
import { configKind, configSnapshot, health, inventoryFor, lockRunId, lockState, mapLimit, runFlags, waitFor, writePolicy } from '../helpers/faults.js';
import { waitSessionsGone } from '../helpers/inject.js';

const HOSTS = 100;
const FORKS = 10;
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: HOSTS, namePrefix: 'kill' });
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

const lockDir = (h: LabHost): string => join(h.dir, 'run', 'fleet.lock');

/**
 * Starts an apply of `want` over every host and sends `signal` once at least `seen` hosts have
 * been locked by it (so some are done, about FORKS are in flight, most not started).
 */
async function applyAndSignal(name: string, want: Record<string, number>, signal: NodeJS.Signals, seen = 30): Promise<CliRun> {
  const policy = writePolicy(lab.dir, name, inventoryFor(lab, lab.hosts), want);
  let pid = 0;
  const running = fleet(['apply', policy, ...runFlags(lab), '--forks', String(FORKS)], { onSpawn: (p) => (pid = p) });
  const locked = new Set<string>();
  await waitFor(`${seen} hosts locked`, () => {
    for (const h of lab.hosts) if (existsSync(lockDir(h))) locked.add(h.name);
    return locked.size >= seen;
  }, 90_000);
  process.kill(pid, signal);
  return running;
}

/** Every host: valid config, no lock, no candidate, no stage folder; and a real ssh login works. */
async function expectAllHealthy(): Promise<Map<string, Record<string, string>>> {
  const effective = new Map<string, Record<string, string>>();
  await mapLimit(lab.hosts, 8, async (h) => {
    const s = await health(lab, h);
    expect(s.valid, `${h.name}: ${s.sshdTError}`).toBe(true);
    expect([s.locked, s.temps, s.stages], h.name).toEqual([false, [], []]);
    expect(await lab.isAccepting(h), `${h.name} accepts a login`).toBe(true);
    effective.set(h.name, s.effective);
  });
  return effective;
}

describe.sequential('fleet is killed in the middle of a 100-host apply', () => {
  it.each([
    ['SIGINT', 451],
    ['SIGTERM', 452],
  ] as const)('%s: the report covers every host, each changed or untouched, none half-done', async (signal, value) => {
    const want = { ClientAliveInterval: value, ClientAliveCountMax: 5 };
    const before = new Map(lab.hosts.map((h) => [h.name, configSnapshot(h)]));
    const run = await applyAndSignal(signal, want, signal);
    const report = jsonReport(run);
    expect(run.code, run.stderr).toBe(130);
    expect(report.hosts.map((r) => r.name).sort()).toEqual(lab.hosts.map((h) => h.name).sort());
    const byName = new Map(report.hosts.map((r) => [r.name, r]));
    const effective = await expectAllHealthy();
    let changed = 0;
    let interrupted = 0;
    for (const h of lab.hosts) {
      const r = byName.get(h.name)!;
      const kind = configKind(before.get(h.name)!, h, effective.get(h.name)!, want);
      if (r.status === 'changed') {
        changed += 1;
        expect(kind, `${h.name} reported changed`).toBe('new');
      } else {
        interrupted += 1;
        expect([r.status, r.error?.code], `${h.name}: ${r.error?.message}`).toEqual(['failed', 'INTERRUPTED']);
        expect(kind, `${h.name} reported not started`).toBe('old');
      }
    }
    // The signal came mid-run: hosts were both done before it and left unstarted after it.
    expect(changed).toBeGreaterThanOrEqual(20);
    expect(interrupted).toBeGreaterThan(0);
  }, 150_000);

  it('SIGKILL: the next apply finds every lock left behind, finishes or undoes it, says so, and converges every host', async () => {
    const want = { ClientAliveInterval: 453, ClientAliveCountMax: 6 };
    const before = new Map(lab.hosts.map((h) => [h.name, configSnapshot(h)]));
    const killed = await applyAndSignal('SIGKILL', want, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout, 'a killed fleet prints no report').toBe('');
    // The remote halves of the killed sessions end (or finish their script) on their own.
    await waitSessionsGone(lab, lab.hosts);

    // What the dead run left: a lock (with its state) on the hosts it had in flight.
    const left = new Map<string, { runId: string; state: string }>();
    for (const h of lab.hosts) if (existsSync(lockDir(h))) left.set(h.name, { runId: lockRunId(h), state: lockState(h) });
    expect(left.size, 'hosts were in flight when fleet died').toBeGreaterThan(0);
    const deadRun = [...left.values()][0]!.runId;
    expect([...left.values()].every((l) => l.runId === deadRun)).toBe(true);
    // Even before anyone cleans up, every host holds its old or its new config, and sshd -t accepts it.
    await mapLimit(lab.hosts, 8, async (h) => {
      const s = await health(lab, h);
      expect(s.valid, `${h.name}: ${s.sshdTError}`).toBe(true);
      expect(configKind(before.get(h.name)!, h, s.effective, want), h.name).not.toBe('neither');
    });
    await mapLimit([...left.keys()], 4, async (name) => {
      expect(await lab.isAccepting(lab.hosts.find((h) => h.name === name)!), `${name} accepts a login while locked`).toBe(true);
    });

    const run = await fleet(['apply', writePolicy(lab.dir, 'after-kill', inventoryFor(lab, lab.hosts), want), ...runFlags(lab)], { timeoutMs: 170_000 });
    const report = jsonReport(run);
    expect(run.code, run.stderr).toBe(0);
    for (const r of report.hosts as HostResult[]) {
      const note = r.warnings.find((w) => w.includes(`interrupted run ${deadRun}`));
      const leftover = left.get(r.name);
      if (leftover === undefined) {
        expect(note, `${r.name} had no lock left`).toBeUndefined();
        continue;
      }
      expect(note, `${r.name} (lock state ${leftover.state || 'none'}) must be reported`).toBeDefined();
      // `journal`: backups and journal written, no live file changed yet: nothing to restore.
      const halfDone = leftover.state === 'committed' || leftover.state === 'restored';
      expect(note).toMatch(halfDone ? /restored its files from the journal and reloaded sshd/ : /nothing was half-done, lock removed/);
    }
    const effective = await expectAllHealthy();
    for (const h of lab.hosts) expect(configKind(before.get(h.name)!, h, effective.get(h.name)!, want), h.name).toBe('new');
    console.log(`SIGKILL left ${left.size} locks: ${[...left.values()].map((l) => l.state || 'none').sort().join(', ')}`);
  }, 240_000);
});
