/**
 * Issue 5, fault 5: two fleet runs started at the same moment against the same hosts. The lock
 * (mkdir of /run/fleet.lock on each host) lets exactly one run work on a host at a time: the
 * other reports LOCKED for it without touching it, or finds it already done. The reload is made
 * slow (a second) so each lock is held long enough for the runs to collide.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import type { HostResult } from '../../src/engine/types.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { backupsOf, configKind, configSnapshot, health, inventoryFor, mapLimit, runFlags, writePolicy } from '../helpers/faults.js';

let lab: Lab;
const SLOW_RELOAD = { sshd_reload_command: 'sleep 1; kill -HUP "$(cat /run/sshd.pid)"' };

beforeAll(async () => {
  lab = await startLab({ count: 16, namePrefix: 'twice', shapes: ['debian12'] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

/** Starts two applies at once (same host order, 4 hosts each at a time) and returns their per-host results. */
async function twoRuns(wantA: Record<string, number>, wantB: Record<string, number>, name: string) {
  const inv = inventoryFor(lab, lab.hosts, () => SLOW_RELOAD);
  const [a, b] = await Promise.all([
    fleet(['apply', writePolicy(lab.dir, `${name}-a`, inv, wantA), ...runFlags(lab), '--forks', '4']),
    fleet(['apply', writePolicy(lab.dir, `${name}-b`, inv, wantB), ...runFlags(lab), '--forks', '4']),
  ]);
  const byName = (run: typeof a) => new Map(jsonReport(run).hosts.map((r) => [r.name, r]));
  return { a: byName(a), b: byName(b) };
}

/**
 * The run that lost the host did not touch it: LOCKED (no plan, no reload, no rollback), or
 * CONFLICT when it planned before the other run's change and found the files changed when its
 * own turn came (nothing written, no reload).
 */
function expectLockedUntouched(r: HostResult): void {
  if (r.error?.code === 'CONFLICT') {
    expect([r.status, r.reloaded, r.rolled_back]).toEqual(['failed', false, false]);
    expect(r.error.message).toMatch(/changed on the host after fleet read it.*nothing was written/);
    return;
  }
  expect([r.status, r.error?.code, r.reloaded, r.rolled_back, r.changes]).toEqual(['failed', 'LOCKED', false, false, []]);
  expect(r.error?.message).toMatch(/another fleet run holds the lock/);
}

async function expectHealthy(h: LabHost): Promise<Record<string, string>> {
  const s = await health(lab, h);
  expect(s.valid, `${h.name}: ${s.sshdTError}`).toBe(true);
  expect([s.locked, s.temps, s.stages], h.name).toEqual([false, [], []]);
  expect(await lab.isAccepting(h), h.name).toBe(true);
  return s.effective;
}

describe.sequential('two fleet runs at once', () => {
  it('same policy: each host is changed by exactly one run; the other reports LOCKED or CONFLICT, or finds it done', async () => {
    const want = { ClientAliveInterval: 461, ClientAliveCountMax: 12 };
    const before = new Map(lab.hosts.map((h) => [h.name, configSnapshot(h)]));
    const backups = new Map(lab.hosts.map((h) => [h.name, backupsOf(h, 'sshd_config').length]));
    const { a, b } = await twoRuns(want, want, 'same');
    let locked = 0;
    await mapLimit(lab.hosts, 4, async (h) => {
      const pair = [a.get(h.name)!, b.get(h.name)!];
      expect(pair.filter((r) => r.status === 'changed').length, `${h.name}: ${pair.map((r) => r.status).join('/')}`).toBe(1);
      for (const r of pair) {
        if (r.status === 'changed' || r.status === 'unchanged') continue;
        expectLockedUntouched(r);
        locked += 1;
      }
      // Only one run wrote the host: one new backup, not two.
      expect(backupsOf(h, 'sshd_config').length - backups.get(h.name)!, h.name).toBe(1);
      expect(configKind(before.get(h.name)!, h, await expectHealthy(h), want), h.name).toBe('new');
    });
    expect(locked, 'the runs met on some host').toBeGreaterThan(0);
  }, 120_000);

  it('different policies: each host ends with one whole policy, that run says it changed it, never a mix', async () => {
    const wantA = { ClientAliveInterval: 462, ClientAliveCountMax: 13 };
    const wantB = { ClientAliveInterval: 463, ClientAliveCountMax: 14 };
    const before = new Map(lab.hosts.map((h) => [h.name, configSnapshot(h)]));
    const { a, b } = await twoRuns(wantA, wantB, 'different');
    let locked = 0;
    await mapLimit(lab.hosts, 4, async (h) => {
      const effective = await expectHealthy(h);
      const asA = configKind(before.get(h.name)!, h, effective, wantA);
      const asB = configKind(before.get(h.name)!, h, effective, wantB);
      expect([asA, asB].filter((k) => k === 'new').length, `${h.name} holds exactly one of the two policies`).toBe(1);
      const winner = asA === 'new' ? a.get(h.name)! : b.get(h.name)!;
      expect(winner.status, h.name).toBe('changed');
      for (const r of [a.get(h.name)!, b.get(h.name)!]) {
        if (r.status === 'changed') continue;
        expectLockedUntouched(r);
        locked += 1;
      }
    });
    expect(locked, 'the runs met on some host').toBeGreaterThan(0);
  }, 120_000);
});
