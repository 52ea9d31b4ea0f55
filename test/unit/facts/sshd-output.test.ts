import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configErrorLocation, parseConfigError, parseSshdVersion } from '../../../src/facts/sshd-output.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/facts/${name}`, import.meta.url), 'utf8');

describe('sshd -t errors', () => {
  it('keeps every specific complaint of a recorded run', () => {
    const message = parseConfigError(fixture('sshd-t-bad-option.txt'));
    expect(message.split('\n')).toEqual([
      '/tmp/fx/bad.conf: line 3: Bad configuration option: Foo',
      '/tmp/fx/bad.conf line 4: ClientAliveCountMax integer value invalid.',
    ]);
    expect(configErrorLocation(message)).toEqual({ file: '/tmp/fx/bad.conf', line: 3 });
  });

  it('drops the generic "terminating" trailer after a specific line', () => {
    const message = parseConfigError(fixture('sshd-t-handmade.txt'));
    expect(message).toBe('/etc/ssh/sshd_config line 12: Bad configuration option: Foo');
    expect(configErrorLocation(message)).toEqual({ file: '/etc/ssh/sshd_config', line: 12 });
    expect(parseConfigError(fixture('sshd-t-no-argument.txt'))).toBe('/tmp/fx/bad2.conf line 4: no argument after keyword "Bogus"');
  });

  it('keeps the trailer when it is all there is, and never returns an empty message', () => {
    expect(parseConfigError('x: terminating, 2 bad configuration options\n')).toBe('x: terminating, 2 bad configuration options');
    expect(parseConfigError('\n')).toMatch(/rejected/);
    expect(configErrorLocation('sshd: no hostkeys available -- exiting.')).toBeNull();
  });
});

describe('parseSshdVersion', () => {
  it('reads `sshd -V` of Debian 12 (recorded)', () => {
    expect(parseSshdVersion(fixture('sshd-V-debian12.txt'))).toBe('OpenSSH_9.2');
  });
  it('reads the usage message of an old sshd that does not know -V', () => {
    expect(parseSshdVersion(fixture('sshd-V-openssh74-usage.txt'))).toBe('OpenSSH_7.4p1');
  });
  it('returns null when there is no version', () => {
    expect(parseSshdVersion('sh: 1: sshd: not found')).toBeNull();
  });
});
