import { describe, expect, test } from 'vitest';
import { ConfigError, formatDiagnostic, type Diagnostic } from '../../../src/core/errors.js';
import { parsePolicy } from '../../../src/core/policy/index.js';

function errorsOf(text: string): Diagnostic[] {
  try {
    parsePolicy(text, 'policy.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.diagnostics;
    throw error;
  }
  throw new Error('parse succeeded');
}
const messages = (text: string): string[] => errorsOf(text).map(formatDiagnostic);

describe('sshd: any global keyword of the table', () => {
  test('the issue example, every value type, written as sshd reads it', () => {
    const { policy, warnings } = parsePolicy(
      `sshd:
  PasswordAuthentication: no
  PermitRootLogin: prohibit-password
  LoginGraceTime: 1m
  Ciphers: [aes256-gcm@openssh.com, chacha20-poly1305@openssh.com]
  AcceptEnv: { present: [LANG, LC_*] }
  MaxAuthTries: 3
  LogLevel: verbose
  MaxStartups: 10:30:60
  AuthorizedKeysFile: [.ssh/authorized_keys, .ssh/authorized_keys2]
  Banner: /etc/issue.net
  ForceCommand: /usr/bin/true --fleet
  KexAlgorithms: -diffie-hellman-group14-sha256
  UnusedConnectionTimeout: none
  X11Forwarding: false
`,
      'policy.yml',
    );
    expect(warnings).toEqual([]);
    expect(policy.sshd).toEqual({
      PasswordAuthentication: 'no',
      PermitRootLogin: 'prohibit-password',
      LoginGraceTime: '60',
      Ciphers: 'aes256-gcm@openssh.com,chacha20-poly1305@openssh.com',
      MaxAuthTries: '3',
      LogLevel: 'VERBOSE',
      MaxStartups: '10:30:60',
      AuthorizedKeysFile: '.ssh/authorized_keys .ssh/authorized_keys2',
      Banner: '/etc/issue.net',
      ForceCommand: '/usr/bin/true --fleet',
      KexAlgorithms: '-diffie-hellman-group14-sha256',
      UnusedConnectionTimeout: 'none',
      X11Forwarding: 'no',
    });
    expect(policy.sshdMembers).toEqual({ AcceptEnv: { present: ['LANG', 'LC_*'], absent: [] } });
  });

  test('aliases and other spellings are read as the canonical keyword, with a warning', () => {
    const { policy, warnings } = parsePolicy('sshd:\n  KeepAlive: no\n  macs: [hmac-sha2-256]\n', 'policy.yml');
    expect(policy.sshd).toEqual({ TCPKeepAlive: 'no', MACs: 'hmac-sha2-256' });
    expect(warnings.map(formatDiagnostic)).toEqual([
      'policy.yml:2:3: warning: sshd.KeepAlive is read as TCPKeepAlive; write TCPKeepAlive',
      'policy.yml:3:3: warning: sshd.macs is read as MACs; write MACs',
    ]);
  });

  test('an unknown keyword gets did-you-mean from the whole table, at the key', () => {
    expect(messages('sshd:\n  PermitRootLogn: no\n  PasswordAuthentification: no\n')).toEqual([
      'policy.yml:2:3: sshd.PermitRootLogn is not a known directive (did you mean PermitRootLogin?)',
      'policy.yml:3:3: sshd.PasswordAuthentification is not a known directive (did you mean PasswordAuthentication?)',
    ]);
  });

  test('a wrong enumeration value lists the allowed words, at the value', () => {
    expect(messages('sshd:\n  PermitRootLogin: maybe\n  AllowTcpForwarding: sometimes\n')).toEqual([
      'policy.yml:2:20: sshd.PermitRootLogin must be one of: yes, prohibit-password, without-password, forced-commands-only, no',
      'policy.yml:3:23: sshd.AllowTcpForwarding must be one of: yes, all, no, local, remote',
    ]);
  });

  test('wrong types: a flag, an integer, a time, a list where one value goes, members of a keyword that does not accumulate', () => {
    expect(
      messages(
        'sshd:\n  PasswordAuthentication: maybe\n  MaxAuthTries: many\n  LoginGraceTime: soon\n  Banner: [a, b]\n  PermitRootLogin: { present: [no] }\n  RequiredRSASize: 512\n',
      ),
    ).toEqual([
      'policy.yml:2:27: sshd.PasswordAuthentication must be yes or no',
      'policy.yml:3:17: sshd.MaxAuthTries must be an integer of 0 or more',
      'policy.yml:4:19: sshd.LoginGraceTime must be a number of seconds or an OpenSSH time such as 4m58s (digits and the units s, m, h, d, w only)',
      'policy.yml:5:11: sshd.Banner takes one value, not a list',
      'policy.yml:6:20: sshd.PermitRootLogin takes one value, not present/absent: only accumulating keywords (AcceptEnv, AllowGroups, AllowUsers, DenyGroups, DenyUsers, HostCertificate, HostKey, ListenAddress, Port) take members',
      'policy.yml:7:20: sshd.RequiredRSASize must be an integer of 1024 or more',
    ]);
  });

  test('nothing that would change how sshd splits the line reaches the file', () => {
    expect(messages('sshd:\n  Banner: "/etc/my banner"\n  ForceCommand: "echo # not a comment"\n  Ciphers: [aes128-ctr, "x y"]\n  AcceptEnv: { absent: ["LANG#"] }\n')).toEqual([
      'policy.yml:2:11: sshd.Banner must be one word (no blanks, quotes, backslashes or #)',
      'policy.yml:3:17: sshd.ForceCommand must be text on one line without quotes, backslashes or #',
      'policy.yml:4:25: sshd.Ciphers[1] has "x y", not an algorithm name (letters, digits, @ . _ -)',
      'policy.yml:5:25: sshd.AcceptEnv.absent[0] must be one word (no blanks, quotes, backslashes or #)',
    ]);
  });

  test('keywords that set nothing, and Match, cannot be set', () => {
    expect(messages('sshd:\n  Protocol: 2\n  Match: all\n  KerberosTgtPassing: no\n')).toEqual([
      'policy.yml:2:3: sshd.Protocol is deprecated: sshd ignores it, so fleet does not set it',
      'policy.yml:3:3: sshd.Match cannot be set here: Match is not a setting (use sshd_match)',
      'policy.yml:4:3: sshd.KerberosTgtPassing is deprecated: sshd ignores it, so fleet does not set it',
    ]);
    expect(messages('sshd:\n  GSSAPIKeyExchange: no\n')).toEqual([
      "policy.yml:2:3: sshd.GSSAPIKeyExchange is a keyword of a distribution's patches (Debian, Red Hat), not of OpenSSH: fleet does not set it",
    ]);
  });

  test('a value the schema refuses does not hide the table\'s findings on the other keys', () => {
    expect(messages('sshd:\n  ClientAliveCountMax: many\n  Protocol: 2\n  PermitRootLogin: maybe\n  Banner: [a, b]\n')).toEqual([
      'policy.yml:2:24: sshd.ClientAliveCountMax must be an integer of 0 or more',
      'policy.yml:3:3: sshd.Protocol is deprecated: sshd ignores it, so fleet does not set it',
      'policy.yml:4:20: sshd.PermitRootLogin must be one of: yes, prohibit-password, without-password, forced-commands-only, no',
      'policy.yml:5:11: sshd.Banner takes one value, not a list',
    ]);
  });
});

describe('sshd_match: keywords inside Match blocks', () => {
  test('the issue example is read', () => {
    const { policy } = parsePolicy('sshd_match:\n  - match: User  backup\n    set: { ClientAliveInterval: 15m, PermitTTY: no }\n', 'policy.yml');
    expect(policy.sshdMatch).toEqual([{ criteria: 'User backup', set: { ClientAliveInterval: '900', PermitTTY: 'no' } }]);
  });

  test('a global-only keyword, an unknown one and a bad value, each at its place', () => {
    expect(messages('sshd_match:\n  - match: User backup\n    set:\n      Ciphers: [aes128-ctr]\n      PermitTTI: no\n      PermitTTY: maybe\n  - match: "User x # y"\n    set: { PermitTTY: no }\n')).toEqual([
      'policy.yml:4:7: sshd_match[0].set.Ciphers is not allowed inside Match: sshd takes Ciphers only in the global section (use sshd:)',
      'policy.yml:5:7: sshd_match[0].set.PermitTTI is not a known directive (did you mean PermitTTY?)',
      'policy.yml:6:18: sshd_match[0].set.PermitTTY must be yes or no',
      'policy.yml:7:12: sshd_match[1].match must be Match criteria on one line, without quotes, backslashes or #, such as User backup',
    ]);
  });
});
