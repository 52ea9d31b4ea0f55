/**
 * The client side on real hosts: users' ~/.ssh/config written as the user, proven with the
 * real `ssh -G` run as that user; a planted symlink refused for that user alone; a failed
 * host's report never lists a write that did not happen; the system drop-in.
 */
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstPrintedValues } from '../../src/core/printed-config.js';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import type { HostResult } from '../../src/engine/types.js';
import { fleet, jsonReport } from '../helpers/cli.js';

const USER = 'fleetclient';
/** A second user, whose file must not depend on the first's. */
const GOOD = 'fleetclient2';
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 7, namePrefix: 'cl', users: [USER, GOOD], shapes: ['debian12'] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

function policy(name: string, hosts: readonly LabHost[], client: string, hostVars = ''): string {
  const inv = join(lab.dir, `${name}.inv.yml`);
  writeFileSync(inv, `all:\n  vars:\n    user: root\n    identity_file: ${lab.clientKey}\n  hosts:\n${hosts.map((h) => `    ${h.name}:\n      address: ${h.address}\n${hostVars}`).join('')}`);
  const p = join(lab.dir, `${name}.policy.yml`);
  writeFileSync(p, `inventory: ${inv}\nsshd:\n  ClientAliveInterval: 298\nclient:\n${client}`);
  return p;
}

async function sshG(h: LabHost, user: string): Promise<Record<string, string>> {
  const res = await lab.exec(h, `su -s /bin/sh ${user} -c 'ssh -G some.host.example'`);
  expect(res.code, res.stderr).toBe(0);
  return firstPrintedValues(res.stdout);
}

const run = (p: string, command = 'apply') => fleet([command, p, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress']);
const home = (h: LabHost, user: string) => join(h.dir, 'home', user);
const statuses = (r: HostResult) => Object.fromEntries(r.changes.map((c) => [c.file, c.status]));

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
    for (const h of [plain, withConfig]) {
      const r = report.hosts.find((x) => x.name === h.name)!;
      expect(r.changes.map((c) => c.status)).toEqual(['written', 'written', 'written']);
    }
    const rootConfig = readFileSync(join(withConfig.dir, 'root', '.ssh', 'config'), 'utf8');
    expect(rootConfig.startsWith('Host legacy\n  ServerAliveInterval 10\n  User admin\n')).toBe(true);
    const legacy = await lab.exec(withConfig, `ssh -G legacy | grep -i '^serveraliveinterval'`);
    expect(legacy.stdout.trim()).toBe('serveraliveinterval 10');
    // a second run has nothing to do
    const again = jsonReport(await run(p));
    expect(again.summary.changed).toBe(0);
  });

  it('refuses a symlink planted in a home for that user alone, and leaves its target untouched', async () => {
    const h = lab.hosts[2]!;
    const target = join(h.etcSsh, 'not-yours');
    writeFileSync(target, 'secret\n', { mode: 0o600 });
    const link = join(home(h, USER), '.ssh', 'config');
    symlinkSync('/etc/ssh/not-yours', link);
    const p = policy('symlink', [h], `  users: [${USER}]\n  ServerAliveInterval: 240\n`);
    const result = await run(p);
    const r = jsonReport(result).hosts[0]!;
    expect(result.code).toBe(1);
    expect([r.status, r.error?.code, r.rolled_back, r.reloaded]).toEqual(['failed', 'CLIENT_UNSAFE', false, true]);
    expect(r.error?.message).toContain(`${USER}'s /home/${USER}/.ssh/config refused: /home/${USER}/.ssh/config is a symlink`);
    expect(r.changes.find((c) => c.file === `/home/${USER}/.ssh/config`)).toMatchObject({ status: 'refused', diff: '', reason: `/home/${USER}/.ssh/config is a symlink` });
    expect(readFileSync(target, 'utf8')).toBe('secret\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    // the server change stands on its own proof
    expect(statuses(r)['/etc/ssh/sshd_config']).toBe('written');
    expect((await lab.sshdT(h))['clientaliveinterval']).toBe('298');
  });

  it('one refused user (a dotfiles manager\'s symlink) stops only their own file: the other user\'s is written and proven, sshd\'s change stays', async () => {
    const h = lab.hosts[4]!;
    // What a dotfiles manager (stow, chezmoi, yadm) leaves: a link to a file the user owns.
    mkdirSync(join(home(h, USER), 'dotfiles'));
    const dotfile = join(home(h, USER), 'dotfiles', 'ssh_config');
    writeFileSync(dotfile, 'Host *\n  ServerAliveInterval 30\n');
    const { uid, gid } = statSync(home(h, USER));
    chownSync(join(home(h, USER), 'dotfiles'), uid, gid);
    chownSync(dotfile, uid, gid);
    symlinkSync('../dotfiles/ssh_config', join(home(h, USER), '.ssh', 'config'));
    const p = policy('independent', [h], `  users: [${USER}, ${GOOD}]\n  ServerAliveInterval: 240\n`);
    const refused = `/home/${USER}/.ssh/config`;
    const good = `/home/${GOOD}/.ssh/config`;

    // plan says the same, per file, before anything is written
    const planned = jsonReport(await run(p, 'plan')).hosts[0]!;
    expect([planned.status, planned.error?.code]).toEqual(['failed', 'CLIENT_UNSAFE']);
    expect(statuses(planned)).toEqual({ '/etc/ssh/sshd_config': 'planned', [good]: 'planned', [refused]: 'refused' });
    expect(planned.error?.message).toContain(`would be written: /etc/ssh/sshd_config, ${GOOD}'s ${good}`);
    expect(existsSync(join(home(h, GOOD), '.ssh', 'config'))).toBe(false);

    const result = await run(p);
    const r = jsonReport(result).hosts[0]!;
    expect(result.code).toBe(1);
    expect([r.status, r.error?.code, r.rolled_back, r.reloaded]).toEqual(['failed', 'CLIENT_UNSAFE', false, true]);
    expect(statuses(r)).toEqual({ '/etc/ssh/sshd_config': 'written', [good]: 'written', [refused]: 'refused' });
    expect(r.error?.message).toBe(`${USER}'s ${refused} refused: ${refused} is a symlink; written and proven: /etc/ssh/sshd_config, ${GOOD}'s ${good}`);
    expect((await sshG(h, GOOD))['serveraliveinterval']).toBe('240');
    expect((await lab.sshdT(h))['clientaliveinterval']).toBe('298');
    // the refused user's link and file are as they were
    expect(lstatSync(join(home(h, USER), '.ssh', 'config')).isSymbolicLink()).toBe(true);
    expect(readFileSync(dotfile, 'utf8')).toBe('Host *\n  ServerAliveInterval 30\n');
    expect((await sshG(h, USER))['serveraliveinterval']).toBe('30');

    // the next run has only the refusal left to report
    const again = jsonReport(await run(p)).hosts[0]!;
    expect([again.status, again.error?.code, again.reloaded]).toEqual(['failed', 'CLIENT_UNSAFE', false]);
    expect(statuses(again)).toEqual({ [refused]: 'refused' });
  });

  it('a write that fails for one user fails only that file (CLIENT_FAILED); the other user and sshd are written', async () => {
    const h = lab.hosts[5]!;
    // The user's ~/.ssh is read-only to them: the candidate cannot be created there.
    chmodSync(join(home(h, USER), '.ssh'), 0o500);
    const p = policy('write-fails', [h], `  users: [${USER}, ${GOOD}]\n  ServerAliveInterval: 240\n`);
    const r = jsonReport(await run(p)).hosts[0]!;
    const failed = `/home/${USER}/.ssh/config`;
    const good = `/home/${GOOD}/.ssh/config`;
    expect([r.status, r.error?.code, r.rolled_back]).toEqual(['failed', 'CLIENT_FAILED', false]);
    expect(statuses(r)).toEqual({ '/etc/ssh/sshd_config': 'written', [failed]: 'failed', [good]: 'written' });
    expect(r.changes.find((c) => c.file === failed)?.reason).toMatch(/^WRITE_FAILED: .*Permission denied.*; nothing was written$/s);
    expect(r.error?.message).toContain(`${USER}'s ${failed} failed: WRITE_FAILED`);
    expect(existsSync(join(home(h, USER), '.ssh', 'config'))).toBe(false);
    expect((await sshG(h, GOOD))['serveraliveinterval']).toBe('240');
    expect((await lab.sshdT(h))['clientaliveinterval']).toBe('298');
  });

  it('a host whose server change failed lists no write that did not happen: sshd restored, client files not applied', async () => {
    const h = lab.hosts[6]!;
    const p = policy('not-applied', [h], `  users: [${GOOD}]\n  ServerAliveInterval: 240\n`, '      sshd_reload_command: "false"\n');
    const r = jsonReport(await run(p)).hosts[0]!;
    expect([r.status, r.error?.code, r.rolled_back]).toEqual(['failed', 'RELOAD_FAILED', true]);
    const good = `/home/${GOOD}/.ssh/config`;
    expect(statuses(r)).toEqual({ '/etc/ssh/sshd_config': 'restored', [good]: 'not_applied' });
    expect(r.changes.find((c) => c.file === good)?.reason).toBe('not attempted: the server change failed first (RELOAD_FAILED)');
    expect(r.changes.find((c) => c.file === '/etc/ssh/sshd_config')?.reason).toBe('written, then restored after RELOAD_FAILED');
    expect(existsSync(join(home(h, GOOD), '.ssh', 'config'))).toBe(false);
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
