/** The CLI as a user meets it: exit codes and messages for validate and for bad input. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleet } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-cli-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('fleet validate', () => {
  it('accepts the shipped playbook with the example inventory (exit 0) and explains the numbers', async () => {
    const run = await fleet(['validate', 'playbooks/keepalive.yml', '-i', 'inventory.example.yml']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('298 s × 50 = 4h08m');
    expect(run.stdout).toMatch(/valid, \d+ hosts selected/);
  });

  it('names file, line, column and key for each mistake (exit 1)', async () => {
    const policy = file('bad.yml', 'sshd:\n  ClientAliveIntervall: 30\n  ClientAliveCountMax: "3\\nPermitRootLogin yes"\n');
    const run = await fleet(['validate', policy, '-i', 'inventory.example.yml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${policy}:2:3: sshd.ClientAliveIntervall is not a known directive (did you mean ClientAliveInterval?)`);
    expect(run.stderr).toMatch(new RegExp(`${policy.replaceAll('.', '\\.')}:3:\\d+: sshd\\.ClientAliveCountMax`));
  });

  it('reports a YAML syntax error with its position', async () => {
    const policy = file('syntax.yml', 'sshd:\n  ClientAliveInterval: [1,\n');
    const run = await fleet(['validate', policy, '-i', 'inventory.example.yml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^${policy.replaceAll('.', '\\.')}:\\d+:\\d+: `, 'm'));
  });
});

describe('run commands refuse bad input before connecting anywhere', () => {
  it('a missing inventory file is named (exit 1)', async () => {
    const policy = file('p1.yml', `inventory: ${join(dir, 'nope.yml')}\nsshd:\n  ClientAliveInterval: 60\n`);
    const run = await fleet(['plan', policy, '--no-progress']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${join(dir, 'nope.yml')}: cannot read the inventory: no such file`);
  });

  it('a policy that selects no host is an error (exit 1)', async () => {
    const inventory = file('inv.yml', 'all:\n  hosts:\n    web1:\n      address: 127.0.0.1\n');
    const policy = file('p2.yml', `inventory: ${inventory}\nhosts: db*\nsshd:\n  ClientAliveInterval: 60\n`);
    const run = await fleet(['apply', policy, '--no-progress']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/selects no host/);
  });

  it('--help lists the commands; an unknown flag is exit 1', async () => {
    const help = await fleet(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['validate', 'plan', 'apply', 'check']) expect(help.stdout).toContain(c);
    const bad = await fleet(['plan', 'x.yml', '--no-such-flag']);
    expect(bad.code).toBe(1);
  });
});
