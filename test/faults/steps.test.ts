/**
 * Issue 5, fault 3: a step of the apply itself fails on a real sshd host: `sshd -t` rejects the
 * candidate, the reload command fails, the backup cannot be written, the live config does not
 * show the promised value after the rename. (The reload that succeeds
 * but after which new logins fail is test/integration/apply.test.ts, "a reload after which sshd
 * stops answering is rolled back, and sshd accepts logins again".) Every host must end with its
 * old config byte for byte, valid, accepting logins, with no candidate, stage folder or lock
 * left, and a report that names the step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import type { HostResult } from '../../src/engine/types.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { backupsInside, configSnapshot, health, inventoryFor, runFlags, writePolicy } from '../helpers/faults.js';
import { hostScript, wrapProgram } from '../helpers/inject.js';
import { listenerSockets } from '../helpers/listener.js';

const WANT = { ClientAliveInterval: 431, ClientAliveCountMax: 11 };
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 4, namePrefix: 'step', shapes: ['debian12'] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

interface Outcome {
  result: HostResult;
  reloadedSinceStart: boolean;
}

/** Applies WANT to `h` and checks what every failed step must leave: the old files, valid, accepting, nothing of fleet's left behind. */
async function applyAndCheck(h: LabHost, name: string, vars: Record<string, string> = {}): Promise<Outcome> {
  const before = configSnapshot(h);
  const sockets = listenerSockets(lab.pid(h));
  const run = await fleet(['apply', writePolicy(lab.dir, name, inventoryFor(lab, [h], () => vars), WANT), ...runFlags(lab)]);
  const result = jsonReport(run).hosts[0]!;
  expect(run.code, run.stdout).toBe(1);
  expect(configSnapshot(h), 'the old config, byte for byte').toEqual(before);
  const after = await health(lab, h);
  expect(after.valid, after.sshdTError).toBe(true);
  expect(after.effective['clientaliveinterval']).not.toBe(String(WANT.ClientAliveInterval));
  expect(await lab.isAccepting(h)).toBe(true);
  expect([after.locked, after.temps, after.stages]).toEqual([false, [], []]);
  return { result, reloadedSinceStart: listenerSockets(lab.pid(h)) !== sockets };
}

describe.sequential('a step of the apply fails', () => {
  it('sshd -t rejects the candidate: CANDIDATE_REJECTED, nothing written beside the live files, no reload', async () => {
    const h = lab.hosts[0]!;
    // A site-patched sshd that refuses the value fleet wants (the live config it accepts).
    const picky = hostScript(
      h,
      'picky-sshd',
      [
        'f=/etc/ssh/sshd_config; prev=',
        'for a; do [ "$prev" = -f ] && f=$a; prev=$a; done',
        // It refuses in both test modes: fleet validates with -T, and asks -t for the reason.
        'case " $* " in *" -t "*|*" -T "*)',
        `  if grep -rqiE 'ClientAliveInterval[[:space:]=]+${WANT.ClientAliveInterval}' "$(dirname "$f")"; then`,
        '    echo "$f: line 1: Bad configuration option: this site refuses that ClientAliveInterval" >&2; exit 255',
        '  fi;;',
        'esac',
        'exec /usr/sbin/sshd "$@"',
      ].join('\n'),
    );
    const { result: r, reloadedSinceStart } = await applyAndCheck(h, 'rejected', { sshd_binary: picky });
    expect([r.status, r.error?.code, r.rolled_back]).toEqual(['failed', 'CANDIDATE_REJECTED', false]);
    expect(r.error?.message).toMatch(/this site refuses that ClientAliveInterval/);
    // The message shows the host's own paths, not the private stage folder's.
    expect(r.error?.message).not.toMatch(/fleet-stage-/);
    expect([r.reloaded, reloadedSinceStart]).toEqual([false, false]);
    expect([...(await backupsInside(lab, h)).keys()]).toEqual([]);
  });

  it('the reload command fails: RELOAD_FAILED, files restored, sshd still on the old config and accepting', async () => {
    const h = lab.hosts[1]!;
    const { result: r, reloadedSinceStart } = await applyAndCheck(h, 'reload-fails', { sshd_reload_command: 'false' });
    expect([r.status, r.error?.code, r.rolled_back], r.error?.message).toEqual(['failed', 'RELOAD_FAILED', true]);
    expect(r.error?.message).toMatch(/false exited 1/);
    expect(r.error?.message).toMatch(/but sshd accepts logins/);
    expect(reloadedSinceStart, 'the daemon never re-read its config').toBe(false);
    // The backup the restore came from stays, with the old bytes.
    const backups = await backupsInside(lab, h);
    expect(backups.size).toBe(1);
  });

  it('the backup cannot be written (cp fails on that host): BACKUP_FAILED before any live file changes', async () => {
    const h = lab.hosts[2]!;
    // cp fails for every copy to a backup name; other copies still work.
    const undo = await wrapProgram(
      lab,
      h,
      '/usr/bin/cp',
      ['for last; do :; done', 'case "$last" in *.fleet-2*) echo "cp: error writing \'$last\': Input/output error" >&2; exit 1;; esac', 'exec "$REAL" "$@"'].join('\n'),
    );
    try {
      const { result: r, reloadedSinceStart } = await applyAndCheck(h, 'no-backup');
      expect([r.status, r.error?.code, r.rolled_back], r.error?.message).toEqual(['failed', 'BACKUP_FAILED', false]);
      expect(r.error?.message).toMatch(/Input\/output error/);
      expect(r.error?.message).toMatch(/no live file had been changed/);
      expect([r.reloaded, reloadedSinceStart]).toEqual([false, false]);
      expect([...(await backupsInside(lab, h)).keys()]).toEqual([]);
    } finally {
      await undo();
    }
  });

  it('after the rename sshd -T does not show the promised value: VERIFY_FAILED, files restored, sshd never reloaded', async () => {
    const h = lab.hosts[3]!;
    // An sshd that reports the live config (only that path) with the value it had: what a
    // concurrent edit between the staging and the rename would look like.
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
    const { result: r, reloadedSinceStart } = await applyAndCheck(h, 'stale-T', { sshd_binary: stale });
    expect([r.status, r.error?.code, r.rolled_back], r.error?.message).toEqual(['failed', 'VERIFY_FAILED', true]);
    expect(r.error?.message).toMatch(/ClientAliveInterval is 0, promised 431/);
    expect(r.error?.message).toMatch(/sshd was not reloaded/);
    expect([r.reloaded, reloadedSinceStart]).toEqual([false, false]);
  });
});
