/**
 * `client:` with keywords of every kind on a real host: a user's ~/.ssh/config gets a flag, an
 * enumeration, a time, an algorithm list and SendEnv members; the real `ssh -G` run as the user
 * shows them; a second apply changes nothing. A keyword this ssh (9.2) is too old for fails that
 * file alone, by ssh -G's own refusal.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printedValues } from '../../src/core/printed-config.js';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';

const USER = 'fleetkw';
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 2, namePrefix: 'ck', users: [USER], shapes: ['debian12'] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

function policy(name: string, h: LabHost, client: string): string {
  const inv = join(lab.dir, `${name}.inv.yml`);
  writeFileSync(inv, `all:\n  vars:\n    user: root\n    identity_file: ${lab.clientKey}\n  hosts:\n    ${h.name}:\n      address: ${h.address}\n`);
  const p = join(lab.dir, `${name}.policy.yml`);
  writeFileSync(p, `inventory: ${inv}\nclient:\n  users: [${USER}]\n${client}`);
  return p;
}

async function sshG(h: LabHost): Promise<Record<string, string[]>> {
  const res = await lab.exec(h, `su -s /bin/sh ${USER} -c 'ssh -G some.host.example'`);
  expect(res.code, res.stderr).toBe(0);
  return Object.fromEntries(printedValues(res.stdout));
}

const run = (p: string) => fleet(['apply', p, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress']);

describe.sequential('client: any ssh_config keyword', () => {
  it('converges a policy of several keyword types, proven by ssh -G as the user, and a second apply changes nothing', async () => {
    const h = lab.hosts[0]!;
    const p = policy(
      'kinds',
      h,
      [
        '  ServerAliveInterval: 2m',
        '  Compression: yes',
        '  ForwardAgent: no',
        '  HashKnownHosts: no',
        '  SendEnv: { present: [FLEET_TEST_ENV] }',
        '  Ciphers: [aes256-gcm@openssh.com, chacha20-poly1305@openssh.com]',
        '  ConnectTimeout: 30',
        '  StrictHostKeyChecking: accept-new',
        '',
      ].join('\n'),
    );
    const result = await run(p);
    expect(result.code, result.stdout).toBe(0);
    const r = jsonReport(result).hosts[0]!;
    expect(r.changes.map((c) => [c.file, c.status])).toEqual([[`/home/${USER}/.ssh/config`, 'written']]);
    const g = await sshG(h);
    expect({
      serveraliveinterval: g['serveraliveinterval'],
      compression: g['compression'],
      forwardagent: g['forwardagent'],
      hashknownhosts: g['hashknownhosts'],
      ciphers: g['ciphers'],
      connecttimeout: g['connecttimeout'],
      stricthostkeychecking: g['stricthostkeychecking'],
    }).toEqual({
      serveraliveinterval: ['120'],
      compression: ['yes'],
      forwardagent: ['no'],
      hashknownhosts: ['no'],
      ciphers: ['aes256-gcm@openssh.com,chacha20-poly1305@openssh.com'],
      connecttimeout: ['30'],
      stricthostkeychecking: ['accept-new'],
    });
    expect(g['sendenv']).toContain('FLEET_TEST_ENV');

    const again = jsonReport(await run(p));
    expect(again.summary.changed).toBe(0);
    expect(again.hosts[0]!.changes).toEqual([]);
  });

  it('a keyword this ssh is too old for fails the file with the releases that know it; nothing is written', async () => {
    const h = lab.hosts[1]!;
    const p = policy('too-new', h, '  ChannelTimeout: session=5m\n');
    const r = jsonReport(await run(p)).hosts[0]!;
    expect([r.status, r.error?.code]).toEqual(['failed', 'CLIENT_FAILED']);
    const reason = r.changes.find((c) => c.file === `/home/${USER}/.ssh/config`)?.reason ?? '';
    expect(reason).toContain('Bad configuration option: channeltimeout');
    expect(reason).toContain('ChannelTimeout is known to ssh from OpenSSH 9.6+');
    expect(reason).toMatch(/nothing was written$/);
  });
});
