/** readProbe on probe output recorded from real lab hosts (see test/integration/facts.test.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readProbe } from '../../../src/facts/probe.js';

const SHAPES = [
  'already-set',
  'cloud-zero',
  'crlf-equals',
  'debian12',
  'match-blocks',
  'nested-include',
  'no-include',
  'rhel9',
  'twice',
  'ubuntu-cloud',
];
const recorded = (shape: string) => readFileSync(new URL(`../../fixtures/facts/probe-${shape}.txt`, import.meta.url), 'utf8');
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('readProbe on recorded lab output', () => {
  it.each(SHAPES)('%s: complete, root, sshd found, config accepted, pid file alive, no init system', (shape) => {
    const r = readProbe(recorded(shape));
    expect(r.complete).toBe(true);
    expect(r.uid).toBe(0);
    expect(r.sshdBinary).toBe('/usr/sbin/sshd');
    expect(r.sshdVersion).toMatch(/^OpenSSH_9\.2/);
    expect(r.configError).toBeNull();
    expect(r.effective?.['clientaliveinterval']).toMatch(/^\d+$/);
    expect(r.files.get('/etc/ssh/sshd_config')?.bytes.toString('utf8')).toMatch(/\S/);
    expect(r.reload).toMatchObject({ systemd: false, openrc: false, pidAlive: true });
  });

  it('cloud-zero: the drop-in that sets 0 was fetched, and sshd -T says 0', () => {
    const r = readProbe(recorded('cloud-zero'));
    expect(r.effective?.['clientaliveinterval']).toBe('0');
    const dropIns = r.globs.get('/etc/ssh/sshd_config.d/*.conf') ?? [];
    expect(dropIns.length).toBeGreaterThan(0);
    const texts = dropIns.map((p) => r.files.get(p)?.bytes.toString('utf8') ?? '');
    expect(texts.some((t) => /^ClientAliveInterval\s+0\b/m.test(t))).toBe(true);
  });

  it('crlf-equals: the main file keeps its CRLF bytes', () => {
    const r = readProbe(recorded('crlf-equals'));
    const bytes = r.files.get('/etc/ssh/sshd_config')!.bytes.toString('latin1');
    expect(bytes).toContain('\r\n');
    expect(bytes).toMatch(/ClientAliveInterval=120/i);
    expect(r.effective?.['clientaliveinterval']).toBe('120');
  });

  it('nested-include: the first probe reads the main file and the standard drop-in folder, not the main file\'s own conf.d (fleet asks again for that)', () => {
    const r = readProbe(recorded('nested-include'));
    expect([...r.globs.keys()]).toEqual(['/etc/ssh/sshd_config.d/*.conf']);
    expect(r.files.has('/etc/ssh/conf.d/10-hardening.conf')).toBe(false);
  });

  it('ubuntu-cloud: the drop-ins come in the first probe', () => {
    const r = readProbe(recorded('ubuntu-cloud'));
    const dropIns = r.globs.get('/etc/ssh/sshd_config.d/*.conf') ?? [];
    expect(dropIns.length).toBeGreaterThan(0);
    for (const p of dropIns) expect(r.files.get(p)?.bytes.length, p).toBeGreaterThan(0);
  });

  it('no-include: the main file, and the drop-in folder globbed on the chance', () => {
    const r = readProbe(recorded('no-include'));
    expect([...r.globs.keys()]).toEqual(['/etc/ssh/sshd_config.d/*.conf']);
    expect([...r.files.keys()].filter((p) => r.files.get(p))).toEqual(['/etc/ssh/sshd_config']);
  });
});

describe('readProbe on hand-made output', () => {
  it('a systemd host (Debian): units, and sshd.service resolving to ssh.service', () => {
    const out = [
      '@@uid 0',
      '@@probe systemd',
      '@@units ssh.service sshd.service',
      'Id=ssh.service\nLoadState=loaded\nActiveState=active\n\nActiveState=active\nLoadState=loaded\nId=ssh.service',
      '@@probe pid-alive',
      '@@end',
    ].join('\n');
    const r = readProbe(out);
    expect(r.reload.systemd).toBe(true);
    expect(r.reload.units.map((u) => [u.asked, u.id, u.activeState])).toEqual([
      ['ssh.service', 'ssh.service', 'active'],
      ['sshd.service', 'ssh.service', 'active'],
    ]);
  });

  it('sshd -T travels as plain text lines, blank lines and all', () => {
    const r = readProbe(['@@uid 0', '@@T 0', 'port 22', 'clientaliveinterval 0', '', 'pidfile /run/x.pid', '@@end'].join('\n'));
    expect(r.effective).toEqual({ port: '22', clientaliveinterval: '0', pidfile: '/run/x.pid' });
  });

  it('a file that vanished between its stat and its read is missing, not empty', () => {
    const r = readProbe(['@@uid 0', '@@file /etc/ssh/gone.conf', '@@nofile /etc/ssh/gone.conf', '@@end'].join('\n'));
    expect(r.files.has('/etc/ssh/gone.conf')).toBe(true);
    expect(r.files.get('/etc/ssh/gone.conf')).toBeNull();
  });

  it('a rejected config: sshd -T failed, sshd -t’s message kept', () => {
    const out = ['@@uid 0', '@@T 255', '', '@@t 255', b64('/etc/ssh/sshd_config line 12: Bad configuration option: Foo\n'), '@@end'].join('\n');
    const r = readProbe(out);
    expect(r.effective).toBeNull();
    expect(r.configError).toBe('/etc/ssh/sshd_config line 12: Bad configuration option: Foo');
  });

  it('output cut short is not complete; a missing sshd is reported; a file is its path and bytes', () => {
    const r = readProbe(`@@uid 1000\n@@nosshd \n@@file /etc/ssh/my x.conf\n${b64('text')}\n`);
    expect(r.complete).toBe(false);
    expect(r.uid).toBe(1000);
    expect(r.sshdBinary).toBeNull();
    expect(r.files.get('/etc/ssh/my x.conf')?.bytes.toString()).toBe('text');
  });
});
