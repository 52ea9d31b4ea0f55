import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, formatDiagnostic } from '../../../src/core/errors.js';
import type { Diagnostic } from '../../../src/core/errors.js';
import { parseOpenSshTime, parsePolicy } from '../../../src/core/policy/index.js';

function errorsOf(text: string): Diagnostic[] {
  try {
    parsePolicy(text, '/srv/fleet/policy.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.diagnostics;
    throw error;
  }
  throw new Error('parse succeeded');
}
const messages = (text: string): string[] => errorsOf(text).map(formatDiagnostic);

describe('a valid policy', () => {
  test('the brief example, fully read and normalised', () => {
    const { policy, warnings } = parsePolicy(
      `inventory: ../inv/inventory.yml
hosts: web:&prod
sshd:
  ClientAliveInterval: 4m58s
  ClientAliveCountMax: 50
  TCPKeepAlive: yes
client:
  users: [root, deploy]
  ServerAliveInterval: 240
  ServerAliveCountMax: 3
  TCPKeepAlive: true
rollout:
  forks: 20
  serial: 25%
  max_fail_percent: 10
`,
      '/srv/fleet/policy.yml',
    );
    expect(warnings).toEqual([]);
    expect(policy).toEqual({
      file: '/srv/fleet/policy.yml',
      inventory: '/srv/inv/inventory.yml',
      hosts: 'web:&prod',
      sshd: { ClientAliveInterval: '298', ClientAliveCountMax: '50', TCPKeepAlive: 'yes' },
      client: { users: ['root', 'deploy'], system: false, directives: { ServerAliveInterval: '240', ServerAliveCountMax: '3', TCPKeepAlive: 'yes' } },
      rollout: { forks: 20, serial: { kind: 'percent', pct: 25 }, maxFailPercent: 10 },
    });
  });

  test('defaults: hosts all, rollout forks 50, serial all hosts, max_fail_percent 100; no client', () => {
    const { policy } = parsePolicy('sshd:\n  ClientAliveInterval: 300\n', 'p.yml');
    expect(policy.hosts).toBe('all');
    expect(policy.file).toBe(path.resolve('p.yml'));
    expect(policy.inventory).toBeUndefined();
    expect(policy.client).toBeUndefined();
    expect(policy.rollout).toEqual({ forks: 50, serial: { kind: 'percent', pct: 100 }, maxFailPercent: 100 });
  });

  test('serial as a count; system-wide client drop-in needs no users', () => {
    const { policy } = parsePolicy('client:\n  system: true\n  ServerAliveInterval: 60\nrollout:\n  serial: 3\n', 'p.yml');
    expect(policy.rollout.serial).toEqual({ kind: 'count', n: 3 });
    expect(policy.client).toEqual({ users: [], system: true, directives: { ServerAliveInterval: '60' } });
    expect(policy.sshd).toEqual({});
  });

  test('TCPKeepAlive spellings are written lower-case yes/no', () => {
    for (const [written, value] of [['no', 'no'], ['NO', 'no'], ['false', 'no'], ['"Yes"', 'yes'], ['true', 'yes']]) {
      expect(parsePolicy(`sshd:\n  TCPKeepAlive: ${written}\n`, 'p.yml').policy.sshd['TCPKeepAlive'], written).toBe(value);
    }
  });

  test('directive keys in another case are accepted with a warning', () => {
    const { policy, warnings } = parsePolicy('sshd:\n  clientaliveinterval: 120\n', 'policy.yml');
    expect(policy.sshd).toEqual({ ClientAliveInterval: '120' });
    expect(warnings.map(formatDiagnostic)).toEqual([
      'policy.yml:2:3: warning: sshd.clientaliveinterval is read as ClientAliveInterval; write ClientAliveInterval',
    ]);
  });

  test('the keepalive playbook is valid', () => {
    const { policy, warnings } = parsePolicy(readFileSync('playbooks/keepalive.yml', 'utf8'), 'playbooks/keepalive.yml');
    expect(warnings).toEqual([]);
    expect(policy.sshd).toEqual({ ClientAliveInterval: '298', ClientAliveCountMax: '50' });
    expect(policy.client).toEqual({ users: ['root'], system: false, directives: { ServerAliveInterval: '240' } });
  });
});

describe('OpenSSH times', () => {
  test('units add up as sshd convtime() does', () => {
    expect(parseOpenSshTime('4m58s')).toBe(298);
    expect(parseOpenSshTime('1h')).toBe(3600);
    expect(parseOpenSshTime('30')).toBe(30);
    expect(parseOpenSshTime('1w2D3H4M5S')).toBe(604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    expect(parseOpenSshTime('10m10')).toBe(610);
    expect(parseOpenSshTime('2147483647')).toBe(2147483647);
    expect(parseOpenSshTime('2147483648')).toBeUndefined();
    expect(parseOpenSshTime('5y')).toBeUndefined();
    expect(parseOpenSshTime('')).toBeUndefined();
  });
});

describe('mistakes, positioned', () => {
  test('an unknown directive, with did-you-mean, at the key', () => {
    const text = 'hosts: all\nsshd:\n  ClientAliveCountMax: 3\n  ClientAliveIntervall: 298\n';
    expect(messages(text)).toEqual([
      '/srv/fleet/policy.yml:4:3: sshd.ClientAliveIntervall is not a known directive (did you mean ClientAliveInterval?)',
    ]);
  });

  test('unknown top-level, client and rollout keys', () => {
    const text = 'rolout:\n  forks: 2\nclient:\n  user: [root]\n  ServerAliveInterval: 1\nsshd:\n  TCPKeepAlive: yes\n';
    expect(messages(text)).toEqual([
      '/srv/fleet/policy.yml:1:1: rolout is not a known policy key (did you mean rollout?)',
      '/srv/fleet/policy.yml:4:3: client.user is ssh_config\'s User keyword, which takes one name (did you mean users?)',
    ]);
  });

  test('a directive no sshd has, and nothing close to it, names the releases fleet knows', () => {
    expect(messages('sshd:\n  PermitRootLogon2000: no\n')[0]).toBe(
      '/srv/fleet/policy.yml:2:3: sshd.PermitRootLogon2000 is not a known directive (no sshd_config keyword of OpenSSH 7.4 to 10.5 is spelled so)',
    );
  });

  test('wrong types and bad values point at the value', () => {
    const text = [
      'sshd:',
      '  ClientAliveInterval: 5 minutes',
      '  ClientAliveCountMax: -1',
      '  TCPKeepAlive: maybe',
      'client:',
      '  users: root',
      '  ServerAliveCountMax: "3"',
      'rollout:',
      '  forks: 0',
      '  serial: 0%',
      '  max_fail_percent: 101',
      '',
    ].join('\n');
    expect(messages(text)).toEqual([
      '/srv/fleet/policy.yml:2:24: sshd.ClientAliveInterval must be a number of seconds or an OpenSSH time such as 4m58s (digits and the units s, m, h, d, w only)',
      '/srv/fleet/policy.yml:3:24: sshd.ClientAliveCountMax must be an integer of 0 or more',
      '/srv/fleet/policy.yml:4:17: sshd.TCPKeepAlive must be yes or no',
      '/srv/fleet/policy.yml:6:10: client.users must be a list of distinct user names',
      '/srv/fleet/policy.yml:7:24: client.ServerAliveCountMax must be an integer of 0 or more',
      '/srv/fleet/policy.yml:9:10: rollout.forks must be an integer from 1 to 1000',
      '/srv/fleet/policy.yml:10:11: rollout.serial must be a positive integer or a percentage from 1% to 100%',
      '/srv/fleet/policy.yml:11:21: rollout.max_fail_percent must be a number from 0 to 100',
    ]);
  });

  test('a time above INT_MAX seconds', () => {
    expect(messages('sshd:\n  ClientAliveInterval: 100000w\n')).toEqual([
      "/srv/fleet/policy.yml:2:24: sshd.ClientAliveInterval is 100000w, above sshd's limit of 2147483647 seconds",
    ]);
    expect(messages('sshd:\n  ClientAliveInterval: 2147483648\n')[0]).toMatch(/^\/srv\/fleet\/policy.yml:2:24: sshd.ClientAliveInterval must be/);
  });

  test('the same directive twice in different cases', () => {
    expect(messages('sshd:\n  ClientAliveInterval: 1\n  CLIENTALIVEINTERVAL: 2\n')).toEqual([
      '/srv/fleet/policy.yml:3:3: sshd.CLIENTALIVEINTERVAL sets ClientAliveInterval a second time',
    ]);
  });

  test('a malformed host pattern, at the value', () => {
    expect(messages('hosts: "web:!"\nsshd:\n  ClientAliveInterval: 1\n')).toEqual([
      '/srv/fleet/policy.yml:1:8: hosts: host pattern "web:!" has "!" with nothing to exclude',
    ]);
  });

  test('policies that set nothing, or a client without users', () => {
    expect(messages('hosts: all\n')).toEqual(['/srv/fleet/policy.yml: sets nothing: give sshd: or client: directives']);
    expect(messages('sshd: {}\n')).toEqual(['/srv/fleet/policy.yml:1:7: sshd must set at least one directive']);
    expect(messages('client:\n  ServerAliveInterval: 60\n')).toEqual([
      '/srv/fleet/policy.yml:1:1: client needs users: [...] (whose ~/.ssh/config to edit), or system: true',
    ]);
    expect(messages('client:\n  users: [root]\n')).toEqual([
      '/srv/fleet/policy.yml:1:1: client sets no ssh_config keyword (ServerAliveInterval, Compression, SendEnv, … see docs/ssh-keywords.md)',
    ]);
    expect(messages('- sshd\n')).toEqual(['/srv/fleet/policy.yml: must be a map of policy keys (hosts, sshd, client, rollout)']);
  });

  // Nothing but a number, a time or yes/no may reach a config file.
  const injections = ['"298\\nPermitRootLogin yes"', '"298 # comment"', '"298;reboot"', '"$(reboot)"', '"`reboot`"', `"'298'"`, '"\\"298\\""', '"298 "'];
  test.each(injections)('ClientAliveInterval %s is refused at its value', (value) => {
    const diagnostics = errorsOf(`sshd:\n  ClientAliveInterval: ${value}\n`);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ line: 2, col: 24, severity: 'error' });
  });
  test.each(injections)('TCPKeepAlive %s is refused at its value', (value) => {
    expect(errorsOf(`client:\n  users: [root]\n  TCPKeepAlive: ${value}\n`)[0]).toMatchObject({ line: 3, col: 17 });
  });
  test.each(['"root;id"', '"$(id)"', '"-oProxyCommand=x"', '"root\\nx"', '"a b"', '"`id`"'])('client user %s is refused', (user) => {
    expect(errorsOf(`client:\n  users: [ok, ${user}]\n  ServerAliveInterval: 60\n`)[0]).toMatchObject({
      line: 2,
      col: 15,
      message: expect.stringMatching(/^client\.users\[1\] must be a user name/),
    });
  });
  test('an inventory path on several lines is refused', () => {
    expect(errorsOf('inventory: "a\\nb"\nsshd:\n  ClientAliveInterval: 1\n')[0]).toMatchObject({ line: 1, col: 12 });
  });
});
