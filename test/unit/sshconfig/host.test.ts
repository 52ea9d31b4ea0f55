/**
 * An inventory host through ssh_config (applySshConfig): inventory values win, ssh_config fills
 * the rest and says where each value came from, jump hops are resolved like hosts, OpenSSH's
 * default keys apply only when nothing names a key, and ProxyCommand is refused with its line.
 */
import { describe, expect, it } from 'vitest';
import type { HostSpec } from '../../../src/core/inventory/index.js';
import { applySshConfig, lexSshConfig, type SshConfigSet, type SshEnvironment } from '../../../src/core/sshconfig/index.js';

const env: SshEnvironment = { home: '/home/op', localUser: 'op', uid: 1000, hostname: 'ctl.example.com', env: {} };

function set(text: string): SshConfigSet {
  const path = '/home/op/.ssh/config';
  return { roots: [{ path, user: true, checkPermissions: true }], files: new Map([[path, { path, display: '~/.ssh/config', lines: lexSshConfig(text) }]]), globs: new Map() };
}

function inventoryHost(extra: Partial<HostSpec> = {}): HostSpec {
  return { name: 'web', address: 'web', port: 22, user: 'op', become: false, sshdConfigPath: '/etc/ssh/sshd_config', groups: [], ...extra };
}

const CONFIG = `Host web
  HostName 10.0.0.5
  User deploy
  Port 2222
  IdentityFile ~/.ssh/web_key
Host bastion
  HostName 10.0.0.1
  IdentityFile ~/.ssh/bastion_key
Host *
  UserKnownHostsFile ~/.ssh/known_hosts_fleet
`;

describe('applySshConfig', () => {
  it('an alias: HostName, User, Port and keys from ssh_config, each with its line as origin', () => {
    const { host } = applySshConfig(inventoryHost(), set(CONFIG), env);
    expect([host.address, host.user, host.port]).toEqual(['10.0.0.5', 'deploy', 2222]);
    expect(host.origins).toMatchObject({ address: '~/.ssh/config:2', user: '~/.ssh/config:3', port: '~/.ssh/config:4', identityFiles: '~/.ssh/config:5', userKnownHostsFiles: '~/.ssh/config:10' });
    expect(host.ssh?.identityFiles).toEqual([{ path: '/home/op/.ssh/web_key', origin: '~/.ssh/config:5', isDefault: false }]);
    expect(host.ssh?.userKnownHostsFiles).toEqual(['/home/op/.ssh/known_hosts_fleet']);
  });

  it('what the inventory sets wins; its address is the host argument, as with Ansible', () => {
    const origins = { user: 'inventory.yml:5', port: 'inventory.yml:6', identityFile: 'inventory.yml:7' };
    const { host } = applySshConfig(inventoryHost({ user: 'admin', port: 22, identityFile: '/keys/inv', origins }), set(CONFIG), env);
    expect([host.address, host.user, host.port]).toEqual(['10.0.0.5', 'admin', 22]);
    expect(host.origins).toMatchObject({ user: 'inventory.yml:5', port: 'inventory.yml:6', address: '~/.ssh/config:2' });
    // The inventory's key stays HostSpec.identityFile (offered first, strictly); ssh_config's follow.
    expect(host.identityFile).toBe('/keys/inv');
    expect(host.ssh?.identityFiles.map((k) => k.path)).toEqual(['/home/op/.ssh/web_key']);

    const byAddress = applySshConfig(inventoryHost({ name: 'web', address: '192.0.2.9', origins: { address: 'inventory.yml:4' } }), set(CONFIG), env).host;
    expect([byAddress.address, byAddress.user, byAddress.port]).toEqual(['192.0.2.9', 'op', 22]);
  });

  it("OpenSSH's default identities only when nothing names a key", () => {
    const none = applySshConfig(inventoryHost({ name: 'db', address: 'db' }), set(CONFIG), env).host;
    expect(none.ssh?.identityFiles.map((k) => [k.path, k.isDefault])).toEqual(
      ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((k) => [`/home/op/.ssh/${k}`, true]),
    );
    const withKey = applySshConfig(inventoryHost({ name: 'db', address: 'db', identityFile: '/keys/inv' }), set(CONFIG), env).host;
    expect(withKey.ssh?.identityFiles).toEqual([]);
  });

  it("the inventory's jump and ssh_config's ProxyJump hops are resolved through ssh_config, first hop first", () => {
    const inv = applySshConfig(inventoryHost({ jump: { user: 'ops', host: 'bastion', port: 2200 } }), set(CONFIG), env).host;
    expect(inv.ssh?.jumps.map((j) => [j.name, j.address, j.port, j.user, j.identityFiles.map((k) => k.path)])).toEqual([['bastion', '10.0.0.1', 2200, 'ops', ['/home/op/.ssh/bastion_key']]]);

    const chain = applySshConfig(inventoryHost(), set(`Host web\n  ProxyJump hop1,hop2\nHost hop1\n  HostName 10.0.0.11\n  ProxyJump gate\nHost hop2\n  User hopper\n`), env).host;
    // hop1's own ProxyJump applies (ssh runs it without -J); hop2 takes hop1 from the target's line.
    expect(chain.ssh?.jumps.map((j) => [j.name, j.address, j.user, j.origins['user']])).toEqual([
      ['gate', 'gate', 'op', 'the target host'],
      ['hop1', '10.0.0.11', 'op', 'the target host'],
      ['hop2', 'hop2', 'hopper', '~/.ssh/config:7'],
    ]);
  });

  it('ProxyCommand is refused with its line; StrictHostKeyChecking no is a warning', () => {
    expect(() => applySshConfig(inventoryHost(), set('Host web\n  ProxyCommand nc %h %p\n'), env)).toThrow(
      '~/.ssh/config:2:1: ProxyCommand applies to web, but fleet does not run proxy commands; use ProxyJump (or jump: in the inventory)',
    );
    const { warnings } = applySshConfig(inventoryHost(), set('StrictHostKeyChecking no\n'), env);
    expect(warnings).toEqual([{ file: '~/.ssh/config', line: 1, col: 0, message: 'StrictHostKeyChecking no is ignored: fleet checks host keys anyway (only --accept-new trusts a new key)', severity: 'warning' }]);
  });

  it('--timeout wins over ConnectTimeout, which wins over nothing', () => {
    const config = set('ConnectTimeout 7\n');
    expect(applySshConfig(inventoryHost(), config, env).host.ssh?.connectTimeoutMs).toBe(7000);
    expect(applySshConfig(inventoryHost(), config, env, { connectTimeoutSeconds: 3 }).host.ssh?.connectTimeoutMs).toBe(3000);
    expect(applySshConfig(inventoryHost(), set(''), env).host.ssh?.connectTimeoutMs).toBeUndefined();
  });
});
