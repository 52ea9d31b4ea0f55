/**
 * Issue 12, items 3, 6 and 8, on real sshd hosts: the commit round trip hangs past
 * --command-timeout (a reload that sleeps), an edit lands between the facts read and the
 * commit, and sshd's pid file names a process that is not sshd. Each host must end with its old
 * config or the proven new one, never "changed" without the fresh-login proof, and the next
 * normal apply must converge it.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { commitScript, inSh, lockScript, parseMarkers, writeCandidatesScript } from '../../src/engine/scripts.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { backupsInside, configKind, configSnapshot, health, inventoryFor, runFlags, sleep, writePolicy } from '../helpers/faults.js';
import { hostScript, pauseCommand, pausePoint, waitSessionsGone, wrapProgram } from '../helpers/inject.js';
import { listenerSockets } from '../helpers/listener.js';

const WANT = { ClientAliveInterval: 471, ClientAliveCountMax: 17 };
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 5, namePrefix: 'cf', shapes: ['debian12'] });
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

  it('a file the plan would create that appeared since the facts were read: CONFLICT, it is left as it is', async () => {
    const h = lab.hosts[1]!;
    const target = '/etc/ssh/sshd_config.d/60-fleet-new.conf';
    const outside = join(h.etcSsh, 'sshd_config.d', '60-fleet-new.conf');
    // Someone else created it after fleet had planned it as a new file.
    writeFileSync(outside, '# written by hand\n');
    const file = { path: target, before: null, after: 'ClientAliveInterval 1\n', diff: '' };
    const owner = 'newfile0 test 1';
    const script = [
      lockScript(owner, 60),
      writeCandidatesScript([file], 'newfile0', '/etc/ssh/sshd_config', true),
      commitScript('/usr/sbin/sshd', '/etc/ssh/sshd_config', [{ file, backup: null }], 'newfile0', { reload: 'false', promised: {} }, true),
    ].join('\n');
    try {
      const m = parseMarkers((await lab.exec(h, inSh(script))).stdout);
      expect(m.seen.map((x) => x.name)).toEqual(['lock-acquired', 'written', 'conflict', 'fail', 'untouched', 'restored', 'unlocked']);
      expect(m.sections.get('conflict')).toBe(target);
      expect(readFileSync(outside, 'utf8')).toBe('# written by hand\n');
      expect(existsSync(join(h.dir, 'run', 'fleet.lock'))).toBe(false);
      await expectClean(h);
    } finally {
      rmSync(outside, { force: true });
    }
  }, 60_000);

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

  it('a rollback whose reload leaves sshd deaf: the unit is restarted over the lifeline before fleet gives up, and logins work again', async () => {
    const h = lab.hosts[3]!;
    const before = configSnapshot(h);
    // systemd as the host's init (a fake systemctl in this host only): its reload leaves the
    // listener frozen, as a wedged daemon would be; only a restart brings it back.
    mkdirSync(join(h.dir, 'run', 'systemd', 'system'), { recursive: true });
    const undo = await wrapProgram(
      lab,
      h,
      '/usr/bin/systemctl',
      [
        'case "$1" in',
        "  show) printf 'Id=ssh.service\\nLoadState=loaded\\nActiveState=active\\n\\nId=ssh.service\\nLoadState=loaded\\nActiveState=active\\n' ;;",
        '  reload) kill -STOP "$(cat /run/sshd.pid)" ;;',
        '  restart) p=$(cat /run/sshd.pid); kill -CONT "$p"; kill -HUP "$p" ;;',
        '  *) exit 1 ;;',
        'esac',
      ].join('\n'),
    );
    try {
      const run = await fleet(['apply', writePolicy(lab.dir, 'deaf', inventoryFor(lab, [h]), WANT), ...runFlags(lab), '--timeout', '2']);
      const r = jsonReport(run).hosts[0]!;
      expect(run.code).toBe(1);
      expect([r.status, r.error?.code, r.rolled_back], r.error?.message).toEqual(['failed', 'LOGIN_FAILED', true]);
      expect(r.error?.message).toMatch(/the reload did not bring logins back .*`systemctl restart ssh.service` did; rolled back and reloaded/);
      expect(configSnapshot(h), 'the old config, byte for byte').toEqual(before);
    } finally {
      process.kill(lab.pid(h), 'SIGCONT');
      await undo();
      rmSync(join(h.dir, 'run', 'systemd'), { recursive: true, force: true });
    }
    await expectClean(h);
  }, 180_000);

  it('the restore fails once: it is tried again over the lifeline before fleet gives up, and the host is rolled back', async () => {
    const h = lab.hosts[4]!;
    const before = configSnapshot(h);
    // The live config does not show the promised value after the rename (VERIFY_FAILED: a
    // rollback), and the first copy back from a backup fails (a passing I/O error).
    const stale = hostScript(
      h,
      'stale-sshd',
      [
        'f=/etc/ssh/sshd_config; prev=',
        'for a; do [ "$prev" = -f ] && f=$a; prev=$a; done',
        'case " $* " in *" -T "*)',
        `  if [ "$f" = /etc/ssh/sshd_config ]; then /usr/sbin/sshd "$@" | sed 's/^clientaliveinterval ${WANT.ClientAliveInterval}$/clientaliveinterval 0/'; exit $?; fi;;`,
        'esac',
        'exec /usr/sbin/sshd "$@"',
      ].join('\n'),
    );
    const undo = await wrapProgram(
      lab,
      h,
      '/usr/bin/cp',
      ['for last; do :; done', 'case "$last" in *.fleet-restore) if [ ! -e /run/fault-cp-once ]; then : > /run/fault-cp-once; echo "cp: error writing \'$last\': Input/output error" >&2; exit 1; fi;; esac', 'exec "$REAL" "$@"'].join('\n'),
    );
    try {
      const run = await fleet(['apply', writePolicy(lab.dir, 'restore-twice', inventoryFor(lab, [h], () => ({ sshd_binary: stale })), WANT), ...runFlags(lab)]);
      const r = jsonReport(run).hosts[0]!;
      expect(run.code).toBe(1);
      expect([r.status, r.error?.code, r.rolled_back, r.reloaded], r.error?.message).toEqual(['failed', 'VERIFY_FAILED', true, false]);
      expect(r.error?.message).toMatch(/the first restore failed, a second one held; rolled back$/);
      expect(configSnapshot(h), 'the old config, byte for byte').toEqual(before);
    } finally {
      await undo();
    }
    await expectClean(h);
  }, 120_000);
});
