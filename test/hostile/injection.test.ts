/**
 * Policies and inventories that try to inject, through the real CLI (`fleet validate` and
 * `fleet plan`): newlines, CR, `#`, quotes, `$(…)`, backticks, `;`, `&&`, `|` in every value
 * fleet reads. Each is refused with exit 1 and a `file:line:col:` diagnostic naming the key,
 * before anything runs: no payload's canary file appears, and a tripwire listener that every
 * host points at sees no connection. A control run proves the tripwire would see one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { fleet, type CliRun } from '../helpers/cli.js';
import { Canaries, literal, Tripwire, writeYaml } from './support/inputs.js';
import { checkedReport } from '../helpers/report-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-injection-'));
const canaries = new Canaries(join(dir, 'canaries'));
const wire = new Tripwire();
const key = join(dir, 'id_ed25519');
let inventoryOk = '';

beforeAll(async () => {
  await wire.open();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  inventoryOk = writeYaml(dir, 'ok.inventory.yml', { all: { hosts: { web1: goodHost() } } });
});
afterAll(async () => {
  await wire.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  expect(canaries.fired(), 'a payload ran').toEqual([]);
});

function goodHost(): Record<string, unknown> {
  return { address: '127.0.0.1', port: wire.port, user: 'root', identity_file: key };
}

const SSHD_OK = { ClientAliveInterval: 240, ClientAliveCountMax: 3 };
const RUN_FLAGS = ['--known-hosts', join(dir, 'known_hosts'), '--no-progress', '--timeout', '2'];

/** What a refusal must name: the dotted path the message starts with, and text on the line it points at. */
interface Named {
  path: string;
  onLine: string;
}

/** Runs `validate` and `plan` on a policy; both must refuse, naming every key, connecting nowhere. */
async function expectRefused(policy: string, named: readonly Named[], extra: string[] = []): Promise<CliRun[]> {
  const before = wire.connections;
  const runs = await Promise.all([fleet(['validate', policy, ...extra]), fleet(['plan', policy, ...RUN_FLAGS, ...extra])]);
  for (const [i, run] of runs.entries()) {
    const what = `fleet ${i === 0 ? 'validate' : 'plan'}:\n${run.stderr}`;
    expect(run.code, what).toBe(1);
    for (const { path, onLine } of named) {
      const m = new RegExp(`^(/[^:\\n]+):(\\d+):(\\d+): (?:warning: )?${literal(path)}(?=[\\s:]|$)`, 'm').exec(run.stderr);
      expect(m, `${what}\nno file:line:col: diagnostic for ${path}`).not.toBeNull();
      const [, file, line] = m!;
      const text = readFileSync(file!, 'utf8').split('\n')[Number(line) - 1] ?? '';
      expect(text, `${path} points at line ${line} of ${file}`).toContain(onLine);
    }
  }
  expect(wire.connections - before, 'a refused input connected to a host').toBe(0);
  return runs;
}

test('control: valid input passes validate, and plan really connects (the tripwire works)', async () => {
  const policy = writeYaml(dir, 'control.yml', { inventory: inventoryOk, sshd: SSHD_OK });
  const before = wire.connections;
  const [validate, plan] = await Promise.all([fleet(['validate', policy]), fleet(['plan', policy, ...RUN_FLAGS])]);
  expect(validate.code, validate.stderr).toBe(0);
  expect(plan.code).toBe(1); // the tripwire is no sshd
  expect(wire.connections - before).toBeGreaterThan(0);
});

describe('policy values', () => {
  test.each(canaries.payloads('policy').map((p, i) => [i, p] as const))('payload %i in every sshd and client directive and client user', async (_i, payload) => {
    const policy = writeYaml(dir, 'policy.yml', {
      inventory: inventoryOk,
      sshd: {
        ClientAliveInterval: payload,
        ClientAliveCountMax: payload,
        TCPKeepAlive: payload,
        // One keyword of each other value type that reads one argument or a fixed syntax.
        Banner: payload,
        PermitRootLogin: payload,
        Ciphers: payload,
        MaxStartups: payload,
        AcceptEnv: { present: [payload] },
      },
      client: { users: [payload], ServerAliveInterval: payload, ServerAliveCountMax: payload, TCPKeepAlive: payload },
    });
    await expectRefused(policy, [
      { path: 'sshd.ClientAliveInterval', onLine: 'ClientAliveInterval' },
      { path: 'sshd.ClientAliveCountMax', onLine: 'ClientAliveCountMax' },
      { path: 'sshd.TCPKeepAlive', onLine: 'TCPKeepAlive' },
      { path: 'sshd.Banner', onLine: 'Banner' },
      { path: 'sshd.PermitRootLogin', onLine: 'PermitRootLogin' },
      { path: 'sshd.Ciphers', onLine: 'Ciphers' },
      { path: 'sshd.MaxStartups', onLine: 'MaxStartups' },
      { path: 'sshd.AcceptEnv.present[0]', onLine: '- ' },
      { path: 'client.users[0]', onLine: '- ' },
      { path: 'client.ServerAliveInterval', onLine: 'ServerAliveInterval' },
      { path: 'client.ServerAliveCountMax', onLine: 'ServerAliveCountMax' },
      { path: 'client.TCPKeepAlive', onLine: 'TCPKeepAlive' },
    ]);
  });

  test('payloads as the hosts pattern', async () => {
    for (const payload of canaries.payloads('hosts').slice(0, 4)) {
      const policy = writeYaml(dir, 'hosts.yml', { inventory: inventoryOk, hosts: payload, sshd: SSHD_OK });
      // A pattern with shell characters is still a pattern: it selects no host, and must say where.
      // Fails today for `fleet plan`: src/cli/load.ts reports "selects no host" at line 0
      // (`policy.yml: the host pattern …`), where `fleet validate` points at `hosts:`.
      await expectRefused(policy, [{ path: 'hosts', onLine: 'hosts:' }]);
    }
  });
});

describe('inventory values', () => {
  const FIELDS = [
    'address', 'ansible_host', 'ansible_ssh_host', 'port', 'ansible_port', 'ansible_ssh_port', 'user', 'ansible_user',
    'ansible_ssh_user', 'identity_file', 'ansible_ssh_private_key_file', 'ansible_private_key_file', 'become',
    'ansible_become', 'jump', 'sshd_config_path', 'sshd_binary',
  ];

  test('every payload in every connection var of a host', async () => {
    const payloads = canaries.payloads('hostvar');
    const hosts = Object.fromEntries(payloads.map((p, i) => [`h${i}`, Object.fromEntries(FIELDS.map((f) => [f, p]))]));
    const inventory = writeYaml(dir, 'hostvars.inventory.yml', { all: { hosts } });
    const policy = writeYaml(dir, 'hostvars.yml', { inventory, sshd: SSHD_OK });
    await expectRefused(policy, payloads.flatMap((_p, i) => FIELDS.map((f) => ({ path: `all.hosts.h${i}.${f}`, onLine: `${f}:` }))));
  });

  test('every payload in every connection var of a group', async () => {
    const payloads = canaries.payloads('groupvar');
    const children = Object.fromEntries(payloads.map((p, i) => [`g${i}`, { hosts: { [`h${i}`]: goodHost() }, vars: Object.fromEntries(FIELDS.map((f) => [f, p])) }]));
    const inventory = writeYaml(dir, 'groupvars.inventory.yml', { all: { children } });
    const policy = writeYaml(dir, 'groupvars.yml', { inventory, sshd: SSHD_OK });
    await expectRefused(policy, payloads.flatMap((_p, i) => FIELDS.map((f) => ({ path: `all.children.g${i}.vars.${f}`, onLine: `${f}:` }))));
  });

  test('host names, group names and child group names with shell characters', async () => {
    const names = [...canaries.payloads('name'), ...canaries.compactPayloads('name')];
    const hosts = Object.fromEntries(names.map((n) => [n, goodHost()]));
    const children = Object.fromEntries(names.map((n, i) => [n, { hosts: { [`c${i}`]: goodHost() } }]));
    const inventory = writeYaml(dir, 'names.inventory.yml', { all: { hosts, children } });
    const policy = writeYaml(dir, 'names.yml', { inventory, sshd: SSHD_OK });
    const runs = await expectRefused(policy, []);
    for (const run of runs) {
      for (const n of names) {
        // formatPath writes such keys as JSON strings: all.hosts["x;id"]
        for (const path of [`all.hosts[${JSON.stringify(n)}]`, `all.children[${JSON.stringify(n)}]`]) {
          expect(run.stderr, `no diagnostic for ${path}`).toMatch(new RegExp(`^/[^:\\n]+:\\d+:\\d+: ${literal(path)}`, 'm'));
        }
      }
    }
  });

  test('sshd_reload_command is a trusted command line, but never more than one line', async () => {
    const payloads = canaries.payloads('reload').filter((p) => /[\n\r]/.test(p));
    const hosts = Object.fromEntries(payloads.map((p, i) => [`h${i}`, { ...goodHost(), sshd_reload_command: `kill -HUP 1${p}` }]));
    const inventory = writeYaml(dir, 'reload.inventory.yml', { all: { hosts } });
    const policy = writeYaml(dir, 'reload.yml', { inventory, sshd: SSHD_OK });
    await expectRefused(policy, payloads.map((_p, i) => ({ path: `all.hosts.h${i}.sshd_reload_command`, onLine: 'sshd_reload_command:' })));
  });
});

describe('command-line values never reach a shell', () => {
  test('a --limit pattern with shell characters selects hosts as a pattern, and runs nothing', async () => {
    const policy = writeYaml(dir, 'limit.yml', { inventory: inventoryOk, sshd: SSHD_OK });
    for (const payload of canaries.payloads('limit').slice(0, 3)) {
      const nothing = await fleet(['plan', policy, ...RUN_FLAGS, '--limit', payload]);
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).toMatch(/selects no host/);
      // Joined to a real host the pattern selects it; the rest of the pattern stays inert text.
      const some = await fleet(['plan', policy, ...RUN_FLAGS, '--format', 'json', '--limit', `web1,${payload}`]);
      expect(checkedReport(JSON.parse(some.stdout)).hosts.map((h: { name: string }) => h.name)).toEqual(['web1']);
    }
  });

  test('--user with shell characters is refused before connecting, like the inventory user', async () => {
    const policy = writeYaml(dir, 'user.yml', { inventory: inventoryOk, sshd: SSHD_OK });
    const [payload] = canaries.payloads('user');
    const before = wire.connections;
    const run = await fleet(['plan', policy, ...RUN_FLAGS, '--user', payload!]);
    expect(run.code).toBe(1);
    // Fails today: --user overrides the inventory's user without the inventory's check
    // (src/cli/load.ts); the value only reaches ssh2's user name field, but it is never refused.
    expect(wire.connections - before, `fleet connected as ${JSON.stringify(payload)}:\n${run.stdout}${run.stderr}`).toBe(0);
  });
});
