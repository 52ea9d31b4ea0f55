/**
 * Issue 12, item 4, on real sshd hosts: a lock left by a dead run of ANOTHER controller (a CI
 * job killed on an ephemeral runner) is recovered by any controller once its lease lapsed; a
 * live lease is respected; `fleet unlock --lock-id` recovers the rest; the running apply renews
 * its lease; recovery takes a lock over only while its owner is the dead run (compare-and-swap
 * on the host), so two controllers never both hold it; a failed reload during recovery keeps
 * the lock.
 */
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { inSh, parseMarkers, takeoverScript } from '../../src/engine/scripts.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { backupsOf, configKind, configSnapshot, health, inventoryFor, lockState, mapLimit, runFlags, waitFor, writePolicy } from '../helpers/faults.js';
import { killSessions, pauseCommand, pausePoint } from '../helpers/inject.js';

const WANT = { ClientAliveInterval: 481, ClientAliveCountMax: 18 };
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 5, namePrefix: 'lease', shapes: ['debian12'] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

const lockDir = (h: LabHost): string => join(h.dir, 'run', 'fleet.lock');
const nowS = (): number => Math.floor(Date.now() / 1000);

/** Sets a lock's lease as fleet writes it: its length in the file, its last renewal as the file's mtime. */
function setLease(h: LabHost, length: number, renewedSecondsAgo: number): void {
  const file = join(lockDir(h), 'lease');
  writeFileSync(file, `${length}\n`);
  const at = nowS() - renewedSecondsAgo;
  utimesSync(file, at, at);
}

/** A lock as another controller's run leaves it: owner line, state, lease. */
function plantLock(h: LabHost, owner: string, state: string, lease: { length: number; renewedSecondsAgo: number }): void {
  mkdirSync(lockDir(h), { mode: 0o700 });
  writeFileSync(join(lockDir(h), 'owner'), `${owner}\n`);
  if (state) writeFileSync(join(lockDir(h), 'state'), `${state}\n`);
  setLease(h, lease.length, lease.renewedSecondsAgo);
}

const ownerOf = (h: LabHost): string => readFileSync(join(lockDir(h), 'owner'), 'utf8').trim();

async function expectConverged(h: LabHost, before: Map<string, string>): Promise<void> {
  const s = await health(lab, h);
  expect(s.valid, s.sshdTError).toBe(true);
  expect([s.locked, s.temps, s.stages], h.name).toEqual([false, [], []]);
  expect(configKind(before, h, s.effective, WANT)).toBe('new');
  expect(await lab.isAccepting(h)).toBe(true);
}

describe.sequential('lock leases', () => {
  it('a CI job killed mid-apply on another controller: once its lease lapsed, the next apply from anywhere restores and converges', async () => {
    const h = lab.hosts[0]!;
    const before = configSnapshot(h);
    const pause = pausePoint(h, 'ci-reloaded');
    const inv = inventoryFor(lab, [h], () => ({ sshd_reload_command: `kill -HUP "$(cat /run/sshd.pid)" && ${pauseCommand('ci-reloaded')}` }));
    let pid = 0;
    const killed = fleet(['apply', writePolicy(lab.dir, 'ci', inv, WANT), ...runFlags(lab)], { onSpawn: (p) => (pid = p) });
    try {
      await pause.reached();
      process.kill(pid, 'SIGKILL');
      await killed;
      await killSessions(lab, h);
    } finally {
      pause.release();
    }
    expect(lockState(h)).toBe('committed');
    // What the runner left, as seen from another machine: its controller name is not ours,
    // and its lease ran out a moment ago.
    const [runId] = ownerOf(h).split(' ');
    writeFileSync(join(lockDir(h), 'owner'), `${runId} ephemeral-ci-runner-17 4242\n`);
    setLease(h, 60, 61);

    const run = await fleet(['apply', writePolicy(lab.dir, 'ci-next', inventoryFor(lab, [h]), WANT), ...runFlags(lab)]);
    const r = jsonReport(run).hosts[0]!;
    expect(run.code, run.stdout).toBe(0);
    expect(r.status).toBe('changed');
    expect(r.warnings.join('\n')).toMatch(new RegExp(`interrupted run ${runId} had left its change half-done \\(state committed; its lease had lapsed\\): restored its files from the journal and reloaded sshd`));
    await expectConverged(h, before);
  }, 120_000);

  it('a live lease of another controller is LOCKED and untouched; fleet unlock removes it only for its own run id', async () => {
    const h = lab.hosts[1]!;
    const before = configSnapshot(h);
    const owner = 'c0ffee0123456789 other-controller 777';
    plantLock(h, owner, 'done', { length: 600, renewedSecondsAgo: 0 });
    const policy = writePolicy(lab.dir, 'live', inventoryFor(lab, [h]), WANT);

    const run1 = await fleet(['apply', policy, ...runFlags(lab)]);
    const r1 = jsonReport(run1).hosts[0]!;
    expect([r1.status, r1.error?.code, r1.changes]).toEqual(['failed', 'LOCKED', []]);
    expect(r1.error?.message).toMatch(/fleet unlock POLICY --lock-id c0ffee0123456789/);
    expect(ownerOf(h)).toBe(owner);
    expect(configSnapshot(h)).toEqual(before);

    const wrong = await fleet(['unlock', policy, '--known-hosts', lab.knownHosts, '--lock-id', 'c0ffee0000000000']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(new RegExp(`${h.name}: locked by another run \\(${owner}\\), left alone`));
    expect(ownerOf(h)).toBe(owner);

    const right = await fleet(['unlock', policy, '--known-hosts', lab.knownHosts, '--lock-id', 'c0ffee0123456789']);
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toMatch(new RegExp(`${h.name}: found the lock of interrupted run c0ffee0123456789 \\(state done;.*\\): nothing was half-done, lock removed`));
    expect((await health(lab, h)).locked).toBe(false);
    const again = await fleet(['unlock', policy, '--known-hosts', lab.knownHosts, '--lock-id', 'c0ffee0123456789']);
    expect([again.code, again.stdout.trim()]).toEqual([0, `${h.name}: no lock`]);

    const run2 = await fleet(['apply', policy, ...runFlags(lab)]);
    expect(run2.code, run2.stdout).toBe(0);
    await expectConverged(h, before);
  }, 120_000);

  it('the running apply renews its lease while it holds the lock', async () => {
    const h = lab.hosts[2]!;
    const before = configSnapshot(h);
    const pause = pausePoint(h, 'renew');
    const inv = inventoryFor(lab, [h], () => ({ sshd_reload_command: `kill -HUP "$(cat /run/sshd.pid)" && ${pauseCommand('renew')}` }));
    // --command-timeout 30 gives the shortest lease (60 s), renewed every 20 s.
    const running = fleet(['apply', writePolicy(lab.dir, 'renew', inv, WANT), ...runFlags(lab), '--command-timeout', '30']);
    try {
      await pause.reached();
      const lease = join(lockDir(h), 'lease');
      expect(readFileSync(lease, 'utf8').trim()).toBe('60');
      const first = statSync(lease).mtimeMs;
      await waitFor('the lease to be renewed', () => statSync(lease).mtimeMs > first, 45_000);
    } finally {
      pause.release();
    }
    const run = await running;
    expect(run.code, run.stdout).toBe(0);
    await expectConverged(h, before);
  }, 120_000);

  it('compare-and-swap on the host: of controllers racing for one dead lock exactly one takes it; a lock that changed hands is left alone', async () => {
    const h = lab.hosts[3]!;
    for (let round = 0; round < 5; round++) {
      plantLock(h, `dead${round} gone-runner 1`, 'done', { length: 60, renewedSecondsAgo: 70 });
      const outs = await mapLimit([...Array(6).keys()], 6, async (i) => (await lab.exec(h, inSh(takeoverScript(`dead${round}`, `r${round}c${i} controller-${i} 1`, 60, true)))).stdout);
      const won = outs.map((o, i) => (parseMarkers(o).seen.some((s) => s.name === 'lock-taken') ? i : -1)).filter((i) => i >= 0);
      expect(won, `round ${round}: ${outs.join(' | ')}`).toHaveLength(1);
      expect(ownerOf(h)).toBe(`r${round}c${won[0]} controller-${won[0]} 1`);
      await lab.exec(h, 'rm -rf /run/fleet.lock');
    }
    // The engine saw run `dead` but another controller took the lock over meanwhile.
    plantLock(h, 'someone-else ci 2', 'done', { length: 60, renewedSecondsAgo: 70 });
    const late = await lab.exec(h, inSh(takeoverScript('dead', 'late controller 3', 60, true)));
    expect(parseMarkers(late.stdout).seen.map((s) => s.name)).toEqual(['lock-busy']);
    expect(ownerOf(h)).toBe('someone-else ci 2');
    // A lease renewed since the engine looked is not taken either.
    await lab.exec(h, 'rm -rf /run/fleet.lock');
    plantLock(h, 'dead ci 2', 'done', { length: 60, renewedSecondsAgo: 0 });
    const renewed = await lab.exec(h, inSh(takeoverScript('dead', 'late controller 3', 60, true)));
    expect(parseMarkers(renewed.stdout).seen.map((s) => s.name)).toEqual(['lock-busy']);
    expect(ownerOf(h)).toBe('dead ci 2');
    await lab.exec(h, 'rm -rf /run/fleet.lock');
  }, 120_000);

  it('a recovery whose reload fails keeps the lock (RELOAD_FAILED); the next run recovers again and converges', async () => {
    const h = lab.hosts[4]!;
    const before = configSnapshot(h);
    const pause = pausePoint(h, 'rl');
    const inv = inventoryFor(lab, [h], () => ({ sshd_reload_command: `kill -HUP "$(cat /run/sshd.pid)" && ${pauseCommand('rl')}` }));
    const first = fleet(['apply', writePolicy(lab.dir, 'rl', inv, WANT), ...runFlags(lab)]);
    try {
      await pause.reached();
      await killSessions(lab, h);
    } finally {
      pause.release();
    }
    expect((await first).code).toBe(1);
    expect(lockState(h)).toBe('committed');

    const broken = await fleet(['apply', writePolicy(lab.dir, 'rl-broken', inventoryFor(lab, [h], () => ({ sshd_reload_command: 'echo no reload here >&2; false' })), WANT), ...runFlags(lab)]);
    const r = jsonReport(broken).hosts[0]!;
    expect([r.status, r.error?.code], r.error?.message).toEqual(['failed', 'RELOAD_FAILED']);
    expect(r.error?.message).toMatch(/files were restored from its journal, but .* exited 1: no reload here; the lock stays/);
    expect((await health(lab, h)).locked).toBe(true);

    const run = await fleet(['apply', writePolicy(lab.dir, 'rl-next', inventoryFor(lab, [h]), WANT), ...runFlags(lab)]);
    expect(run.code, run.stdout).toBe(0);
    expect(jsonReport(run).hosts[0]!.warnings.join('\n')).toMatch(/restored its files from the journal and reloaded sshd/);
    await expectConverged(h, before);
  }, 120_000);

  it('a dead run in state done (its change proven, only the unlock missing): the lock goes, its backups stay', async () => {
    const h = lab.hosts[2]!;
    // The dead run's backup of the file it changed: the only copy of the old config.
    const name = 'sshd_config.fleet-20261201T000000.000Z';
    const backup = join(h.etcSsh, name);
    writeFileSync(backup, readFileSync(join(h.etcSsh, 'sshd_config')));
    const inside = `/etc/ssh/${name}`;
    const b64 = (x: string): string => Buffer.from(x).toString('base64');
    plantLock(h, 'd0e0 gone-runner 9', 'done', { length: 60, renewedSecondsAgo: 70 });
    writeFileSync(join(lockDir(h), 'journal'), `${b64('/etc/ssh/sshd_config')} ${b64(inside)}\n`);
    const run = await fleet(['apply', writePolicy(lab.dir, 'done', inventoryFor(lab, [h]), WANT), ...runFlags(lab)]);
    const r = jsonReport(run).hosts[0]!;
    expect(run.code, run.stdout).toBe(0);
    expect(r.warnings.join('\n')).toMatch(/found the lock of interrupted run d0e0 \(state done; its lease had lapsed\): nothing was half-done, lock removed/);
    expect(backupsOf(h, 'sshd_config'), 'the backup of a proven change is kept').toContain(backup);
    expect((await health(lab, h)).locked).toBe(false);
  }, 120_000);
});
