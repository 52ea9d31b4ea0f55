import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { SSHD_ANNOTATIONS } from '../../../src/core/sshd/keyword-overlay.js';
import { allowedInMatch, canonicalKeyword, knownBy, normalizeValue, sshdKeyword, sshdKeywords } from '../../../src/core/sshd/keywords.js';

const OPENSSH = process.env['OPENSSH_GIT_DIR'] ?? '/work/.mirror/openssh+openssh-portable/repo';

describe('the sshd keyword table', () => {
  test('every keyword that sets an option has a hand annotation, and every annotation a keyword', () => {
    const options = sshdKeywords().filter((k) => k.aliasOf === undefined && (k.status === 'option' || k.status === 'build'));
    expect(options.filter((k) => k.annotation === undefined).map((k) => k.name)).toEqual([]);
    const names = new Set(sshdKeywords().map((k) => k.name));
    expect(Object.keys(SSHD_ANNOTATIONS).filter((n) => !names.has(n))).toEqual([]);
  });

  test.skipIf(!existsSync(OPENSSH))('the checked-in table is what the generator reads from OpenSSH today', async () => {
    const script = pathToFileURL(path.resolve('scripts/gen-sshd-keywords.mjs')).href;
    const { generate } = (await import(script)) as { generate: (dir: string) => string };
    expect(await readFile('src/core/sshd/keyword-table.generated.ts', 'utf8')).toBe(generate(OPENSSH));
  });

  test('aliases, releases and scope come from the sources', () => {
    expect(canonicalKeyword('keepalive')).toBe('TCPKeepAlive');
    expect(canonicalKeyword('ChallengeResponseAuthentication')).toBe('KbdInteractiveAuthentication');
    expect(canonicalKeyword('macs')).toBe('MACs');
    expect(sshdKeyword('HostKey')?.aliases).toEqual(['HostDSAKey']);
    expect(knownBy('ModuliFile', [8, 5])).toBe(false);
    expect(knownBy('ModuliFile', [8, 6])).toBe(true);
    expect(knownBy('RefuseConnection', [9, 2])).toBe(false);
    expect(knownBy('RefuseConnection', [11, 0])).toBe(true);
    expect(allowedInMatch('Ciphers', [9, 2])).toBe(false);
    expect(allowedInMatch('ClientAliveInterval', [9, 2])).toBe(true);
    expect(allowedInMatch('Subsystem', [9, 4])).toBe(false);
    expect(allowedInMatch('Subsystem', [9, 5])).toBe(true);
  });

  test('values normalise to the form sshd -T prints', () => {
    expect(normalizeValue('LoginGraceTime', '1m')).toBe('60');
    expect(normalizeValue('PermitRootLogin', 'prohibit-password', [9, 2])).toBe('without-password');
    expect(normalizeValue('PermitRootLogin', 'without-password', [10, 1])).toBe('prohibit-password');
    expect(normalizeValue('AllowTcpForwarding', 'all')).toBe('yes');
    expect(normalizeValue('Compression', 'delayed')).toBe('yes');
    expect(normalizeValue('LogLevel', 'verbose')).toBe('VERBOSE');
    expect(normalizeValue('SyslogFacility', 'authpriv')).toBe('AUTHPRIV');
    expect(normalizeValue('FingerprintHash', 'sha256')).toBe('SHA256');
    expect(normalizeValue('MaxStartups', '10')).toBe('10:30:10');
    expect(normalizeValue('IPQoS', 'af21')).toBe('af21 af21');
    expect(normalizeValue('RekeyLimit', '1G 1h')).toBe('1073741824 3600');
    expect(normalizeValue('AuthorizedKeysFile', '.ssh/a\t .ssh/b')).toBe('.ssh/a .ssh/b');
    expect(normalizeValue('UnusedConnectionTimeout', 'none')).toBe('none');
    expect(normalizeValue('MaxAuthTries', '+04')).toBe('4');
  });
});
