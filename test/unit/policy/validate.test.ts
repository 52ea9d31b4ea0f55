import { describe, expect, test } from 'vitest';
import { validateFiles } from '../../../src/cli/validate.js';
import { formatDiagnostic } from '../../../src/core/errors.js';

const dir = 'test/fixtures/inputs';
const env = { user: 'operator' };
const lines = (result: Awaited<ReturnType<typeof validateFiles>>): string[] => result.diagnostics.map(formatDiagnostic);

describe('fleet validate', () => {
  test('a valid policy and inventory: ok, host count, warnings and advice', async () => {
    const result = await validateFiles(`${dir}/valid/policy.yml`, undefined, env);
    expect(result.ok).toBe(true);
    expect(result.hosts).toBe(4);
    expect(lines(result)).toEqual([
      'test/fixtures/inputs/valid/inventory.yml:12:11: warning: all.children.db.hosts["db1.example.com"].adress is not a var fleet reads (did you mean address?); it is ignored',
    ]);
    expect(result.advice.map((a) => a.message)).toContain(
      'sshd: an unresponsive client is disconnected after about 298 s × 50 = 4h08m (ClientAliveInterval × ClientAliveCountMax)',
    );
  });

  test('-i overrides the policy inventory', async () => {
    const result = await validateFiles(`${dir}/broken/no-inventory.yml`, `${dir}/valid/inventory.yml`, env);
    expect(result).toMatchObject({ ok: true, hosts: 4 });
  });

  test('a pattern that selects no host is an error at the hosts value', async () => {
    const result = await validateFiles(`${dir}/nomatch/policy.yml`, undefined, env);
    expect(result.ok).toBe(false);
    expect(result.hosts).toBe(0);
    expect(lines(result)).toContainEqual(
      'test/fixtures/inputs/nomatch/policy.yml:2:8: hosts: pattern "web:&db" selects no host of test/fixtures/inputs/valid/inventory.yml',
    );
  });

  test('a policy mistake is positioned; advice is empty', async () => {
    const result = await validateFiles(`${dir}/broken/policy.yml`, undefined, env);
    expect(result.ok).toBe(false);
    expect(lines(result)).toEqual([
      'test/fixtures/inputs/broken/policy.yml:3:3: sshd.ClientAliveIntervall is not a known directive (did you mean ClientAliveInterval?)',
    ]);
  });

  test('sshd keywords are checked against the keyword table: unknown (did-you-mean), enumeration words, types', async () => {
    const result = await validateFiles(`${dir}/broken/keywords.yml`, undefined, env);
    expect(result.ok).toBe(false);
    expect(lines(result)).toEqual([
      'test/fixtures/inputs/broken/keywords.yml:3:3: sshd.PermitRootLogn is not a known directive (did you mean PermitRootLogin?)',
      'test/fixtures/inputs/broken/keywords.yml:4:20: sshd.PermitRootLogin must be one of: yes, prohibit-password, without-password, forced-commands-only, no',
      'test/fixtures/inputs/broken/keywords.yml:6:19: sshd.LoginGraceTime takes one value, not a list',
    ]);
  });

  test('an inventory mistake is positioned; advice is still given', async () => {
    const result = await validateFiles(`${dir}/broken/good-policy.yml`, undefined, env);
    expect(result.ok).toBe(false);
    expect(lines(result)).toEqual(['test/fixtures/inputs/broken/inventory.yml:4:21: all.hosts.web1.ansible_port must be a port number from 1 to 65535']);
    expect(result.advice.length).toBeGreaterThan(0);
  });

  test('missing files are diagnostics naming the file', async () => {
    const noPolicy = await validateFiles(`${dir}/nope.yml`, undefined, env);
    expect(noPolicy.ok).toBe(false);
    expect(lines(noPolicy)).toEqual(['test/fixtures/inputs/nope.yml: cannot read the policy: no such file']);

    const noInventory = await validateFiles(`${dir}/broken/missing-inventory.yml`, undefined, env);
    expect(lines(noInventory)).toEqual(['test/fixtures/inputs/broken/does-not-exist.yml: cannot read the inventory: no such file']);

    const explicit = await validateFiles(`${dir}/valid/policy.yml`, `${dir}/missing.yml`, env);
    expect(lines(explicit)).toEqual(['test/fixtures/inputs/missing.yml: cannot read the inventory: no such file']);

    const directory = await validateFiles(dir, undefined, env);
    expect(lines(directory)).toEqual(['test/fixtures/inputs: cannot read the policy: is a directory']);
  });

  test('a policy naming no inventory, without -i', async () => {
    const result = await validateFiles(`${dir}/broken/no-inventory.yml`, undefined, env);
    expect(lines(result)).toEqual([
      'test/fixtures/inputs/broken/no-inventory.yml: names no inventory: add inventory: to the policy, pass -i INVENTORY, or set inventory in ansible.cfg',
    ]);
  });

  test('the shipped playbook validates against the example inventory', async () => {
    const result = await validateFiles('playbooks/keepalive.yml', 'inventory.example.yml', env);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.hosts).toBe(9);
  });
});
