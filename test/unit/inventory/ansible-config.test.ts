/**
 * ansible.cfg and ANSIBLE_* as Ansible reads them: which file wins, what its keys mean, paths
 * relative to the file, the environment over the file, and nothing that relaxes host-key checks.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ansibleSettings } from '../../../src/core/inventory/ansible-config.js';
import { findAnsibleConfig } from '../../../src/cli/ansible-files.js';
import { readInventory, readPolicy } from '../../../src/cli/inputs.js';
import { loadRun } from '../../../src/cli/load.js';

const cfg = (text: string, path = '/etc/fleet-test/ansible.cfg') => ({ path, display: 'ansible.cfg', text });

describe('ansibleSettings', () => {
  test('[defaults] inventory, remote_user, private_key_file, forks, with paths relative to the file and origins at file:line', () => {
    const settings = ansibleSettings({
      config: cfg('# comment\n[defaults]\ninventory = inventory/, ../more.ini\nremote_user: deploy ; inline comment\nprivate_key_file = keys/fleet\nforks = 20\n[ssh_connection]\npipelining = True\n'),
      env: {},
      cwd: '/work',
      home: '/home/op',
    });
    expect(settings.diagnostics).toEqual([]);
    expect(settings.inventory).toEqual({ value: ['/etc/fleet-test/inventory', '/etc/more.ini'], origin: 'ansible.cfg:3 (inventory)' });
    expect(settings.remoteUser).toEqual({ value: 'deploy', origin: 'ansible.cfg:4 (remote_user)' });
    expect(settings.privateKeyFile).toEqual({ value: '/etc/fleet-test/keys/fleet', origin: 'ansible.cfg:5 (private_key_file)' });
    expect(settings.forks).toEqual({ value: 20, origin: 'ansible.cfg:6 (forks)' });
  });

  test('ANSIBLE_INVENTORY, ANSIBLE_REMOTE_USER, ANSIBLE_PRIVATE_KEY_FILE win over the file; their paths are relative to the working folder; ~ is the home', () => {
    const settings = ansibleSettings({
      config: cfg('[defaults]\ninventory = a\nremote_user = deploy\nprivate_key_file = k\n'),
      env: { ANSIBLE_INVENTORY: 'x.yml,y', ANSIBLE_REMOTE_USER: 'ops', ANSIBLE_PRIVATE_KEY_FILE: '~/.ssh/ops' },
      cwd: '/work',
      home: '/home/op',
    });
    expect(settings.inventory).toEqual({ value: ['/work/x.yml', '/work/y'], origin: 'ANSIBLE_INVENTORY' });
    expect(settings.remoteUser).toEqual({ value: 'ops', origin: 'ANSIBLE_REMOTE_USER' });
    expect(settings.privateKeyFile).toEqual({ value: '/home/op/.ssh/ops', origin: 'ANSIBLE_PRIVATE_KEY_FILE' });
  });

  test('host_key_checking = False is a warning that fleet checks host keys anyway, never a setting', () => {
    const fromFile = ansibleSettings({ config: cfg('[defaults]\nhost_key_checking = False\n'), env: {}, cwd: '/w' });
    expect(fromFile.diagnostics).toEqual([expect.objectContaining({ file: 'ansible.cfg', line: 2, severity: 'warning', message: expect.stringMatching(/fleet ignores: it always checks host keys/) })]);
    const fromEnv = ansibleSettings({ env: { ANSIBLE_HOST_KEY_CHECKING: 'false' }, cwd: '/w' });
    expect(fromEnv.diagnostics).toEqual([expect.objectContaining({ file: 'ANSIBLE_HOST_KEY_CHECKING', severity: 'warning' })]);
    expect(ansibleSettings({ config: cfg('[defaults]\nhost_key_checking = True\n'), env: {}, cwd: '/w' }).diagnostics).toEqual([]);
  });

  test('a bad remote_user, private_key_file or forks is an error at file:line; a key set twice too', () => {
    const bad = ansibleSettings({ config: cfg('[defaults]\nremote_user = a;b\nprivate_key_file = /k k\nforks = 0\n'), env: {}, cwd: '/w' });
    expect(bad.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([
      'ansible.cfg:2: remote_user "a;b" is not a user name',
      'ansible.cfg:3: private_key_file "/k k" must be a path of letters, digits and ._+@%,:=/- only',
      'ansible.cfg:4: forks "0" must be a whole number of at least 1',
    ]);
    const twice = ansibleSettings({ config: cfg('[defaults]\nforks = 1\nforks = 2\n'), env: {}, cwd: '/w' });
    expect(twice.diagnostics[0]).toMatchObject({ line: 3, message: expect.stringContaining('set twice') });
  });
});

describe("which ansible.cfg: Ansible's search order", () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-cfg-'));
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  const other = join(dir, 'other');
  for (const d of [home, work, other]) mkdirSync(d, { recursive: true });
  writeFileSync(join(home, '.ansible.cfg'), '[defaults]\nremote_user = from-home\n');
  writeFileSync(join(work, 'ansible.cfg'), '[defaults]\nremote_user = from-cwd\n');
  writeFileSync(join(other, 'ansible.cfg'), '[defaults]\nremote_user = from-env\n');

  test('ANSIBLE_CONFIG (a file or a folder), then ./ansible.cfg, then ~/.ansible.cfg', async () => {
    expect((await findAnsibleConfig({ ANSIBLE_CONFIG: join(other, 'ansible.cfg') }, work, home))?.path).toBe(join(other, 'ansible.cfg'));
    expect((await findAnsibleConfig({ ANSIBLE_CONFIG: other }, work, home))?.path).toBe(join(other, 'ansible.cfg'));
    expect((await findAnsibleConfig({}, work, home))?.path).toBe(join(work, 'ansible.cfg'));
    expect((await findAnsibleConfig({}, dir, home))?.path).toBe(join(home, '.ansible.cfg'));
  });

  test('./ansible.cfg in a world-writable folder is skipped, as Ansible skips it', async () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    writeFileSync(join(open, 'ansible.cfg'), '[defaults]\nremote_user = planted\n');
    chmodSync(open, 0o777);
    expect((await findAnsibleConfig({}, open, home))?.path).toBe(join(home, '.ansible.cfg'));
  });

  test("the cfg's inventory is found relative to the cfg, used when neither -i nor the policy names one, and reaches the same hosts as ansible-inventory", async () => {
    mkdirSync(join(other, 'inv'));
    writeFileSync(join(other, 'ansible.cfg'), '[defaults]\ninventory = inv\nremote_user = cfg-user\nprivate_key_file = keys/id\n');
    writeFileSync(join(other, 'inv', 'hosts'), '[web]\nw1 ansible_user=own-user\nw2\n');
    const policy = join(work, 'policy.yml');
    writeFileSync(policy, 'hosts: all\nsshd:\n  ClientAliveInterval: 60\n');
    const env = { ANSIBLE_CONFIG: join(other, 'ansible.cfg') };
    const { inventory } = await readInventory(await readPolicy(policy), undefined, { user: 'operator', env, cwd: work, home });
    const ansible = spawnSync('ansible-inventory', ['--list'], { cwd: work, encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: home, ...env } });
    expect(ansible.status, ansible.stderr).toBe(0);
    const listed = JSON.parse(ansible.stdout) as { web: { hosts: string[] } };
    expect([...inventory.hosts.keys()]).toEqual(listed.web.hosts);
    expect(inventory.hosts.get('w1')).toMatchObject({ user: 'own-user', identityFile: join(other, 'keys/id'), origins: { user: expect.stringMatching(/hosts:2 \(ansible_user\)$/), identityFile: expect.stringMatching(/ansible\.cfg:4 \(private_key_file\)$/) } });
    expect(inventory.hosts.get('w2')).toMatchObject({ user: 'cfg-user', origins: { user: expect.stringMatching(/ansible\.cfg:3 \(remote_user\)$/) } });
    // ANSIBLE_INVENTORY (relative to the working folder) wins over the cfg's; -i and the policy's inventory: over both.
    writeFileSync(join(work, 'mine.yml'), 'all:\n  hosts:\n    mine1:\n');
    writeFileSync(join(work, 'env.ini'), 'env1\n');
    const fromEnv = await readInventory(await readPolicy(policy), undefined, { user: 'operator', env: { ...env, ANSIBLE_INVENTORY: 'env.ini' }, cwd: work, home });
    expect([...fromEnv.inventory.hosts.keys()]).toEqual(['env1']);
    const flagged = await readInventory(await readPolicy(policy), [join(work, 'mine.yml')], { user: 'operator', env, cwd: work, home });
    expect([...flagged.inventory.hosts.keys()]).toEqual(['mine1']);
    writeFileSync(policy, 'inventory: mine.yml\nhosts: all\nsshd:\n  ClientAliveInterval: 60\n');
    const named = await readInventory(await readPolicy(policy), undefined, { user: 'operator', env, cwd: work, home });
    expect([...named.inventory.hosts.keys()]).toEqual(['mine1']);
  });

  test("forks: --forks, else the policy's rollout.forks, else ansible.cfg's forks, else 50; --user and --identity name themselves as origins", async () => {
    const here = join(dir, 'forks');
    mkdirSync(here);
    writeFileSync(join(here, 'ansible.cfg'), '[defaults]\nforks = 7\n');
    writeFileSync(join(here, 'inv.yml'), 'all:\n  hosts:\n    h1:\n');
    writeFileSync(join(here, 'p.yml'), 'inventory: inv.yml\nhosts: all\nsshd:\n  ClientAliveInterval: 60\n');
    writeFileSync(join(here, 'p-forks.yml'), 'inventory: inv.yml\nhosts: all\nrollout:\n  forks: 3\nsshd:\n  ClientAliveInterval: 60\n');
    const where = { env: {}, cwd: here, home };
    expect((await loadRun(join(here, 'p.yml'), {}, 'op', where)).forks).toBe(7);
    expect((await loadRun(join(here, 'p-forks.yml'), {}, 'op', where)).forks).toBe(3);
    expect((await loadRun(join(here, 'p.yml'), {}, 'op', { env: {}, cwd: dir, home: dir })).forks).toBe(50);
    const flagged = await loadRun(join(here, 'p.yml'), { user: 'root', identity: '/k/id' }, 'op', where);
    expect(flagged.hosts[0]!.origins).toMatchObject({ user: '--user', identityFile: '--identity' });
  });
});
