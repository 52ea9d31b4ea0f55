/**
 * README's "Coming from Ansible" shows real output: the --list-hosts of examples/ansible must
 * be what the CLI prints today, and what ansible-inventory resolves for that project.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readInventory, readPolicy } from '../../../src/cli/inputs.js';
import { fleet } from '../../helpers/cli.js';

const project = fileURLToPath(new URL('../../../examples/ansible/', import.meta.url));
const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const env = { HOME: '/home/ops', USER: 'ops', ANSIBLE_CONFIG: '' };

describe('examples/ansible', () => {
  it("README's --list-hosts block is the CLI's output", async () => {
    const block = /\$ cd examples\/ansible && fleet validate keepalive\.yml --list-hosts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has the block').toBeDefined();
    const run = await fleet(['validate', 'keepalive.yml', '--list-hosts'], { cwd: project, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(block);
  });

  it('fleet resolves the hosts, addresses, ports and users ansible-inventory resolves, with the cfg in the working folder', async () => {
    const ansible = spawnSync('ansible-inventory', ['--list'], { cwd: project, encoding: 'utf8', env: { PATH: process.env['PATH'], ...env } });
    expect(ansible.status, ansible.stderr).toBe(0);
    const hostvars = (JSON.parse(ansible.stdout) as { _meta: { hostvars: Record<string, Record<string, unknown>> } })._meta.hostvars;
    const read = await readPolicy(join(project, 'keepalive.yml'));
    const { inventory } = await readInventory(read, undefined, { user: 'ops', home: '/home/ops', env: {}, cwd: project });
    for (const [name, vars] of Object.entries(hostvars)) {
      const host = inventory.hosts.get(name)!;
      expect(host.address, name).toBe(vars['ansible_host'] ?? name);
      expect(host.port, name).toBe(Number(vars['ansible_port'] ?? 22));
      // No ansible_user: Ansible falls back to remote_user, as fleet does.
      expect(host.user, name).toBe(vars['ansible_user'] ?? 'deploy');
    }
    expect([...inventory.hosts.keys()].sort()).toEqual(Object.keys(hostvars).sort());
  });
});
