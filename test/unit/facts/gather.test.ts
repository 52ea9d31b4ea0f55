/**
 * The facts probe end to end on this machine: the real script in real shells (dash, bash,
 * busybox when installed) against a real `sshd -T`, through a local stand-in transport.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../../src/facts/index.js';
import { LocalTransport } from './local-transport.js';

const SSHD = '/usr/sbin/sshd';
const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));

let dir: string;
const shells: Record<string, string> = {};

function shellDir(name: string, target: string, applets: string[] = ['sh']): string {
  const d = join(dir, `shell-${name}`);
  mkdirSync(d);
  for (const a of applets) symlinkSync(target, join(d, a));
  return d;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-facts-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'hostkey')]);
  shells['dash'] = shellDir('dash', '/usr/bin/dash');
  shells['bash'] = shellDir('bash', '/usr/bin/bash');
  if (busybox) {
    // Every tool the script uses comes from busybox too, like on Alpine.
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).trim().split('\n');
    shells['busybox'] = shellDir('busybox', busybox, applets);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes files under a fresh directory; returns its path. */
function tree(name: string, files: Record<string, string | Buffer>): string {
  const root = join(dir, name);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

describe('gatherFacts through a local shell', () => {
  for (const shell of ['dash', 'bash', 'busybox']) {
    it(`reads exact bytes, the drop-ins, what they include and sshd -T in one round trip (${shell})`, async () => {
      // The layout distributions ship: the main file includes <main>.d/*.conf.
      const root = tree(`basic-${shell}`, {
        'sshd_config': `HostKey ${dir}/hostkey\r\nInclude ${dir}/basic-${shell}/sshd_config.d/*.conf # drop-ins\r\nClientAliveInterval 5`,
        'sshd_config.d/20-b.conf': 'ClientAliveCountMax 7\n',
        'sshd_config.d/10-a.conf': `ClientAliveInterval 42\nInclude=${dir}/basic-${shell}/deep/one.inc\n`,
        'sshd_config.d/ignored.txt': 'TCPKeepAlive no\n',
        'deep/one.inc': 'TCPKeepAlive no\n',
      });
      chmodSync(join(root, 'sshd_config.d/20-b.conf'), 0o600);
      const t = new LocalTransport({ sshdConfigPath: join(root, 'sshd_config') }, shells[shell]);
      const facts = await gatherFacts(t);

      expect(t.commands).toHaveLength(1);
      expect(facts.sshdBinary).toBe(SSHD);
      expect(facts.sshdVersion).toMatch(/^OpenSSH_\d/);
      expect(facts.configError).toBeNull();
      // sshd takes the first value: the drop-in's 42 wins over the main file's later 5.
      expect(facts.effective?.['clientaliveinterval']).toBe('42');
      expect(facts.effective?.['clientalivecountmax']).toBe('7');
      expect(facts.effective?.['tcpkeepalive']).toBe('no');
      expect(facts.tree.main).toBe(join(root, 'sshd_config'));
      expect(facts.tree.files.get(join(root, 'sshd_config'))).toBe(
        `HostKey ${dir}/hostkey\r\nInclude ${dir}/basic-${shell}/sshd_config.d/*.conf # drop-ins\r\nClientAliveInterval 5`,
      );
      expect([...facts.tree.files.keys()].sort()).toEqual(
        ['sshd_config', 'sshd_config.d/10-a.conf', 'sshd_config.d/20-b.conf', 'deep/one.inc'].map((f) => join(root, f)).sort(),
      );
      expect([...(facts.tree.globs.get(`${root}/sshd_config.d/*.conf`) ?? [])].sort()).toEqual(
        [join(root, 'sshd_config.d/10-a.conf'), join(root, 'sshd_config.d/20-b.conf')],
      );
      expect(facts.pidFile).toBe('/run/sshd.pid');
    });
  }

  for (const shell of ['dash', 'bash', 'busybox']) {
    it(`names the file behind each symlink, main file and drop-in, and only those (${shell})`, async () => {
      if (shell === 'busybox' && !busybox) return;
      const root = tree(`links-${shell}`, {
        'managed/sshd_config': `HostKey ${dir}/hostkey\nInclude ${dir}/links-${shell}/sshd_config.d/*.conf\n`,
        'shared/cloud.conf': 'ClientAliveInterval 0\n',
        'sshd_config.d/20-plain.conf': 'ClientAliveCountMax 7\n',
      });
      symlinkSync('managed/sshd_config', join(root, 'sshd_config'));
      symlinkSync(join(root, 'shared/cloud.conf'), join(root, 'sshd_config.d/10-cloud.conf'));
      const facts = await gatherFacts(new LocalTransport({ sshdConfigPath: join(root, 'sshd_config') }, shells[shell]));
      expect(facts.effective?.['clientaliveinterval']).toBe('0');
      expect(facts.tree.files.get(join(root, 'sshd_config.d/10-cloud.conf'))).toBe('ClientAliveInterval 0\n');
      expect(Object.fromEntries(facts.tree.links ?? [])).toEqual({
        [join(root, 'sshd_config')]: join(root, 'managed/sshd_config'),
        [join(root, 'sshd_config.d/10-cloud.conf')]: join(root, 'shared/cloud.conf'),
      });
    });
  }

  it('an Include in the main file of anything but its drop-in folder costs one follow-up, and is read', async () => {
    const root = tree('own-layout', {
      'sshd_config': `HostKey ${dir}/hostkey\nInclude ${dir}/own-layout/site/*.conf\n`,
      'site/keepalive.conf': `ClientAliveInterval 33\nInclude ${dir}/own-layout/more.inc\n`,
      'more.inc': 'ClientAliveCountMax 9\n',
    });
    const t = new LocalTransport({ sshdConfigPath: join(root, 'sshd_config') });
    const facts = await gatherFacts(t);
    expect(t.commands).toHaveLength(2);
    expect(facts.effective?.['clientaliveinterval']).toBe('33');
    expect(facts.tree.files.get(join(root, 'more.inc'))).toBe('ClientAliveCountMax 9\n');
  });

  it('follows what the shell cannot: a quoted Include with a space, then nesting past its depth', async () => {
    const root = tree('quoted', {
      'sshd_config': `HostKey ${dir}/hostkey\nInclude "${dir}/quoted/my dir/*.conf"\n`,
      'my dir/a.conf': `Include ${dir}/quoted/l1.inc\n`,
      'l1.inc': `Include ${dir}/quoted/l2.inc\n`,
      'l2.inc': `Include ${dir}/quoted/l3.inc\n`,
      'l3.inc': `Include ${dir}/quoted/l4.inc\n`,
      'l4.inc': `Include ${dir}/quoted/l5.inc\n`,
      'l5.inc': 'ClientAliveInterval 77\n',
    });
    const t = new LocalTransport({ sshdConfigPath: join(root, 'sshd_config') });
    const facts = await gatherFacts(t);
    expect(facts.effective?.['clientaliveinterval']).toBe('77');
    expect(facts.tree.files.get(join(root, 'l5.inc'))).toBe('ClientAliveInterval 77\n');
    expect(facts.tree.globs.get(`${root}/my dir/*.conf`)).toEqual([join(root, 'my dir/a.conf')]);
    // One probe, then follow-ups only for what it could not see: the quoted pattern, then the
    // shell follows the chain below it a few levels per round trip.
    expect(t.commands.length).toBeGreaterThanOrEqual(2);
    expect(t.commands.length).toBeLessThanOrEqual(4);
  });

  it('reports a live config that sshd rejects, with sshd -t’s message, and no effective values', async () => {
    const root = tree('broken', { sshd_config: `HostKey ${dir}/hostkey\nClientAliveInterval 30\nNoSuchOption yes\n` });
    const facts = await gatherFacts(new LocalTransport({ sshdConfigPath: join(root, 'sshd_config') }));
    expect(facts.effective).toBeNull();
    expect(facts.configError).toBe(`${root}/sshd_config: line 3: Bad configuration option: NoSuchOption`);
    expect(facts.tree.files.get(join(root, 'sshd_config'))).toContain('NoSuchOption');
  });

  it('tells a valid config that sshd -T cannot print (Match LocalPort) from a broken one', async () => {
    const root = tree('localport', { sshd_config: `HostKey ${dir}/hostkey\nClientAliveInterval 30\nMatch LocalPort 2222\n  ClientAliveInterval 5\n` });
    const facts = await gatherFacts(new LocalTransport({ sshdConfigPath: join(root, 'sshd_config') }));
    expect(facts.effective).toBeNull();
    expect(facts.configError).toBeNull();
    expect(facts.effectiveError).toMatch(/\S/);
  });

  it('fails with FACTS_FAILED when the config file or sshd is missing', async () => {
    await expect(gatherFacts(new LocalTransport({ sshdConfigPath: join(dir, 'nope') }))).rejects.toMatchObject({
      code: 'FACTS_FAILED',
      message: expect.stringContaining('does not exist'),
    });
    const root = tree('nosshd', { sshd_config: 'Port 22\n' });
    await expect(
      gatherFacts(new LocalTransport({ sshdConfigPath: join(root, 'sshd_config'), sshdBinary: join(dir, 'no-sshd') })),
    ).rejects.toMatchObject({ code: 'FACTS_FAILED', message: expect.stringContaining('sshd not found') });
  });

  it('refuses to hand a non-UTF-8 file to the editor', async () => {
    const root = tree('latin1', { sshd_config: Buffer.from(`HostKey ${dir}/hostkey\n# Gr\xf6\xdfe\n`, 'latin1') });
    await expect(gatherFacts(new LocalTransport({ sshdConfigPath: join(root, 'sshd_config') }))).rejects.toMatchObject({
      code: 'FACTS_FAILED',
      message: expect.stringContaining('not valid UTF-8'),
    });
  });

  it('uses the inventory reload command and the pid file sshd -T names', async () => {
    const root = tree('custom', { sshd_config: `HostKey ${dir}/hostkey\nPidFile /var/run/custom-sshd.pid\n` });
    const facts = await gatherFacts(
      new LocalTransport({ sshdConfigPath: join(root, 'sshd_config'), sshdReloadCommand: 'my-reload --now' }),
    );
    expect(facts.pidFile).toBe('/var/run/custom-sshd.pid');
    expect(facts.reload).toEqual({ kind: 'custom', command: 'my-reload --now' });
  });
});
