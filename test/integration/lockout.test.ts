/**
 * The lock-out guard on real sshd hosts through the real CLI: a policy that would refuse the
 * login fleet itself uses (root, with a key, from the controller's loopback address) is refused
 * per host with LOCKOUT_RISK before anything is staged live: the config bytes stay, sshd is not
 * reloaded, no lock is left. A policy that touches the same keywords harmlessly still converges.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { configSnapshot, health, inventoryFor, runFlags, writePolicy } from '../helpers/faults.js';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 2, namePrefix: 'lo', shapes: ['debian12'] });
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

/** Lines of the host's sshd log that say it was reloaded (SIGHUP). */
const reloads = (h: LabHost): number => readFileSync(h.logFile, 'utf8').split('\n').filter((l) => /SIGHUP/.test(l)).length;

describe.sequential('the lock-out guard', () => {
  const refusals: [string, Record<string, string>, RegExp][] = [
    ['PermitRootLogin no', { PermitRootLogin: 'no' }, /^PermitRootLogin no would refuse fleet's own login as root from 127\.0\.0\.1: nothing was written$/],
    ['PermitRootLogin forced-commands-only', { PermitRootLogin: 'forced-commands-only' }, /PermitRootLogin forced-commands-only would refuse fleet's own login as root/],
    ['DenyUsers root', { DenyUsers: '[root]' }, /DenyUsers root would refuse fleet's own login as root/],
    ['AllowUsers without root', { AllowUsers: '[nobody]' }, /AllowUsers nobody would refuse fleet's own login as root/],
    ['PubkeyAuthentication no', { PubkeyAuthentication: 'no' }, /PubkeyAuthentication no would refuse fleet's own login as root/],
    ['AuthenticationMethods password', { AuthenticationMethods: 'password' }, /AuthenticationMethods password would refuse/],
    ['AuthorizedKeysFile elsewhere', { AuthorizedKeysFile: '[.ssh/other_keys]' }, /AuthorizedKeysFile \.ssh\/other_keys would drop/],
  ];
  for (const [name, sshd, message] of refusals) {
    it(`${name}: LOCKOUT_RISK on plan and apply, nothing written, no reload`, async () => {
      const h = lab.hosts[0]!;
      const before = configSnapshot(h);
      const reloadsBefore = reloads(h);
      const policy = writePolicy(lab.dir, `lo-${name.replace(/\W+/g, '-')}`, inventoryFor(lab, [h]), sshd);
      for (const command of ['plan', 'apply']) {
        const run = await fleet([command, policy, ...runFlags(lab)]);
        const r = jsonReport(run).hosts[0]!;
        expect(r.status, run.stdout + run.stderr).toBe('failed');
        expect(r.error?.code).toBe('LOCKOUT_RISK');
        expect(r.error?.message).toMatch(message);
        expect(r.reloaded).toBe(false);
      }
      expect(configSnapshot(h)).toEqual(before);
      expect(reloads(h)).toBe(reloadsBefore);
      const after = await health(lab, h);
      expect(after.locked).toBe(false);
      expect(after.stages).toEqual([]);
      expect(await lab.isAccepting(h)).toBe(true);
    }, 120_000);
  }

  it('a harmless change of the same keywords still converges (PermitRootLogin prohibit-password, DenyUsers nobody, AuthorizedKeysFile kept plus one)', async () => {
    const h = lab.hosts[1]!;
    const reloadsBefore = reloads(h);
    const policy = writePolicy(lab.dir, 'lo-harmless', inventoryFor(lab, [h]), {
      PermitRootLogin: 'prohibit-password',
      DenyUsers: '[nobody]',
      AuthorizedKeysFile: '[.ssh/authorized_keys, .ssh/authorized_keys2, .ssh/fleet_keys]',
    });
    const run = await fleet(['apply', policy, ...runFlags(lab)]);
    const r = jsonReport(run).hosts[0]!;
    expect(r.error, run.stdout + run.stderr).toBeNull();
    expect(r.status).toBe('changed');
    expect(reloads(h)).toBeGreaterThan(reloadsBefore); // the reload count the refusals hold still does move
    const t = await lab.sshdT(h);
    expect(t['permitrootlogin']).toBe('without-password');
    expect(t['denyusers']).toBe('nobody');
    expect(await lab.isAccepting(h)).toBe(true);
    const again = jsonReport(await fleet(['apply', policy, ...runFlags(lab)])).hosts[0]!;
    expect(again.status).toBe('unchanged');
  }, 120_000);
});
