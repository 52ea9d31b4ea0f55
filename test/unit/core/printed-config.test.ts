import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstPrintedValues, printedValues } from '../../../src/core/printed-config.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/facts/${name}`, import.meta.url), 'utf8');

describe('sshd -T on recorded Debian 12 output', () => {
  const effective = firstPrintedValues(fixture('sshd-T-debian12.txt'));

  it('reads single-valued keywords', () => {
    expect(effective['clientaliveinterval']).toBe('0');
    expect(effective['clientalivecountmax']).toBe('3');
    expect(effective['tcpkeepalive']).toBe('yes');
    expect(effective['pidfile']).toBe('/run/sshd.pid');
    expect(effective['usepam']).toBe('yes');
  });

  it('keeps the first line of multi-valued keywords and whole values with spaces', () => {
    expect(effective['listenaddress']).toBe('[::]:22');
    expect(effective['hostkey']).toBe('/etc/ssh/ssh_host_rsa_key');
    expect(effective['acceptenv']).toBe('LANG');
    expect(effective['subsystem']).toBe('sftp /usr/lib/openssh/sftp-server');
  });

  it('has one entry per distinct keyword of the output', () => {
    const keywords = new Set(fixture('sshd-T-debian12.txt').trim().split('\n').map((l) => l.split(' ')[0]));
    expect(Object.keys(effective).sort()).toEqual([...keywords].sort());
  });

  it('keeps every value of a multi-valued keyword, in printed order', () => {
    const all = printedValues(fixture('sshd-T-debian12.txt'));
    expect(all.get('hostkey')).toEqual(['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key']);
    expect(all.get('clientaliveinterval')).toEqual(['0']);
  });

  it('skips warning lines that are not keyword/value pairs', () => {
    const parsed = firstPrintedValues('/etc/ssh/sshd_config line 3: Deprecated option UsePrivilegeSeparation\nport 22\r\n');
    expect(parsed).toEqual({ port: '22' });
  });
});

describe('ssh -G on recorded Debian 12 output', () => {
  // `ssh -G -F cfg fleet-keepalive-probe.invalid` (OpenSSH 9.2p1), cfg: `Host *` with
  // ServerAliveInterval 4m58s, ServerAliveCountMax 5, SendEnv LANG LC_*.
  const text = fixture('ssh-G-debian12.txt');

  it('reads the values ssh computed (times in seconds)', () => {
    const client = firstPrintedValues(text);
    expect(client['serveraliveinterval']).toBe('298');
    expect(client['serveralivecountmax']).toBe('5');
    expect(client['hostname']).toBe('fleet-keepalive-probe.invalid');
    expect(client['userknownhostsfile']).toBe('/root/.ssh/known_hosts /root/.ssh/known_hosts2');
  });

  it('keeps every line of a keyword ssh prints once per value', () => {
    const all = printedValues(text);
    expect(all.get('sendenv')).toEqual(['LANG', 'LC_*']);
    expect(all.get('identityfile')?.[0]).toBe('~/.ssh/id_rsa');
    expect([...all.values()].flat()).toHaveLength(text.trim().split('\n').length);
  });
});

describe('printed lines', () => {
  it('lowercases keywords and keeps a keyword with no value', () => {
    expect(firstPrintedValues('ClientAliveInterval 30\nBanner\n')).toEqual({ clientaliveinterval: '30', banner: '' });
  });

  it('drops CR and trailing blanks, and skips lines that do not start with a keyword', () => {
    expect([...printedValues('port 22 \r\n  indented x\n\n: y\nport\t2222\r\n')]).toEqual([['port', ['22', '2222']]]);
  });

  it('reads a long hostile line in linear time', () => {
    const started = Date.now();
    printedValues(`banner ${' '.repeat(200_000)}x${' '.repeat(200_000)}\n`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('property: printing keyword/value lines and reading them back gives every value, in order', () => {
    const keyword = fc.stringMatching(/^[a-z][a-z0-9]{0,20}$/);
    const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(keyword, value), { maxLength: 30 }), (lines) => {
        const expected = new Map<string, string[]>();
        for (const [k, v] of lines) expected.set(k, [...(expected.get(k) ?? []), v]);
        expect(printedValues(lines.map(([k, v]) => `${k} ${v}\n`).join(''))).toEqual(expected);
      }),
    );
  });
});
