import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { SSH_ANNOTATIONS, SSH_UNSETTABLE } from '../../../src/core/sshclient/keyword-overlay.js';
import { canonicalClientKeyword, clientCombine, normalizeClientValue, settableSshKeywords, sshKeyword, sshKeywords, sshKnownBy, SSH_CLIENT_DEFAULTS } from '../../../src/core/sshclient/keywords.js';

const OPENSSH = process.env['OPENSSH_GIT_DIR'] ?? '/work/.mirror/openssh+openssh-portable/repo';

describe('the ssh_config keyword table', () => {
  test('every option the newest release knows has a hand annotation or a reason it is not set, and every annotation a keyword', () => {
    const current = sshKeywords().filter((k) => k.aliasOf === undefined && (k.status === 'option' || k.status === 'build') && k.versions.endsWith('+'));
    expect(current.filter((k) => k.annotation === undefined && !(k.name in SSH_UNSETTABLE)).map((k) => k.name)).toEqual([]);
    const names = new Set(sshKeywords().map((k) => k.name));
    expect([...Object.keys(SSH_ANNOTATIONS), ...Object.keys(SSH_UNSETTABLE)].filter((n) => !names.has(n))).toEqual([]);
  });

  test.skipIf(!existsSync(OPENSSH))('the checked-in table is what the generator reads from OpenSSH today', async () => {
    const script = pathToFileURL(path.resolve('scripts/gen-ssh-keywords.mjs')).href;
    const { generate } = (await import(script)) as { generate: (dir: string) => string };
    expect(await readFile('src/core/sshclient/keyword-table.generated.ts', 'utf8')).toBe(generate(OPENSSH));
  });

  test('aliases, releases and statuses come from readconf.c', () => {
    expect(canonicalClientKeyword('keepalive')).toBe('TCPKeepAlive');
    expect(canonicalClientKeyword('PubkeyAcceptedKeyTypes')).toBe('PubkeyAcceptedAlgorithms');
    expect(canonicalClientKeyword('challengeresponseauthentication')).toBe('KbdInteractiveAuthentication');
    expect(canonicalClientKeyword('macs')).toBe('MACs');
    expect(canonicalClientKeyword('NoSuchThing')).toBeUndefined();
    expect(sshKeyword('IdentityFile')?.aliases).toEqual(['IdentityFile2']);
    expect(sshKeyword('Cipher')).toMatchObject({ status: 'deprecated', optionIn: '7.4-7.5' });
    expect(sshKnownBy('ChannelTimeout', [9, 2])).toBe(false);
    expect(sshKnownBy('ChannelTimeout', [9, 6])).toBe(true);
    expect(sshKnownBy('EnableEscapeCommandline', [9, 1])).toBe(false);
    expect(sshKnownBy('WarnWeakCrypto', [11, 0])).toBe(true);
    expect(settableSshKeywords().map((k) => k.name)).not.toContain('Host');
  });

  test('repeats combine as readconf.c reads them', () => {
    for (const k of ['IdentityFile', 'CertificateFile', 'LocalForward', 'RemoteForward', 'DynamicForward', 'SendEnv']) expect(clientCombine(k), k).toBe('accumulate');
    for (const k of ['SetEnv', 'UserKnownHostsFile', 'GlobalKnownHostsFile', 'CanonicalDomains']) expect(clientCombine(k), k).toBe('first-line');
    expect(clientCombine('Ciphers')).toBe('first');
  });

  test('values normalise to the form ssh -G prints', () => {
    expect(normalizeClientValue('ServerAliveInterval', '4m')).toBe('240');
    expect(normalizeClientValue('ConnectTimeout', 'none')).toBe('none');
    expect(normalizeClientValue('Compression', 'True')).toBe('yes');
    expect(normalizeClientValue('ControlMaster', 'yes')).toBe('true');
    expect(normalizeClientValue('StrictHostKeyChecking', 'off')).toBe('false');
    expect(normalizeClientValue('StrictHostKeyChecking', 'accept-new')).toBe('accept-new');
    expect(normalizeClientValue('Tunnel', 'yes')).toBe('point-to-point');
    expect(normalizeClientValue('LogLevel', 'debug1')).toBe('DEBUG');
    expect(normalizeClientValue('FingerprintHash', 'md5')).toBe('MD5');
    expect(normalizeClientValue('LocalForward', '8080 localhost:80')).toBe('8080 [localhost]:80');
    expect(normalizeClientValue('RemoteForward', '9001')).toBe('9001 [socks]:0');
    expect(normalizeClientValue('ControlPersist', '10m')).toBe('600');
    expect(normalizeClientValue('EscapeChar', '^a')).toBe('\\^A');
    expect(normalizeClientValue('StreamLocalBindMask', '0')).toBe('00');
    expect(normalizeClientValue('TunnelDevice', '1')).toBe('1:any');
    expect(normalizeClientValue('UserKnownHostsFile', '~/.ssh/kh /etc/kh', '/home/ann')).toBe('/home/ann/.ssh/kh /etc/kh');
    expect(normalizeClientValue('IdentityFile', '~/.ssh/id', '/home/ann')).toBe('~/.ssh/id');
    expect(SSH_CLIENT_DEFAULTS).toEqual({ serveraliveinterval: '0', serveralivecountmax: '3', tcpkeepalive: 'yes' });
  });
});
