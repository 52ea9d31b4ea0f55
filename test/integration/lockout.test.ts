/**
 * The lock-out guard on real sshd hosts through the real CLI: a policy that would refuse the
 * login fleet itself uses (root, with a key, from the controller's loopback address) is refused
 * per host with LOCKOUT_RISK before anything is staged live: the config bytes stay, sshd is not
 * reloaded, no lock is left. A policy that touches the same keywords harmlessly still converges.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { configSnapshot, health, inventoryFor, runFlags, writePolicy } from '../helpers/faults.js';
import { grantSudo } from '../helpers/sudo.js';

let lab: Lab;
/** The `become` user of the last host: its login, not root's, is the one the guard protects. */
const SUDO_USER = 'fleetguard';
/** Removes that user's passwordless sudo (machine-wide: /etc is shared by the lab's namespaces). */
let revokeSudo: () => void = () => undefined;

beforeAll(async () => {
  lab = await startLab({ count: 3, namePrefix: 'lo', shapes: ['debian12'], users: [SUDO_USER] });
  revokeSudo = grantSudo(SUDO_USER);
}, 180_000);
afterAll(async () => {
  revokeSudo();
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
    ['AuthorizedKeysFile elsewhere', { AuthorizedKeysFile: '[.ssh/other_keys]' }, /AuthorizedKeysFile \.ssh\/other_keys would drop \.ssh\/authorized_keys, which exists for fleet's own login as root/],
    ['Port 2222', { Port: '2222' }, /Port 2222 would drop port 22, which fleet's own login as root from 127\.0\.0\.1 uses/],
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

  // (ListenAddress is guarded too, test/unit/core/lockout.test.ts; on these hosts it never gets
  // that far: the lab starts each sshd with -o ListenAddress, which no file can override.)
  it('a keyword the running sshd gets on its command line (-o ListenAddress): CONFIG_UNSUPPORTED naming it, on plan and apply, nothing written', async () => {
    const h = lab.hosts[0]!;
    const before = configSnapshot(h);
    const reloadsBefore = reloads(h);
    const policy = writePolicy(lab.dir, 'lo-forced', inventoryFor(lab, [h]), { ListenAddress: '127.0.9.9', ClientAliveInterval: '120' });
    for (const command of ['plan', 'apply']) {
      const run = await fleet([command, policy, ...runFlags(lab)]);
      const r = jsonReport(run).hosts[0]!;
      expect(r.status, run.stdout + run.stderr).toBe('failed');
      expect(r.error?.code).toBe('CONFIG_UNSUPPORTED');
      expect(r.error?.message).toContain(`ListenAddress is forced by sshd's command line (-o ListenAddress=${h.address})`);
    }
    expect(configSnapshot(h)).toEqual(before);
    expect(reloads(h)).toBe(reloadsBefore);
  }, 120_000);

  it('a Match block for the login in use (sshd_match: Address 127.0.0.1 → PermitRootLogin no) is refused; one for another address is not', async () => {
    const h = lab.hosts[0]!;
    const before = configSnapshot(h);
    const write = (name: string, address: string): string => {
      const inv = join(lab.dir, `${name}.inventory.yml`);
      writeFileSync(inv, inventoryFor(lab, [h]));
      const path = join(lab.dir, `${name}.policy.yml`);
      writeFileSync(path, `inventory: ${inv}\nsshd:\n  MaxAuthTries: 5\nsshd_match:\n  - match: Address ${address}\n    set: { PermitRootLogin: "no" }\n`);
      return path;
    };
    const ours = jsonReport(await fleet(['plan', write('lo-match-ours', '127.0.0.1'), ...runFlags(lab)])).hosts[0]!;
    expect(ours.error?.code).toBe('LOCKOUT_RISK');
    expect(ours.error?.message).toMatch(/^PermitRootLogin no would refuse fleet's own login as root from 127\.0\.0\.1/);
    const other = jsonReport(await fleet(['plan', write('lo-match-other', '10.9.9.9'), ...runFlags(lab)])).hosts[0]!;
    expect(other.error).toBeNull();
    expect(other.status).toBe('changed');
    expect(configSnapshot(h)).toEqual(before);
  }, 120_000);

  it("a harmless change of the same keywords still converges (PermitRootLogin prohibit-password, DenyUsers nobody, AuthorizedKeysFile keeping the file that holds root's key, dropping authorized_keys2 that holds no file)", async () => {
    const h = lab.hosts[1]!;
    const reloadsBefore = reloads(h);
    const policy = writePolicy(lab.dir, 'lo-harmless', inventoryFor(lab, [h]), {
      PermitRootLogin: 'prohibit-password',
      DenyUsers: '[nobody]',
      AuthorizedKeysFile: '[.ssh/authorized_keys, .ssh/fleet_keys]',
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

  describe('with become: the login is the inventory user (through the real sudo -n, which drops $SSH_CONNECTION)', () => {
    const inventory = (): string => inventoryFor(lab, [lab.hosts[2]!], () => ({ user: SUDO_USER, become: 'true' }));
    for (const [name, sshd, message] of [
      ['DenyUsers the user', { DenyUsers: `[${SUDO_USER}]` }, new RegExp(`^DenyUsers ${SUDO_USER} would refuse fleet's own login as ${SUDO_USER} from 127\\.0\\.0\\.1: nothing was written$`)],
      ['DenyGroups its own group', { DenyGroups: `[${SUDO_USER}]` }, new RegExp(`^DenyGroups ${SUDO_USER} would refuse fleet's own login as ${SUDO_USER} .*\\(groups ${SUDO_USER}`)],
    ] as const) {
      it(`${name}: LOCKOUT_RISK, nothing written`, async () => {
        const h = lab.hosts[2]!;
        const before = configSnapshot(h);
        const run = await fleet(['apply', writePolicy(lab.dir, `lo-become-${name.replace(/\W+/g, '-')}`, inventory(), sshd), ...runFlags(lab)]);
        const r = jsonReport(run).hosts[0]!;
        expect(r.error?.code, run.stdout + run.stderr).toBe('LOCKOUT_RISK');
        expect(r.error?.message).toMatch(message);
        expect(configSnapshot(h)).toEqual(before);
      }, 120_000);
    }

    it('PermitRootLogin no does not shut out a non-root login: it converges', async () => {
      const h = lab.hosts[2]!;
      const run = await fleet(['apply', writePolicy(lab.dir, 'lo-become-noroot', inventory(), { PermitRootLogin: 'no' }), ...runFlags(lab)]);
      const r = jsonReport(run).hosts[0]!;
      expect(r.error, run.stdout + run.stderr).toBeNull();
      expect(r.status).toBe('changed');
      expect(r.warnings.join(' ')).not.toMatch(/lock-out guard skipped/);
      expect((await lab.sshdT(h))['permitrootlogin']).toBe('no');
    }, 120_000);
  });
});
