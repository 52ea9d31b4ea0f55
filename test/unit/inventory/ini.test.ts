/** Ansible's INI inventory: value typing against Python itself, and every mistake at file:line. */
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadInventory } from '../../../src/core/inventory/index.js';
import { literalValue } from '../../../src/core/inventory/py-literal.js';

const defaults = { user: 'operator' };
const load = (text: string, file = 'hosts.ini') => loadInventory({ sources: [{ file, text }] }, defaults);
const failure = (text: string, file = 'hosts.ini'): string => {
  try {
    load(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe("values are typed as Python's ast.literal_eval types them", () => {
  const samples = [
    '2222', '0x10', '0o17', '0b101', '1_000', '-5', '+3', '1.5', '1e3', '.5', '0022', '00', 'True', 'False', 'None',
    'yes', 'no', 'deploy', '"deploy"', "'1'", '"a" \'b\'', '"tab\\tx"', '[1, 2]', '(1,)', "{'a': 1}", '[1,', 'a b',
    'deploy # note', '', '  7  ', '"unterminated', '1 2', 'x=1', '/keys/id', '~/.ssh/id', '127.0.0.1', '2001:db8::1',
  ];
  test('each sample, against python3', () => {
    const script = 'import ast,json,sys\nout=[]\nfor v in json.load(sys.stdin):\n  try: v=ast.literal_eval(v)\n  except (ValueError, SyntaxError): pass\n  out.append(v)\nprint(json.dumps(out))';
    const python = spawnSync('python3', ['-c', script], { input: JSON.stringify(samples), encoding: 'utf8' });
    expect(python.status, python.stderr).toBe(0);
    const expected = JSON.parse(python.stdout) as unknown[];
    samples.forEach((text, i) => expect(literalValue(text), text).toEqual(expected[i]));
  });
});

describe('INI mistakes are errors at file:line, as Ansible reports them', () => {
  test('a [group:vars] for a group no section defines', () => {
    expect(failure('[web]\nw1\n[db:vars]\nansible_user=x\n')).toBe('hosts.ini:3:1: section [db:vars] is for a group no section defines: db');
  });
  test('a child group no section defines', () => {
    expect(failure('[prod:children]\nweb\n')).toBe('hosts.ini:2:1: section [prod:children] names a group no section defines: web');
  });
  test('a host var without =', () => {
    expect(failure('[web]\nw1 ansible_user\n')).toBe('hosts.ini:2:1: expected key=value after the host name, got "ansible_user"');
  });
  test('an unclosed quote', () => {
    expect(failure('[web]\nw1 ansible_user="x\n')).toBe('hosts.ini:2:1: cannot split the host line: no closing quotation');
  });
  test('a section with a space, and an unknown section type', () => {
    expect(failure('[web servers]\nw1\n')).toMatch(/^hosts\.ini:1:1: invalid section entry "\[web servers\]"/);
    expect(failure('[web:hosts2]\nw1\n')).toBe('hosts.ini:1:1: section [web:hosts2] has an unknown type: hosts2 (hosts, vars or children)');
  });
  test('a vars line without =', () => {
    expect(failure('[web]\nw1\n[web:vars]\njust-a-word\n')).toBe('hosts.ini:4:1: expected key=value in [web:vars], got "just-a-word"');
  });
  test('a bad connection value is named with its host and line', () => {
    expect(failure('[web]\nw1\nw2 ansible_port=99999\n')).toMatch(/^hosts\.ini:3:\d+: ansible_port of host w2 must be a port number from 1 to 65535$/);
    expect(failure('[web]\nw1\n[web:vars]\nansible_user=bad;user\n')).toMatch(/^hosts\.ini:4:\d+: ansible_user in \[web:vars\] must be a user name/);
  });
  test('a bad host range', () => {
    expect(failure('[web]\nweb[3:1]\n')).toMatch(/^hosts\.ini:2:\d+: host "web\[3:1\]"/);
  });
  test('a YAML file with an .ini name is not read as YAML', () => {
    expect(failure('all:\n  hosts:\n    h1:\n')).toMatch(/^hosts\.ini:1:\d+: host "all:" ends in ':'/);
  });
});

describe('format by name and content', () => {
  test('an extension-less file that parses as a YAML map is YAML; one that does not is INI', () => {
    expect([...load('all:\n  hosts:\n    h1:\n', 'hosts').hosts.keys()]).toEqual(['h1']);
    expect([...load('h1\n[web]\nh2 ansible_port=2\n', 'hosts').hosts.keys()]).toEqual(['h1', 'h2']);
  });
  test('a .yml file with a YAML mistake gets the YAML error, not an INI one', () => {
    expect(failure('all:\n  hosts: [\n', 'hosts.yml')).toMatch(/^hosts\.yml:\d+:\d+: /);
    expect(failure('all:\n  hosts: [\n', 'hosts.yml')).not.toMatch(/section|key=value/);
  });
  test('origins name the INI line and var', () => {
    const inv = load('[web]\nw1 ansible_host=127.0.1.2\n[web:vars]\nansible_user=deploy\n');
    expect(inv.hosts.get('w1')!.origins).toEqual({ address: 'hosts.ini:2 (ansible_host)', user: 'hosts.ini:4 (ansible_user)', port: 'default' });
  });
});

describe('Ansible Vault in a connection var', () => {
  test('a !vault value is an error naming the var and the file, in YAML and in group_vars/', () => {
    const vaulted = 'all:\n  hosts:\n    h1:\n      ansible_user: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n        6162\n';
    expect(failure(vaulted, 'inventory.yml')).toMatch(
      /^inventory\.yml:4:\d+: /);
    expect(failure(vaulted, 'inventory.yml')).toContain(
      'all.hosts.h1.ansible_user is encrypted with Ansible Vault (!vault), which fleet cannot decrypt; write the user in clear (it is not a secret) or override it on the command line',
    );
    const groupVars = new Map([['all.yml', [{ file: 'group_vars/all.yml', text: 'ansible_host: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n' }]]]);
    try {
      loadInventory({ sources: [{ file: 'inventory.yml', text: 'all:\n  hosts:\n    h1:\n' }], varsBases: [{ dir: '.', role: 'inventory', groupVars, hostVars: new Map() }] }, defaults);
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).message).toBe('group_vars/all.yml:1:22: ansible_host is encrypted with Ansible Vault (!vault), which fleet cannot decrypt; write the address in clear (it is not a secret) or override it on the command line');
    }
  });
  test('a vault value in the JSON of ansible-inventory --list is named too; one in another var is ignored', () => {
    const json = JSON.stringify({ _meta: { hostvars: { h1: { ansible_user: { __ansible_vault: '$ANSIBLE_VAULT;1.1;AES256\n6162' } }, h2: { db_password: { __ansible_vault: 'x' } } } }, all: { children: ['ungrouped'] }, ungrouped: { hosts: ['h1', 'h2'] } });
    expect(failure(json, 'inventory.json')).toMatch(/^inventory\.json:1:\d+: _meta\.hostvars\.h1\.ansible_user is encrypted with Ansible Vault/);
  });
});

describe('shell characters in connection vars from INI and group_vars/ are refused by the same schema as YAML', () => {
  const payloads = ['$(touch /tmp/pwned)', '`id`', 'a;b', 'x && y', 'a|b', "it's"];
  test.each(payloads)('%s', (payload) => {
    const quoted = JSON.stringify(payload);
    expect(failure(`[web]\nw1 ansible_user=${quoted}\n`)).toMatch(/^hosts\.ini:2:\d+: ansible_user of host w1 must be a user name/);
    expect(failure(`[web]\nw1\n[web:vars]\nansible_host=${payload}\n`)).toMatch(/^hosts\.ini:4:\d+: ansible_host in \[web:vars\] must be a host name/);
    const hostVars = new Map([['w1.yml', [{ file: 'host_vars/w1.yml', text: `ansible_ssh_private_key_file: ${quoted}\n` }]]]);
    try {
      loadInventory({ sources: [{ file: 'hosts.ini', text: '[web]\nw1\n' }], varsBases: [{ dir: '.', role: 'inventory', groupVars: new Map(), hostVars }] }, defaults);
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).message).toMatch(/^host_vars\/w1\.yml:1:\d+: ansible_ssh_private_key_file must be an absolute path/);
    }
  });
});

