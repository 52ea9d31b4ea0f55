/**
 * ansible-inventory (ansible-core) is the oracle: for the same inventory folder, INI file,
 * several -i sources and `--list` JSON, fleet's hosts, groups and connection vars must equal what
 * `ansible-inventory -i … --list` resolves, group_vars/ and host_vars/ (files, folders,
 * extension-less files, beside the inventory and beside the playbook) included.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Inventory } from '../../../src/core/inventory/index.js';
import { readInventory, readPolicy } from '../../../src/cli/inputs.js';
import { ignoredInInventoryFolder } from '../../../src/cli/ansible-files.js';
import { ConfigError } from '../../../src/core/errors.js';

interface View {
  hosts: Record<string, { address?: string; port?: number; user?: string; key?: string }>;
  groups: Record<string, string[]>;
}

const root = mkdtempSync(join(tmpdir(), 'fleet-oracle-'));
let cases = 0;

/** Writes files under a fresh folder; returns the folder. */
function lay(files: Record<string, string>): string {
  const dir = join(root, `case${++cases}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** What ansible-inventory resolves, run where no ansible.cfg is found. */
function ansibleList(dir: string, sources: string[], playbookDir?: string): Record<string, unknown> {
  const args = [...sources.flatMap((s) => ['-i', s]), '--list', ...(playbookDir ? ['--playbook-dir', playbookDir] : [])];
  const run = spawnSync('ansible-inventory', args, { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: dir, ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False' } });
  if (run.status !== 0) throw new Error(`ansible-inventory ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

function ansibleView(list: Record<string, unknown>): View {
  type Group = { hosts?: string[]; children?: string[] };
  const groups = list as Record<string, Group>;
  const members = (name: string, seen = new Set<string>()): string[] => {
    if (seen.has(name)) return [];
    seen.add(name);
    const g = groups[name] ?? {};
    return [...(g.hosts ?? []), ...(g.children ?? []).flatMap((c) => members(c, seen))];
  };
  const view: View = { hosts: {}, groups: {} };
  for (const name of Object.keys(groups)) {
    if (name === '_meta') continue;
    const hosts = [...new Set(members(name))].sort();
    if (hosts.length > 0) view.groups[name] = hosts;
  }
  const hostvars = (list['_meta'] as { hostvars: Record<string, Record<string, unknown>> }).hostvars;
  for (const host of view.groups['all'] ?? []) {
    const vars = hostvars[host] ?? {};
    const entry: View['hosts'][string] = {};
    if (vars['ansible_host'] !== undefined) entry.address = String(vars['ansible_host']);
    if (vars['ansible_port'] !== undefined) entry.port = Number(vars['ansible_port']);
    if (vars['ansible_user'] !== undefined) entry.user = String(vars['ansible_user']);
    if (vars['ansible_ssh_private_key_file'] !== undefined) entry.key = String(vars['ansible_ssh_private_key_file']);
    view.hosts[host] = entry;
  }
  return view;
}

function fleetView(inv: Inventory): View {
  const view: View = { hosts: {}, groups: {} };
  for (const [name, hosts] of inv.groups) if (hosts.length > 0) view.groups[name] = [...hosts].sort();
  for (const h of inv.hosts.values()) {
    const entry: View['hosts'][string] = {};
    const o = h.origins ?? {};
    if (o.address !== 'default') entry.address = h.address;
    if (o.port !== 'default') entry.port = h.port;
    if (o.user !== 'default') entry.user = h.user;
    if (h.identityFile !== undefined) entry.key = h.identityFile;
    view.hosts[h.name] = entry;
  }
  return view;
}

/** fleet's reading, with the policy in `policyDir` playing the playbook and no ansible.cfg anywhere. */
async function fleetRead(dir: string, sources: string[], policyDir = dir): Promise<Inventory> {
  const policy = join(policyDir, 'policy.yml');
  writeFileSync(policy, 'hosts: all\nsshd:\n  ClientAliveInterval: 60\n');
  const read = await readPolicy(policy);
  return (await readInventory(read, sources.map((s) => join(dir, s)), { user: 'operator', env: {}, cwd: dir, home: dir })).inventory;
}

const SKIPPED = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];

const folderCase = (): string =>
  lay({
    'inv/01-hosts.yml': `all:
  vars:
    ansible_user: from-all
  children:
    web:
      hosts:
        web1:
        web2:
          ansible_port: 2202
    db:
      hosts:
        db1:
    alpha:
      hosts:
        both:
      vars:
        ansible_user: alpha-user
    beta:
      hosts:
        both:
      vars:
        ansible_user: beta-user
        ansible_host: 192.0.2.1
    gamma:
      vars:
        ansible_group_priority: 10
        ansible_host: 192.0.2.3
      hosts:
        both:
`,
    'inv/02-more': '[db]\ndb2 ansible_host=127.0.1.9\n[prod:children]\nweb\ndb\n[prod:vars]\nansible_user=prod-user\n',
    'inv/sub/03-nested.yaml': 'all:\n  hosts:\n    nested1:\n      ansible_port: "2203"\n',
    ...Object.fromEntries(SKIPPED.map((ext, i) => [`inv/skipped${ext}`, `[skipped]\nskip${i}\n`])),
    'inv/.hidden': '[skipped]\nhidden1\n',
    'inv/group_vars/all.yaml': 'ansible_user: all-gv\n',
    'inv/group_vars/web/10-key.yml': 'ansible_ssh_private_key_file: /keys/web\n',
    'inv/group_vars/web/20-user': 'ansible_user: web-user\n',
    'inv/group_vars/web/.hidden.yml': 'ansible_user: hidden\n',
    'inv/group_vars/web/backup~': 'ansible_user: backup\n',
    'inv/group_vars/web/notes.txt': 'ansible_user: notes\n',
    'inv/group_vars/web/sub/30-port.yml': 'ansible_port: 2230\n',
    'inv/group_vars/db.yml': 'ansible_ssh_private_key_file: /keys/db-yml\n',
    'inv/group_vars/db.json': '{"ansible_ssh_private_key_file": "/keys/db-json"}\n',
    'inv/group_vars/nosuchgroup.yml': 'this: is: not: yaml: [\n',
    'inv/host_vars/web1': 'ansible_host: 127.0.1.5\n',
    'inv/host_vars/db1.json': '{"ansible_port": 2299}\n',
    'play/group_vars/prod.yml': 'ansible_ssh_private_key_file: /keys/prod-play\n',
    'play/group_vars/all.yml': 'ansible_port: 2100\n',
    'play/host_vars/db2.yml': 'ansible_user: play-user\n',
  });

describe('fleet reads inventories as ansible-inventory resolves them', () => {
  test('a folder: YAML and extension-less INI files in name order, a subfolder, skipped names, group_vars/ and host_vars/ as files, folders and extension-less files, beside the inventory and beside the policy', async () => {
    const dir = folderCase();
    const oracle = ansibleView(ansibleList(dir, ['inv'], join(dir, 'play')));
    // The fixture means something only if Ansible really skipped and picked what it says.
    expect(Object.keys(oracle.hosts).sort()).toEqual(['both', 'db1', 'db2', 'nested1', 'web1', 'web2']);
    // group_vars/ beside the playbook (prod) beat those beside the inventory (web), whatever the depth.
    expect(oracle.hosts['web1']).toMatchObject({ address: '127.0.1.5', port: 2230, user: 'web-user', key: '/keys/prod-play' });
    expect(oracle.hosts['db2']).toMatchObject({ user: 'play-user', key: '/keys/prod-play' });
    const fleet = fleetView(await fleetRead(dir, ['inv'], join(dir, 'play')));
    expect(fleet).toEqual(oracle);
  });

  test("each name Ansible's folder reading skips is skipped, and no other", () => {
    for (const ext of SKIPPED) expect(ignoredInInventoryFolder(`hosts${ext}`), ext).toBe(true);
    for (const name of ['.hidden', 'group_vars', 'host_vars', 'vars_plugins']) expect(ignoredInInventoryFolder(name), name).toBe(true);
    for (const name of ['hosts', 'hosts.yml', 'hosts.yaml', 'hosts.json', 'hosts.conf', 'prod', 'txt']) expect(ignoredInInventoryFolder(name), name).toBe(false);
  });

  test('an INI file: ungrouped lines, [group], ranges, host:port, quoted values, comments, [group:vars], [group:children] named before they are defined, [all:vars], Python literal typing', async () => {
    const dir = lay({
      'hosts.ini': `# a comment
; another comment
lone ansible_host=10.0.0.1   # trailing comment
[web]
web[01:03].example.com ansible_user="deploy" other='x y'
web10.example.com:2222 ansible_ssh_private_key_file=/keys/"web 10"
[web:vars]
ansible_port = 2200
note = some text # not a comment in :vars
[prod:children]
web
db
[db]
db-[a:b] ansible_port='2201'
[db:vars]
ansible_ssh_private_key_file=/keys/db
[all:vars]
ansible_user=everyone
`,
    });
    const oracle = ansibleView(ansibleList(dir, ['hosts.ini']));
    expect(oracle.hosts['web10.example.com']).toMatchObject({ port: 2222, key: '/keys/web 10' });
    const inv = await fleetRead(dir, ['hosts.ini']).catch((e: unknown) => e);
    // fleet refuses a key path with a space (it would reach ssh); everything else must match.
    expect(inv).toBeInstanceOf(ConfigError);
    expect(String((inv as ConfigError).message)).toMatch(/hosts\.ini:6:\d+: ansible_ssh_private_key_file of host web10\.example\.com:2222 must be an absolute path/);
    writeFileSync(join(dir, 'hosts.ini'), `# a comment
; another comment
lone ansible_host=10.0.0.1   # trailing comment
[web]
web[01:03].example.com ansible_user="deploy" other='x y'
web10.example.com:2222 ansible_ssh_private_key_file=/keys/"web10"
[web:vars]
ansible_port = 2200
note = some text # not a comment in :vars
[prod:children]
web
db
[db]
db-[a:b] ansible_port='2201'
[db:vars]
ansible_ssh_private_key_file=/keys/db
[all:vars]
ansible_user=everyone
`);
    const again = ansibleView(ansibleList(dir, ['hosts.ini']));
    expect(fleetView(await fleetRead(dir, ['hosts.ini']))).toEqual(again);
  });

  test('several -i sources, each with its own group_vars/, merge into one inventory', async () => {
    const dir = lay({
      'a/hosts.yml': 'web:\n  hosts:\n    w1:\n    w2:\n',
      'a/group_vars/web.yml': 'ansible_user: a-user\nansible_port: 2001\n',
      'b/hosts': '[web]\nw3\n[db]\nd1 ansible_port=2002\n',
      'b/group_vars/web.yml': 'ansible_user: b-user\n',
      'b/host_vars/w1.yml': 'ansible_host: 127.0.1.1\n',
    });
    const oracle = ansibleView(ansibleList(dir, ['a/hosts.yml', 'b/hosts']));
    expect(oracle.hosts['w1']).toMatchObject({ user: 'b-user', port: 2001, address: '127.0.1.1' });
    expect(fleetView(await fleetRead(dir, ['a/hosts.yml', 'b/hosts']))).toEqual(oracle);
  });

  test('the JSON that `ansible-inventory --list` prints reads back to the same hosts, groups and connection vars', async () => {
    const dir = folderCase();
    const list = ansibleList(dir, ['inv'], join(dir, 'play'));
    mkdirSync(join(dir, 'static'));
    writeFileSync(join(dir, 'static', 'inventory.json'), JSON.stringify(list, null, 2));
    const fleet = fleetView(await fleetRead(dir, ['static/inventory.json'], join(dir, 'static')));
    expect(fleet).toEqual(ansibleView(list));
  });
});

describe('the JSON of inventory scripts and --list, in its other forms', () => {
  test('`--list --export` (group vars kept on the groups, not merged into hostvars) reads to the same connection vars', async () => {
    const dir = folderCase();
    const merged = ansibleList(dir, ['inv'], join(dir, 'play'));
    const exported = spawnSync('ansible-inventory', ['-i', 'inv', '--playbook-dir', 'play', '--list', '--export'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: dir } });
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/"vars"/);
    mkdirSync(join(dir, 'static'));
    writeFileSync(join(dir, 'static', 'export.json'), exported.stdout);
    // --export leaves out what group_vars/ and host_vars/ say; fleet reads those beside the JSON.
    for (const folder of ['group_vars', 'host_vars']) symlinkSync(join(dir, 'inv', folder), join(dir, 'static', folder));
    const policyDir = join(dir, 'play');
    expect(fleetView(await fleetRead(dir, ['static/export.json'], policyDir))).toEqual(ansibleView(merged));
  });

  test("a script's older form: a group as a plain list of hosts, and hosts only in _meta", async () => {
    const dir = lay({ 'inv.json': JSON.stringify({ web: ['w1', 'w2'], db: { hosts: ['d1'], vars: { ansible_user: 'dbu' } }, _meta: { hostvars: { w1: { ansible_host: '127.0.1.1' }, lone: { ansible_port: 2 } } } }) });
    const inv = await fleetRead(dir, ['inv.json']);
    expect([...inv.hosts.keys()]).toEqual(['w1', 'w2', 'd1', 'lone']);
    expect(inv.hosts.get('w1')).toMatchObject({ address: '127.0.1.1', groups: ['web'], origins: { address: expect.stringMatching(/inv\.json:1 \(ansible_host\)$/) } });
    expect(inv.hosts.get('d1')).toMatchObject({ user: 'dbu', groups: ['db'] });
    expect(inv.hosts.get('lone')).toMatchObject({ port: 2, groups: ['ungrouped'] });
  });
});

describe('sources fleet refuses by name', () => {
  test('an inventory plugin config in a folder, with the command that makes it static', async () => {
    const dir = lay({ 'inv/01.yml': 'all:\n  hosts:\n    h1:\n', 'inv/aws_ec2.yml': 'plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n' });
    const error = await fleetRead(dir, ['inv']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'inv/aws_ec2.yml: is a config of the inventory plugin amazon.aws.aws_ec2, which fleet does not run; make it static with: ansible-inventory -i inv/aws_ec2.yml --list > inventory.json, then pass -i inventory.json'.replaceAll('inv/', `${join(dir, 'inv')}/`),
    );
  });

  test('an executable inventory script in a folder', async () => {
    const dir = lay({ 'inv/01.yml': 'all:\n  hosts:\n    h1:\n', 'inv/ec2.py': '#!/usr/bin/env python3\nprint("{}")\n' });
    chmodSync(join(dir, 'inv/ec2.py'), 0o755);
    const error = await fleetRead(dir, ['inv']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`${join(dir, 'inv/ec2.py')}: is an executable inventory script, which fleet does not run; make it static with: ansible-inventory -i`);
  });

  test('a symlink back up an inventory folder or a group_vars/ folder is read once, not for ever', async () => {
    const dir = lay({ 'inv/01.yml': 'web:\n  hosts:\n    h1:\n', 'inv/group_vars/web/a.yml': 'ansible_user: u1\n' });
    symlinkSync(join(dir, 'inv'), join(dir, 'inv', 'loop'));
    symlinkSync(join(dir, 'inv', 'group_vars', 'web'), join(dir, 'inv', 'group_vars', 'web', 'again'));
    const inv = await fleetRead(dir, ['inv']);
    expect([...inv.hosts.keys()]).toEqual(['h1']);
    expect(inv.hosts.get('h1')!.user).toBe('u1');
  });
});
