import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseInventory } from '../../../src/core/inventory/index.js';
import type { HostSpec, Inventory } from '../../../src/core/inventory/index.js';

const defaults = { user: 'operator', home: '/home/operator' };
const parse = (text: string): Inventory => parseInventory(text, 'inventory.yml', defaults);
const host = (inv: Inventory, name: string): HostSpec => {
  const spec = inv.hosts.get(name);
  if (!spec) throw new Error(`no host ${name} in ${[...inv.hosts.keys()].join(', ')}`);
  return spec;
};

describe('connection vars', () => {
  test('defaults: address = name, port 22, the given user, no become, /etc/ssh/sshd_config', () => {
    const inv = parse('all:\n  hosts:\n    web1.example.com:\n');
    expect(host(inv, 'web1.example.com')).toEqual({
      name: 'web1.example.com',
      address: 'web1.example.com',
      port: 22,
      user: 'operator',
      become: false,
      sshdConfigPath: '/etc/ssh/sshd_config',
      groups: ['ungrouped'],
    });
  });

  test("Ansible's keys are read", () => {
    const inv = parse(`all:
  hosts:
    h1:
      ansible_host: 192.0.2.7
      ansible_port: "2222"
      ansible_user: admin
      ansible_ssh_private_key_file: /keys/id_ed25519
      ansible_become: "yes"
`);
    expect(host(inv, 'h1')).toMatchObject({ address: '192.0.2.7', port: 2222, user: 'admin', identityFile: '/keys/id_ed25519', become: true });
  });

  test("fleet's own keys, jump hosts and sshd settings are read", () => {
    const inv = parse(`all:
  hosts:
    h1:
      address: h1.internal.example.com
      port: 2200
      user: root
      identity_file: ~/.ssh/fleet
      become: false
      jump: ops@[2001:db8::1]:2022
      sshd_config_path: /usr/local/etc/sshd_config
      sshd_binary: /usr/local/sbin/sshd
      sshd_reload_command: kill -HUP $(cat /run/sshd.pid)
    h2:
      jump: bastion.example.com
`);
    expect(host(inv, 'h1')).toEqual({
      name: 'h1',
      address: 'h1.internal.example.com',
      port: 2200,
      user: 'root',
      identityFile: '/home/operator/.ssh/fleet',
      become: false,
      jump: { user: 'ops', host: '2001:db8::1', port: 2022 },
      sshdConfigPath: '/usr/local/etc/sshd_config',
      sshdBinary: '/usr/local/sbin/sshd',
      sshdReloadCommand: 'kill -HUP $(cat /run/sshd.pid)',
      groups: ['ungrouped'],
      // The connection values the inventory sets, so ssh_config fills only the others.
      origins: { address: 'inventory.yml:4', port: 'inventory.yml:5', user: 'inventory.yml:6', identityFile: 'inventory.yml:7', jump: 'inventory.yml:9' },
    });
    expect(host(inv, 'h2').jump).toEqual({ host: 'bastion.example.com', port: 22 });
  });

  test('without a home directory, ~/ stays for the caller to expand', () => {
    const inv = parseInventory('all:\n  hosts:\n    h1:\n      identity_file: ~/.ssh/k\n', 'i.yml', { user: 'root' });
    expect(host(inv, 'h1').identityFile).toBe('~/.ssh/k');
  });

  test("Ansible's boolean spellings for become", () => {
    const cases: [string, boolean][] = [['yes', true], ['"True"', true], ['on', true], ['1', true], ['"no"', false], ['off', false], ['0', false], ['false', false]];
    for (const [written, expected] of cases) {
      const inv = parse(`all:\n  hosts:\n    h1:\n      become: ${written}\n`);
      expect(host(inv, 'h1').become, written).toBe(expected);
    }
  });

  test('a port in the host key, overridden by a port var as in Ansible', () => {
    const inv = parse(`all:
  hosts:
    db1.example.com:2222:
    db2.example.com:2222:
      ansible_port: 2200
    "[2001:db8::5]:2022":
    2001:db8::6:
`);
    expect(host(inv, 'db1.example.com').port).toBe(2222);
    expect(host(inv, 'db2.example.com').port).toBe(2200);
    expect(host(inv, '2001:db8::5')).toMatchObject({ address: '2001:db8::5', port: 2022 });
    expect(host(inv, '2001:db8::6')).toMatchObject({ address: '2001:db8::6', port: 22 });
  });
});

describe('structure', () => {
  test('ranges in host names expand, zero-padded, alphabetic and stepped', () => {
    const inv = parse(`all:
  children:
    web:
      hosts:
        web[01:03].example.com:
          ansible_user: www
    db:
      hosts:
        db-[a:c]:
        node[0:6:3]:
        192.0.2.[1:2]:
`);
    expect(inv.groups.get('web')).toEqual(['web01.example.com', 'web02.example.com', 'web03.example.com']);
    expect(host(inv, 'web02.example.com').user).toBe('www');
    expect(inv.groups.get('db')).toEqual(['db-a', 'db-b', 'db-c', 'node0', 'node3', 'node6', '192.0.2.1', '192.0.2.2']);
  });

  test('top-level groups without all become children of all; hosts keep inventory order', () => {
    const inv = parse(`web:
  hosts:
    w1:
    w2:
db:
  hosts:
    d1:
  vars:
    ansible_user: dba
`);
    expect([...inv.hosts.keys()]).toEqual(['w1', 'w2', 'd1']);
    expect(inv.groups.get('all')).toEqual(['w1', 'w2', 'd1']);
    expect(host(inv, 'd1')).toMatchObject({ user: 'dba', groups: ['db'] });
    expect(host(inv, 'w1').user).toBe('operator');
  });

  test('a group defined in several places merges; groups list is transitive', () => {
    const inv = parse(`all:
  children:
    prod:
      children:
        web:
          hosts:
            w1:
    eu:
      children:
        web:
          hosts:
            w2:
`);
    expect(inv.groups.get('web')).toEqual(['w1', 'w2']);
    expect(inv.groups.get('eu')).toEqual(['w1', 'w2']);
    expect(host(inv, 'w1').groups).toEqual(['eu', 'prod', 'web']);
  });

  test('hosts: with a single name, and a group with no content', () => {
    const inv = parse('all:\n  children:\n    web:\n      hosts: w1\n    empty:\n');
    expect(inv.groups.get('web')).toEqual(['w1']);
    expect(inv.groups.get('empty')).toEqual([]);
  });

  test('a host in all and in a group is not ungrouped', () => {
    const inv = parse('all:\n  hosts:\n    a:\n    b:\n  children:\n    g:\n      hosts:\n        b:\n');
    expect(inv.groups.get('ungrouped')).toEqual(['a']);
    expect(host(inv, 'b').groups).toEqual(['g']);
  });

  test('merge keys and anchors, common in real inventories, are followed', () => {
    const inv = parse(`all:
  hosts:
    h1: &common
      ansible_user: shared
      ansible_port: 2201
    h2:
      <<: *common
      ansible_port: 2202
`);
    expect(host(inv, 'h2')).toMatchObject({ user: 'shared', port: 2202 });
  });

  test('Ansible Vault values and other vars are accepted and ignored', () => {
    const inv = parse(`all:
  vars:
    ansible_become_password: !vault |
      $ANSIBLE_VAULT;1.1;AES256
      6162636465
    ntp_servers: [0.pool.ntp.org]
  hosts:
    h1:
`);
    expect(host(inv, 'h1').user).toBe('operator');
    expect(inv.warnings).toEqual([]);
  });

  test('the example inventory loads', () => {
    const inv = parseInventory(readFileSync('inventory.example.yml', 'utf8'), 'inventory.example.yml', defaults);
    expect(inv.hosts.size).toBeGreaterThan(5);
    expect(inv.warnings).toEqual([]);
    expect(host(inv, 'web-canary.example.com')).toMatchObject({ address: '192.0.2.25', port: 2222, become: true, user: 'deploy' });
  });
});

// The precedence cases from Ansible's "How variables are merged" documentation.
describe('var precedence', () => {
  test('host vars beat group vars, group vars beat all', () => {
    const inv = parse(`all:
  vars:
    ansible_user: from_all
    ansible_port: 2000
    become: yes
  children:
    web:
      vars:
        ansible_user: from_web
        ansible_port: 2001
      hosts:
        w1:
          ansible_user: from_host
        w2:
`);
    expect(host(inv, 'w1')).toMatchObject({ user: 'from_host', port: 2001, become: true });
    expect(host(inv, 'w2')).toMatchObject({ user: 'from_web', port: 2001 });
  });

  test('a child group beats its parent, wherever they are written', () => {
    const inv = parse(`all:
  children:
    web:
      vars:
        ansible_user: child
      hosts:
        w1:
    prod:
      vars:
        ansible_user: parent
      children:
        web:
`);
    // web is both a child of all (depth 1) and of prod (depth 2): its depth is 2, so it wins.
    expect(host(inv, 'w1').user).toBe('child');
  });

  test('groups of the same depth merge alphabetically: the later name wins', () => {
    const inv = parse(`all:
  children:
    b_group:
      vars:
        ansible_user: from_b
        ansible_port: 2002
      hosts:
        h1:
    a_group:
      vars:
        ansible_user: from_a
        become: yes
      hosts:
        h1:
`);
    expect(host(inv, 'h1')).toMatchObject({ user: 'from_b', port: 2002, become: true });
  });

  test('ansible_group_priority overrides the alphabetical order', () => {
    const inv = parse(`all:
  children:
    a_group:
      vars:
        ansible_user: from_a
        ansible_group_priority: 10
      hosts:
        h1:
    b_group:
      vars:
        ansible_user: from_b
      hosts:
        h1:
`);
    expect(host(inv, 'h1').user).toBe('from_a');
  });

  test("fleet's and Ansible's names are one setting across levels", () => {
    const inv = parse(`all:
  vars:
    user: fleet_all
  children:
    web:
      vars:
        ansible_user: ansible_web
      hosts:
        w1:
        w2:
          user: fleet_host
`);
    expect(host(inv, 'w1').user).toBe('ansible_web');
    expect(host(inv, 'w2').user).toBe('fleet_host');
  });

  test('a host listed twice: the later entry wins', () => {
    const inv = parse('all:\n  children:\n    a:\n      hosts:\n        h1:\n          port: 2201\n    b:\n      hosts:\n        h1:\n          port: 2202\n');
    expect(host(inv, 'h1').port).toBe(2202);
  });
});
