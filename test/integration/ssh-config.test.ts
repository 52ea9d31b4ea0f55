/**
 * The controller's ~/.ssh/config and default keys against real sshd hosts: `fleet check`
 * reaches a Host alias and logs in with a default ~/.ssh/id_ed25519 (no agent) as `ssh` would;
 * ProxyJump through two hops, UserKnownHostsFile and HostKeyAlias from ssh_config; every
 * failure to log in names the user, keys, address and port tried and where each came from.
 * Each test has its own temp HOME: the machine's ~/.ssh is never read.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSshConfig, sshEnvironment } from '../../src/cli/ssh-config.js';
import type { HostSpec } from '../../src/core/inventory/index.js';
import { applySshConfig } from '../../src/core/sshconfig/index.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { Connector } from '../../src/transport/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';

let lab: Lab;
let tmp: string;
const host = (i: number) => lab.hosts[i]!;

beforeAll(async () => {
  lab = await startLab({ count: 3, shapes: ['debian12'], namePrefix: 'cfg' });
  tmp = mkdtempSync(join(tmpdir(), 'fleet-sshconfig-'));
}, 180_000);

afterAll(async () => {
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

let homes = 0;
/** A fresh HOME with ~/.ssh (0700) and the given files (0600) in it. */
function makeHome(files: Record<string, string | { copyOf: string }>): string {
  const home = join(tmp, `home${++homes}`);
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  for (const [name, content] of Object.entries(files)) {
    const path = join(home, '.ssh', name);
    if (typeof content === 'string') writeFileSync(path, content, { mode: 0o600 });
    else copyFileSync(content.copyOf, path);
    chmodSync(path, 0o600);
  }
  return home;
}

/** A policy and inventory in their own folder. */
function policyWith(inventory: string): string {
  const dir = mkdtempSync(join(tmp, 'run-'));
  writeFileSync(join(dir, 'inventory.yml'), inventory);
  const policy = join(dir, 'policy.yml');
  writeFileSync(policy, 'inventory: inventory.yml\nsshd:\n  ClientAliveInterval: 298\n');
  return policy;
}

/** No agent: SSH_AUTH_SOCK is dropped from the environment. */
const noAgent = (home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extra };
  delete env['SSH_AUTH_SOCK'];
  return env;
};

/** What the real ssh makes of the same config file: where it connects, and whether it logs in. */
function realSsh(config: string, alias: string): { hostname: string; loggedIn: boolean } {
  const g = execFileSync('ssh', ['-G', '-F', config, alias], { encoding: 'utf8' });
  const hostname = /^hostname (.*)$/m.exec(g)?.[1] ?? '';
  const login = spawnSync('ssh', ['-F', config, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', alias, 'true'], {
    env: { PATH: process.env['PATH'] },
    encoding: 'utf8',
  });
  return { hostname, loggedIn: login.status === 0 };
}

describe('fleet check reaches hosts as ssh would through the controller ~/.ssh', () => {
  it('a Host alias of ~/.ssh/config: HostName, User and IdentityFile come from it', async () => {
    const config = `Host web\n  HostName ${host(0).address}\n  User root\n  IdentityFile ${lab.clientKey}\n`;
    const home = makeHome({ config });
    const policy = policyWith('all:\n  hosts:\n    web:\n');
    const run = await fleet(['check', policy, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress'], { env: noAgent(home) });
    const report = jsonReport(run);
    expect(report.hosts[0]?.error, run.stderr).toBeNull();
    expect(report.hosts[0]).toMatchObject({ name: 'web', address: host(0).address });
    expect([0, 2]).toContain(run.code);
    // The real ssh, given the same file, goes to the same address and logs in too.
    expect(realSsh(join(home, '.ssh', 'config'), 'web')).toEqual({ hostname: host(0).address, loggedIn: true });
  });

  it('no key named and no agent: the default ~/.ssh/id_ed25519 logs in', async () => {
    const home = makeHome({ id_ed25519: { copyOf: lab.clientKey } });
    const policy = policyWith(`all:\n  hosts:\n    plain:\n      address: ${host(1).address}\n      user: root\n`);
    const run = await fleet(['check', policy, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress'], { env: noAgent(home) });
    const report = jsonReport(run);
    expect(report.hosts[0]?.error, run.stderr).toBeNull();
    expect([0, 2]).toContain(run.code);
  });

  it('an encrypted default key is used with FLEET_KEY_PASSPHRASE; without it the failure names the key and the variable', async () => {
    const secret = 'default key passphrase';
    const key = join(tmp, 'encrypted_default');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', secret, '-C', 'encrypted-default', '-f', key]);
    const pub = readFileSync(`${key}.pub`, 'utf8').trim();
    expect((await lab.exec(host(2), `printf '%s\\n' '${pub}' >> /root/.ssh/authorized_keys`)).code).toBe(0);
    const home = makeHome({ id_ecdsa: { copyOf: key } });
    const policy = policyWith(`all:\n  hosts:\n    locked:\n      address: ${host(2).address}\n      user: root\n`);
    const args = ['check', policy, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress'];

    const withSecret = jsonReport(await fleet(args, { env: noAgent(home, { FLEET_KEY_PASSPHRASE: secret }) }));
    expect(withSecret.hosts[0]?.error).toBeNull();

    const without = await fleet(args, { env: noAgent(home) });
    const error = jsonReport(without).hosts[0]?.error;
    expect(error?.code).toBe('AUTH_FAILED');
    expect(error?.message).toContain(`${join(home, '.ssh', 'id_ecdsa')} (OpenSSH default identity; not offered: encrypted; set FLEET_KEY_PASSPHRASE)`);
    expect(without.stdout).not.toContain(secret);
  });

  it('a refused login names user, keys, address and port, each with its origin', async () => {
    const stranger = join(tmp, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const home = makeHome({ id_ed25519: { copyOf: stranger }, config: `Host box\n  HostName ${host(0).address}\n  Port 22\n` });
    const policy = policyWith('all:\n  hosts:\n    box:\n      user: root\n');
    const run = await fleet(['check', policy, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress'], { env: noAgent(home) });
    const error = jsonReport(run).hosts[0]?.error;
    expect(error?.code).toBe('AUTH_FAILED');
    expect(error?.message).toContain(
      `tried root@${host(0).address}:22 [user root from ${join(policy, '..', 'inventory.yml')}:4 (user); address ${host(0).address} from ~/.ssh/config:2; port 22 from ~/.ssh/config:3]; ` +
        `keys: ${join(home, '.ssh', 'id_ed25519')} (OpenSSH default identity); agent: no (SSH_AUTH_SOCK unset)`,
    );
  });

  it('a refused connection names the port ssh_config gave, and the key that would have been offered', async () => {
    const home = makeHome({ config: `Host *\n  Port 1\n  IdentityFile ${lab.clientKey}\n` });
    const policy = policyWith(`all:\n  hosts:\n    closed:\n      address: ${host(1).address}\n      user: root\n`);
    const run = await fleet(['check', policy, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress'], { env: noAgent(home) });
    const result = jsonReport(run).hosts[0];
    expect([result?.status, result?.error?.code]).toEqual(['unreachable', 'UNREACHABLE']);
    expect(result?.error?.message).toContain(
      `tried root@${host(1).address}:1 [user root from ${join(policy, '..', 'inventory.yml')}:5 (user); address ${host(1).address} from ${join(policy, '..', 'inventory.yml')}:4 (address); port 1 from ~/.ssh/config:2]; keys: ${lab.clientKey} (~/.ssh/config:3); agent: no (SSH_AUTH_SOCK unset)`,
    );
  });

  it('--ssh-config FILE is read instead of ~/.ssh/config, and none reads no file', async () => {
    const home = makeHome({ config: `Host web\n  HostName 127.0.0.254\n` });
    const file = join(tmp, 'other_config');
    writeFileSync(file, `Host web\n  HostName ${host(1).address}\n  User root\n  IdentityFile ${lab.clientKey}\n`, { mode: 0o600 });
    const policy = policyWith('all:\n  hosts:\n    web:\n');
    const base = ['check', policy, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress', '--timeout', '3'];
    const other = jsonReport(await fleet([...base, '--ssh-config', file], { env: noAgent(home) }));
    expect(other.hosts[0]).toMatchObject({ address: host(1).address, error: null });
    const none = jsonReport(await fleet([...base, '--ssh-config', 'none'], { env: noAgent(home) }));
    expect(none.hosts[0]?.address).toBe('web');
    expect(none.hosts[0]?.status).toBe('failed');
  });

  it('StrictHostKeyChecking no in ssh_config does not relax the host-key check: a warning, and HOSTKEY_UNKNOWN', async () => {
    const home = makeHome({ config: `Host *\n  StrictHostKeyChecking no\n  User root\n  IdentityFile ${lab.clientKey}\n` });
    const policy = policyWith(`all:\n  hosts:\n    h:\n      address: ${host(0).address}\n`);
    const empty = join(tmp, 'empty_known_hosts');
    writeFileSync(empty, '');
    const run = await fleet(['check', policy, '--known-hosts', empty, '--format', 'json', '--no-progress'], { env: noAgent(home) });
    expect(run.stderr).toContain('~/.ssh/config:2:1: warning: StrictHostKeyChecking no is ignored: fleet checks host keys anyway (only --accept-new trusts a new key)');
    expect(jsonReport(run).hosts[0]?.error?.code).toBe('HOSTKEY_UNKNOWN');
    expect(readFileSync(empty, 'utf8')).toBe('');
  });

  it('a config ssh would refuse stops the run before any connection, naming the line', async () => {
    const home = makeHome({ config: `Host *\n  Colour blue\n` });
    const policy = policyWith(`all:\n  hosts:\n    h:\n      address: ${host(0).address}\n`);
    const run = await fleet(['check', policy, '--known-hosts', lab.knownHosts, '--no-progress'], { env: noAgent(home) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('~/.ssh/config:2:1: Bad configuration option: Colour');
  });
});

describe('ssh_config jump hosts and known_hosts through the connector', () => {
  it('ProxyJump with two hops, each resolved through ssh_config; UserKnownHostsFile and HostKeyAlias decide the host key', async () => {
    // known_hosts under alias names only: the lookup must use HostKeyAlias, not the address.
    const aliasKnownHosts = join(tmp, 'alias_known_hosts');
    const lines = readFileSync(lab.knownHosts, 'utf8')
      .trim()
      .split('\n')
      .map((line, i) => line.replace(/^\S+/, `alias-${i}`));
    writeFileSync(aliasKnownHosts, `${lines.join('\n')}\n`);
    const config = `Host hop1
  HostName ${host(0).address}
  HostKeyAlias alias-0
Host hop2
  HostName ${host(1).address}
  HostKeyAlias alias-1
Host target
  HostName ${host(2).address}
  HostKeyAlias alias-2
  ProxyJump hop1,hop2
Host *
  User root
  IdentityFile ${lab.clientKey}
  UserKnownHostsFile ${aliasKnownHosts}
  GlobalKnownHostsFile none
`;
    const home = makeHome({ config });
    const env = sshEnvironment(home, userInfo().username);
    const set = await loadSshConfig(env);
    const inventoryHost: HostSpec = { name: 'target', address: 'target', port: 22, user: 'root', become: false, sshdConfigPath: '/etc/ssh/sshd_config', groups: [] };
    const resolved = applySshConfig(inventoryHost, set, env).host;
    expect(resolved.ssh?.jumps.map((j) => [j.name, j.address])).toEqual([
      ['hop1', host(0).address],
      ['hop2', host(1).address],
    ]);
    const connector = new Connector({ acceptNew: false, connectTimeoutMs: 10_000, commandTimeoutMs: 20_000 });
    try {
      const direct = (address: string) =>
        execFileSync('ss', ['-Htnp', 'state', 'established', 'dst', `${address}:22`], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => l.includes(`pid=${process.pid},`)).length;
      const t = await connector.connect(resolved);
      expect((await t.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout).toBe(readFileSync(join(host(2).etcSsh, 'ssh_host_ed25519_key.pub'), 'utf8'));
      expect(connector.stats.jumpConnections).toBe(2);
      // Only the first hop is reached from here; the second and the target through tunnels.
      expect(direct(host(0).address)).toBe(1);
      expect(direct(host(1).address)).toBe(0);
      expect(direct(host(2).address)).toBe(0);
      // The same known_hosts file without the aliases: the target's key is unknown.
      writeFileSync(aliasKnownHosts, `${lines.filter((l) => !l.startsWith('alias-2 ')).join('\n')}\n`);
      const fresh = new Connector({ acceptNew: false, connectTimeoutMs: 10_000, commandTimeoutMs: 20_000 });
      await expect(fresh.connect(resolved)).rejects.toMatchObject({ code: 'HOSTKEY_UNKNOWN', message: expect.stringContaining('looked up as alias-2, HostKeyAlias') });
      await fresh.closeAll();
    } finally {
      await connector.closeAll();
    }
  });
});
