/**
 * playbooks/hardening.yml, the shipped baseline, on real lab hosts of several shapes: it
 * converges (each host's own sshd -T shows it), logins still work (the apply's fresh-login
 * proof), and a second apply changes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { inventoryFor, runFlags } from '../helpers/faults.js';

let lab: Lab;
let policy: string;

beforeAll(async () => {
  lab = await startLab({ count: 4, namePrefix: 'hard' });
  const inventory = join(lab.dir, 'hardening.inventory.yml');
  writeFileSync(inventory, inventoryFor(lab, lab.hosts));
  policy = join(lab.dir, 'hardening.yml');
  const playbook = readFileSync(new URL('../../playbooks/hardening.yml', import.meta.url), 'utf8');
  writeFileSync(policy, `inventory: ${inventory}\n${playbook}`);
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

describe.sequential('playbooks/hardening.yml on real sshd hosts', () => {
  it('converges on every shape, proven by each host\'s sshd -T', async () => {
    const run = await fleet(['apply', policy, ...runFlags(lab)]);
    const report = jsonReport(run);
    expect(run.code, JSON.stringify(report.hosts.map((h) => h.error))).toBe(0);
    expect(report.summary.changed).toBe(lab.hosts.length);
    for (const h of lab.hosts) {
      const t = await lab.sshdT(h);
      expect(t, h.name).toMatchObject({
        passwordauthentication: 'no',
        kbdinteractiveauthentication: 'no',
        permitrootlogin: 'without-password',
        allowtcpforwarding: 'no',
        x11forwarding: 'no',
        maxauthtries: '3',
        logingracetime: '30',
        clientaliveinterval: '298',
        ciphers: 'chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
        macs: 'hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com',
      });
      expect(await lab.isAccepting(h)).toBe(true);
    }
  });

  it('a second apply changes nothing, and check finds no drift', async () => {
    const again = jsonReport(await fleet(['apply', policy, ...runFlags(lab)]));
    expect(again.summary.unchanged).toBe(lab.hosts.length);
    expect(again.hosts.every((h) => !h.reloaded)).toBe(true);
    expect((await fleet(['check', policy, ...runFlags(lab)])).code).toBe(0);
  });
});
