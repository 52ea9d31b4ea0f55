/**
 * Issue 12, items 3, 6 and 8, on real sshd hosts: the commit round trip hangs past
 * --command-timeout (a reload that sleeps), an edit lands between the facts read and the
 * commit, and sshd's pid file names a process that is not sshd. Each host must end with its old
 * config or the proven new one, never "changed" without the fresh-login proof, and the next
 * normal apply must converge it.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { backupsInside, configKind, configSnapshot, health, inventoryFor, runFlags, sleep, writePolicy } from '../helpers/faults.js';
import { hostScript, pauseCommand, pausePoint, waitSessionsGone } from '../helpers/inject.js';
import { listenerSockets } from '../helpers/listener.js';

const WANT = { ClientAliveInterval: 471, ClientAliveCountMax: 17 };
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 3, namePrefix: 'cf', shapes: ['debian12'] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

/** The host ends valid, accepting, with nothing of fleet's left behind. */
async function expectClean(h: LabHost): Promise<Record<string, string>> {
  const s = await health(lab, h);
  expect(s.valid, s.sshdTError).toBe(true);
  expect([s.locked, s.temps, s.stages], h.name).toEqual([false, [], []]);
  expect(await lab.isAccepting(h)).toBe(true);
  return s.effective;
}

describe.sequential('faults in the commit round trip', () => {
  it('a reload hanging past --command-timeout: the host is rolled back over the lifeline, unlocked, and the next normal apply converges', async () => {
    const h = lab.hosts[0]!;
    const before = configSnapshot(h);
    const hanging = writePolicy(lab.dir, 'hang', inventoryFor(lab, [h], () => ({ sshd_reload_command: 'sleep 6; kill -HUP "$(cat /run/sshd.pid)"' })), WANT);
    const run1 = await fleet(['apply', hanging, ...runFlags(lab), '--command-timeout', '2']);
    const r1 = jsonReport(run1).hosts[0]!;
    expect(run1.code).toBe(1);
    expect([r1.status, r1.error?.code, r1.rolled_back], r1.error?.message).toEqual(['failed', 'COMMAND_TIMEOUT', true]);
    expect(r1.error?.message).toMatch(/rolled back and reloaded/);
    // Never reported converged, and the files are the old ones: the next run cannot mistake
    // an unproven config for a converged one.
    expect(configSnapshot(h), 'the old config, byte for byte').toEqual(before);
    await waitSessionsGone(lab, [h]);
    await sleep(6500); // any reload the timeout left behind has fired by now
    const mid = await expectClean(h);
    expect(configKind(before, h, mid, WANT)).toBe('old');

    const run2 = await fleet(['apply', writePolicy(lab.dir, 'after-hang', inventoryFor(lab, [h]), WANT), ...runFlags(lab)]);
    const r2 = jsonReport(run2).hosts[0]!;
    expect(run2.code, run2.stdout).toBe(0);
    expect([r2.status, r2.reloaded]).toEqual(['changed', true]);
    expect(configKind(before, h, await expectClean(h), WANT)).toBe('new');
  }, 120_000);

  it('an edit between the facts read and the commit: CONFLICT, nothing written, nothing reloaded, the edit kept', async () => {
    const h = lab.hosts[1]!;
    const pause = pausePoint(h, 'conflict');
    // The sshd that checks the staged candidate waits there: the facts are read, the plan made.
    const sshd = hostScript(h, 'sshd-conflict', `case "$*" in *fleet-stage-*) ${pauseCommand('conflict')};; esac\nexec /usr/sbin/sshd "$@"`);
    const policy = writePolicy(lab.dir, 'conflict', inventoryFor(lab, [h], () => ({ sshd_binary: sshd })), WANT);
    const sockets = listenerSockets(lab.pid(h));
    const running = fleet(['apply', policy, ...runFlags(lab)]);
    try {
      await pause.reached();
      // cloud-init, Puppet or an admin writes the file meanwhile.
      appendFileSync(join(h.etcSsh, 'sshd_config'), '# added by the configuration manager\nClientAliveInterval 5\n');
    } finally {
      pause.release();
    }
    const edited = configSnapshot(h);
    const run1 = await running;
    const r1 = jsonReport(run1).hosts[0]!;
    expect(run1.code).toBe(1);
    expect([r1.status, r1.error?.code, r1.reloaded, r1.rolled_back], r1.error?.message).toEqual(['failed', 'CONFLICT', false, false]);
    expect(r1.error?.message).toMatch(/\/etc\/ssh\/sshd_config changed on the host after fleet read it/);
    expect(configSnapshot(h), 'the edit survives, and nothing else was written').toEqual(edited);
    expect([...(await backupsInside(lab, h)).keys()], 'no backup of a write that never happened').toEqual([]);
    expect(listenerSockets(lab.pid(h)), 'sshd not reloaded').toBe(sockets);
    await expectClean(h);

    // The next run plans from the edited file and converges.
    const run2 = await fleet(['apply', policy, ...runFlags(lab)]);
    expect(run2.code, run2.stdout).toBe(0);
    expect(jsonReport(run2).hosts[0]!.status).toBe('changed');
    const effective = await expectClean(h);
    expect(effective['clientaliveinterval']).toBe(String(WANT.ClientAliveInterval));
    expect(readFileSync(join(h.etcSsh, 'sshd_config'), 'utf8')).toContain('# added by the configuration manager');
  }, 120_000);

  it('a pid file that names another process: it gets no SIGHUP, RELOAD_FAILED, files restored', async () => {
    const h = lab.hosts[2]!;
    const before = configSnapshot(h);
    const pidFile = join(h.dir, 'run', 'sshd.pid');
    const real = readFileSync(pidFile, 'utf8');
    // A stale pid file whose pid now belongs to someone else's process.
    const other = spawn('sleep', ['300'], { stdio: 'ignore' });
    writeFileSync(pidFile, `${other.pid}\n`);
    try {
      const run = await fleet(['apply', writePolicy(lab.dir, 'pid', inventoryFor(lab, [h]), WANT), ...runFlags(lab)]);
      const r = jsonReport(run).hosts[0]!;
      expect(run.code).toBe(1);
      expect([r.status, r.error?.code, r.rolled_back], r.error?.message).toEqual(['failed', 'RELOAD_FAILED', true]);
      expect(r.error?.message).toMatch(new RegExp(`pid ${other.pid} in /run/sshd.pid is sleep, not sshd: not signalled`));
      expect(other.exitCode === null && other.signalCode === null, 'the other process lives').toBe(true);
      expect(configSnapshot(h), 'the old config, byte for byte').toEqual(before);
    } finally {
      writeFileSync(pidFile, real);
      other.kill('SIGKILL');
    }
    await expectClean(h);
  }, 120_000);
});
