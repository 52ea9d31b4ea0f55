/**
 * Coming from Ansible, against real sshd hosts: an inventory folder with group_vars/ and
 * host_vars/ (files, folders, extension-less files), an INI inventory with :vars and
 * :children, an ansible.cfg in the working folder, and the JSON of `ansible-inventory --list`
 * are each reached by `fleet check` at the addresses, users and keys Ansible resolves;
 * `--list-hosts` shows them and where each value came from without connecting; a plugin
 * config is refused by name.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';

let lab: Lab;
let work: string;

beforeAll(async () => {
  lab = await startLab({ count: 3, namePrefix: 'ans' });
  work = join(lab.dir, 'work');
  const [a, b, c] = lab.hosts as [Lab['hosts'][0], Lab['hosts'][0], Lab['hosts'][0]];
  const files: Record<string, string> = {
    // The user and key come only from here: without it no host would let fleet in.
    'ansible.cfg': `[defaults]\nremote_user = root\nprivate_key_file = ${lab.clientKey}\nhost_key_checking = False\n`,
    'policy.yml': 'hosts: all\nsshd:\n  ClientAliveInterval: 298\n  ClientAliveCountMax: 50\n',
    'inv/01-hosts.yml': `all:\n  children:\n    web:\n      hosts:\n        ${a.name}:\n        ${b.name}:\n    db:\n      hosts:\n        ${c.name}:\n`,
    [`inv/host_vars/${a.name}`]: `ansible_host: ${a.address}\n`,
    [`inv/host_vars/${c.name}.yml`]: `ansible_host: ${c.address}\n`,
    'inv/group_vars/web/10-address.yml': `ansible_host: 127.0.9.9\n`,
    [`inv/group_vars/web/20-port`]: `ansible_port: 22\n`,
    [`inv/host_vars/${b.name}/main.yml`]: `ansible_host: ${b.address}\n`,
    'hosts.ini': `[web]\n${a.name} ansible_host=${a.address}\n${b.name}\n[web:vars]\nansible_port=22\n[db]\n${c.name} ansible_host=${c.address}\n[prod:children]\nweb\ndb\n[prod:vars]\nansible_host=127.0.9.9\n`,
    [`host_vars/${b.name}.yml`]: `ansible_host: ${b.address}\n`,
    'aws_ec2.yml': 'plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(work, name, '..'), { recursive: true });
    writeFileSync(join(work, name), text);
  }
  // The static form of a dynamic inventory: what every plugin's answer looks like.
  const list = spawnSync('ansible-inventory', ['-i', 'inv', '--playbook-dir', '.', '--list'], { cwd: work, encoding: 'utf8' });
  if (list.status !== 0) throw new Error(list.stderr);
  mkdirSync(join(work, 'static'));
  writeFileSync(join(work, 'static', 'inventory.json'), list.stdout);
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

/** What Ansible resolves for each host of a source, run in the same working folder. */
function ansibleAddresses(source: string): Record<string, string> {
  const run = spawnSync('ansible-inventory', ['-i', source, '--playbook-dir', '.', '--list'], { cwd: work, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const hostvars = (JSON.parse(run.stdout) as { _meta: { hostvars: Record<string, { ansible_host: string }> } })._meta.hostvars;
  return Object.fromEntries(Object.entries(hostvars).map(([name, vars]) => [name, vars.ansible_host]));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** One line of --list-hosts: label, value, origin, in columns. */
const row = (label: string, value: string, origin: string): RegExp => new RegExp(`^ {4}${label} +${escape(value)} +${escape(origin)}$`, 'm');

const run = (...args: string[]) => fleet(args, { cwd: work, env: { ANSIBLE_CONFIG: '', HOME: lab.dir } });

describe.sequential('fleet check reaches the hosts Ansible would reach', () => {
  for (const source of ['inv', 'hosts.ini', 'static/inventory.json']) {
    it(`-i ${source}`, async () => {
      // Ansible cannot read its own --list output back as a file: the folder it came from is the oracle.
      const expected = ansibleAddresses(source === 'static/inventory.json' ? 'inv' : source);
      expect(Object.values(expected).sort()).toEqual(lab.hosts.map((h) => h.address).sort());
      const result = await run('check', 'policy.yml', '-i', source, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress');
      expect([0, 2], result.stderr).toContain(result.code);
      // The cfg's host_key_checking = False is only warned about; keys are still checked (--known-hosts).
      expect(result.stderr).toMatch(/ansible\.cfg:4:1: warning: host_key_checking is off here, which fleet ignores/);
      const report = jsonReport(result);
      const reached = report.hosts.map((h) => [h.name, h.address, h.status === 'failed' || h.status === 'unreachable' ? h.error?.message : 'ok']);
      expect(reached.sort()).toEqual(Object.entries(expected).map(([name, address]) => [name, address, 'ok']).sort());
    });
  }
});

describe('--list-hosts', () => {
  it('shows each host with address, port, user, key and where each came from, and connects to nothing (exit 0)', async () => {
    const [a, b] = lab.hosts as [Lab['hosts'][0], Lab['hosts'][0]];
    for (const command of ['validate', 'plan', 'apply', 'check']) {
      const result = await run(command, 'policy.yml', '-i', 'inv', '--list-hosts', ...(command === 'validate' ? [] : ['--no-progress']));
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('hosts (3):');
      expect(result.stdout).toMatch(row('address', a.address, `inv/host_vars/${a.name}:1 (ansible_host)`));
      expect(result.stdout).toMatch(row('address', b.address, `host_vars/${b.name}.yml:1 (ansible_host)`));
      expect(result.stdout).toMatch(row('port', '22', 'inv/group_vars/web/20-port:1 (ansible_port)'));
      expect(result.stdout).toMatch(row('user', 'root', 'ansible.cfg:2 (remote_user)'));
      expect(result.stdout).toMatch(row('key', lab.clientKey, 'ansible.cfg:3 (private_key_file)'));
      expect(result.stdout).not.toMatch(/changed|unchanged|unreachable/);
    }
  });

  it('an address nothing listens on is listed, not connected to', async () => {
    writeFileSync(join(work, 'nowhere.ini'), '[void]\nv1 ansible_host=127.0.9.1 ansible_port=2\n');
    const result = await run('check', 'policy.yml', '-i', 'nowhere.ini', '--list-hosts', '--no-progress');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(row('address', '127.0.9.1', 'nowhere.ini:2 (ansible_host)'));
    expect(result.stdout).toMatch(row('port', '2', 'nowhere.ini:2 (ansible_port)'));
    // -i again adds a source, as with Ansible.
    const both = await run('plan', 'policy.yml', '-i', 'inv', '-i', 'nowhere.ini', '--list-hosts', '--no-progress');
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toContain('hosts (4):');
  });
});

describe('refused by name', () => {
  it('a plugin config, with the command that makes it static (exit 1)', async () => {
    const result = await run('check', 'policy.yml', '-i', 'aws_ec2.yml', '--no-progress');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('aws_ec2.yml: is a config of the inventory plugin amazon.aws.aws_ec2, which fleet does not run; make it static with: ansible-inventory -i aws_ec2.yml --list > inventory.json');
  });
});
