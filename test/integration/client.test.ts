/**
 * The client side on real hosts: users' ~/.ssh/config written as the user, proven with the
 * real `ssh -G` run as that user; a planted symlink refused; the system drop-in.
 */
import { copyFileSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';

const USER = 'fleetclient';
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 4, namePrefix: 'cl', users: [USER], shapes: ['debian12'] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

function policy(name: string, hosts: readonly LabHost[], client: string): string {
  const inv = join(lab.dir, `${name}.inv.yml`);
  writeFileSync(inv, `all:\n  vars:\n    user: root\n    identity_file: ${lab.clientKey}\n  hosts:\n${hosts.map((h) => `    ${h.name}:\n      address: ${h.address}\n`).join('')}`);
  const p = join(lab.dir, `${name}.policy.yml`);
  writeFileSync(p, `inventory: ${inv}\nsshd:\n  ClientAliveInterval: 298\nclient:\n${client}`);
  return p;
}

async function sshG(h: LabHost, user: string): Promise<Record<string, string>> {
  const res = await lab.exec(h, `su -s /bin/sh ${user} -c 'ssh -G some.host.example'`);
  expect(res.code, res.stderr).toBe(0);
  return Object.fromEntries(res.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
}

const run = (p: string) => fleet(['apply', p, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress']);

describe.sequential('client keepalives in users\' ~/.ssh/config', () => {
  it('leaves every listed user with a 0600 config they own, and ssh -G as them shows the values', async () => {
    const [plain, withConfig] = lab.hosts as [LabHost, LabHost];
    // root already has a host-specific value: it stays, and the rest of the file too.
    writeFileSync(join(withConfig.dir, 'root', '.ssh', 'config'), 'Host legacy\n  ServerAliveInterval 10\n  User admin\n', { mode: 0o644 });
    const p = policy('users', [plain, withConfig], `  users: [root, ${USER}, no-such-user]\n  ServerAliveInterval: 240\n  ServerAliveCountMax: 4\n`);
    const result = await run(p);
    const report = jsonReport(result);
    expect(result.code, result.stdout).toBe(0);
    for (const h of [plain, withConfig]) {
      const r = report.hosts.find((x) => x.name === h.name)!;
      expect(r.warnings.join('\n')).toContain('user no-such-user does not exist on this host');
      for (const [user, home] of [['root', join(h.dir, 'root')], [USER, join(h.dir, 'home', USER)]] as const) {
        const file = join(home, '.ssh', 'config');
        const st = statSync(file);
        expect(st.mode & 0o777, `${h.name} ${user}`).toBe(0o600);
        expect(st.uid).toBe(user === 'root' ? 0 : statSync(home).uid);
        const g = await sshG(h, user);
        expect([g['serveraliveinterval'], g['serveralivecountmax']]).toEqual(['240', '4']);
      }
    }
    const rootConfig = readFileSync(join(withConfig.dir, 'root', '.ssh', 'config'), 'utf8');
    expect(rootConfig.startsWith('Host legacy\n  ServerAliveInterval 10\n  User admin\n')).toBe(true);
    const legacy = await lab.exec(withConfig, `ssh -G legacy | grep -i '^serveraliveinterval'`);
    expect(legacy.stdout.trim()).toBe('serveraliveinterval 10');
    // a second run has nothing to do
    const again = jsonReport(await run(p));
    expect(again.summary.changed).toBe(0);
  });

  it('refuses a symlink planted in a home and leaves its target untouched', async () => {
    const h = lab.hosts[2]!;
    const target = join(h.etcSsh, 'not-yours');
    writeFileSync(target, 'secret\n', { mode: 0o600 });
    const link = join(h.dir, 'home', USER, '.ssh', 'config');
    symlinkSync('/etc/ssh/not-yours', link);
    const p = policy('symlink', [h], `  users: [${USER}]\n  ServerAliveInterval: 240\n`);
    const result = await run(p);
    const r = jsonReport(result).hosts[0]!;
    expect(result.code).toBe(1);
    expect([r.status, r.error?.code]).toEqual(['failed', 'CLIENT_UNSAFE']);
    expect(r.error?.message).toContain('is a symlink');
    expect(readFileSync(target, 'utf8')).toBe('secret\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    // and sshd was not touched either: nothing is half-applied
    expect((await lab.sshdT(h))['clientaliveinterval']).toBe('0');
  });

  it('system: true writes the ssh_config.d drop-in that every user of the host reads', async () => {
    const h = lab.hosts[3]!;
    // Debian's own client config: it reads ssh_config.d/*.conf first.
    mkdirSync(join(h.etcSsh, 'ssh_config.d'), { recursive: true });
    copyFileSync('/etc/ssh/ssh_config', join(h.etcSsh, 'ssh_config'));
    const before = readFileSync(join(h.etcSsh, 'ssh_config'), 'utf8');
    const p = policy('system', [h], '  system: true\n  ServerAliveInterval: 120\n');
    const result = await run(p);
    expect(result.code, result.stdout).toBe(0);
    const dropIn = join(h.etcSsh, 'ssh_config.d', '50-fleet-keepalive.conf');
    expect(readFileSync(dropIn, 'utf8')).toContain('ServerAliveInterval 120');
    expect(statSync(dropIn).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(h.etcSsh, 'ssh_config'), 'utf8')).toBe(before);
    expect((await sshG(h, USER))['serveraliveinterval']).toBe('120');
  });
});
