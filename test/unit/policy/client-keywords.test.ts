/**
 * `client:` takes any ssh_config keyword of the client table: values of the table's type,
 * mistakes positioned like a compiler's, and today's keepalive policies unchanged.
 */
import { describe, expect, test } from 'vitest';
import { ConfigError, formatDiagnostic } from '../../../src/core/errors.js';
import type { Diagnostic } from '../../../src/core/errors.js';
import { parsePolicy } from '../../../src/core/policy/index.js';

const FILE = '/srv/fleet/policy.yml';
function errorsOf(text: string): Diagnostic[] {
  try {
    parsePolicy(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error.diagnostics;
    throw error;
  }
  throw new Error('parse succeeded');
}
const messages = (text: string): string[] => errorsOf(text).map(formatDiagnostic);
const client = (body: string) => parsePolicy(`client:\n  users: [deploy]\n${body}`, FILE).policy.client;

describe('client: with any ssh_config keyword', () => {
  test("today's keepalive policy reads as before", () => {
    expect(client('  ServerAliveInterval: 4m\n  ServerAliveCountMax: 3\n  TCPKeepAlive: yes\n')).toEqual({
      users: ['deploy'],
      system: false,
      directives: { ServerAliveInterval: '240', ServerAliveCountMax: '3', TCPKeepAlive: 'yes' },
    });
  });

  test('several keyword types, normalised as they are written to ssh_config', () => {
    const c = client(
      [
        '  Compression: true',
        '  ForwardAgent: no',
        '  hashknownhosts: yes',
        '  Ciphers: [aes256-gcm@openssh.com, chacha20-poly1305@openssh.com]',
        '  KexAlgorithms: "-diffie-hellman-group14-sha256"',
        '  ConnectTimeout: 1m',
        '  StrictHostKeyChecking: Accept-New',
        '  UserKnownHostsFile: [~/.ssh/known_hosts, /etc/ssh/extra_known_hosts]',
        '  LocalForward: 8080 localhost:80',
        '  SendEnv: { present: [LANG, LC_ALL], absent: [TZ] }',
        '  IdentityFile: { present: [~/.ssh/id_ed25519] }',
        '  keepalive: yes',
        '',
      ].join('\n'),
    );
    expect(c?.directives).toEqual({
      Compression: 'yes',
      ForwardAgent: 'no',
      HashKnownHosts: 'yes',
      Ciphers: 'aes256-gcm@openssh.com,chacha20-poly1305@openssh.com',
      KexAlgorithms: '-diffie-hellman-group14-sha256',
      ConnectTimeout: '60',
      StrictHostKeyChecking: 'accept-new',
      UserKnownHostsFile: '~/.ssh/known_hosts /etc/ssh/extra_known_hosts',
      LocalForward: '8080 localhost:80',
      TCPKeepAlive: 'yes',
    });
    expect(c?.members).toEqual({ SendEnv: { present: ['LANG', 'LC_ALL'], absent: ['TZ'] }, IdentityFile: { present: ['~/.ssh/id_ed25519'], absent: [] } });
  });

  test('an unknown keyword, with did-you-mean, at the key', () => {
    expect(messages('client:\n  users: [deploy]\n  ServerAliveIntervall: 60\n')).toEqual([
      `${FILE}:3:3: client.ServerAliveIntervall is not a known ssh_config keyword (did you mean ServerAliveInterval?)`,
    ]);
    expect(messages('client:\n  users: [deploy]\n  Frobnicate2000: 60\n')).toEqual([
      `${FILE}:3:3: client.Frobnicate2000 is not a known ssh_config keyword (no ssh_config keyword of OpenSSH 7.4 to 10.5 is spelled so)`,
    ]);
  });

  test('a wrong enumeration word lists the allowed ones; a wrong type says the type', () => {
    expect(messages('client:\n  users: [deploy]\n  StrictHostKeyChecking: maybe\n  ConnectTimeout: soon\n  Port: 70000\n  Compression: [yes]\n')).toEqual([
      `${FILE}:3:26: client.StrictHostKeyChecking must be one of: yes, no, ask, accept-new, off`,
      `${FILE}:4:19: client.ConnectTimeout must be a number of seconds or an OpenSSH time such as 4m58s (digits and the units s, m, h, d, w only) or none`,
      `${FILE}:5:9: client.Port must be an integer from 1 to 65535`,
      `${FILE}:6:16: client.Compression takes one value, not a list`,
    ]);
  });

  test('keywords a policy cannot set say why', () => {
    expect(messages('client:\n  users: [deploy]\n  Host: "*"\n  Cipher: aes128-cbc\n  HostbasedAlgorithms: ssh-ed25519\n  CanonicalizePermittedCNAMEs: "*.a:*.b"\n')).toEqual([
      `${FILE}:3:3: client.Host cannot be set here: Host is not a setting (fleet sets values for every host, in the Host * scope)`,
      `${FILE}:4:3: client.Cipher is deprecated: ssh ignores it, so fleet does not set it`,
      `${FILE}:5:3: client.HostbasedAlgorithms is known only to OpenSSH 8.5-8.6, not to current releases, so fleet does not set it`,
      `${FILE}:6:3: client.CanonicalizePermittedCNAMEs cannot be set by fleet: ssh -G must resolve the host name once it is set, so fleet cannot prove it`,
    ]);
  });

  test('present/absent only for accumulating keywords; members checked by type', () => {
    expect(messages('client:\n  users: [deploy]\n  Ciphers: { present: [aes128-ctr] }\n  LocalForward: { present: ["8080"] }\n  SendEnv: { present: ["A B"] }\n')).toEqual([
      `${FILE}:3:12: client.Ciphers takes one value, not present/absent: only accumulating keywords (CertificateFile, DynamicForward, IdentityFile, LocalForward, RemoteForward, SendEnv) take members`,
      `${FILE}:4:29: client.LocalForward.present[0] must be a listen and a connect endpoint, as 8080 localhost:80`,
      `${FILE}:5:24: client.SendEnv.present[0] must be one word (no blanks, quotes, backslashes or #)`,
    ]);
  });

  test('every mistake in one run, even when the schema refused a value', () => {
    const found = messages('client:\n  users: [deploy]\n  Compresion: yes\n  ForwardAgent: { bad: 1 }\n  BatchMode: maybe\n');
    expect(found.some((m) => m.includes('client.Compresion is not a known ssh_config keyword (did you mean Compression?)'))).toBe(true);
    expect(found.some((m) => m.includes('client.BatchMode must be yes or no'))).toBe(true);
    expect(found.some((m) => m.includes('ForwardAgent'))).toBe(true);
  });
});
