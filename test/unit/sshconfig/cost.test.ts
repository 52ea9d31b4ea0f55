/**
 * The cost of resolving a fleet through ssh_config: 500 hosts against a ~/.ssh/config of 50 Host
 * blocks (and an Include), measured and printed, never asserted (a test states behaviour, not
 * a duration). What it asserts is that every host got its own block's values.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSshConfig, sshEnvironment } from '../../../src/cli/ssh-config.js';
import type { HostSpec } from '../../../src/core/inventory/index.js';
import { applySshConfig } from '../../../src/core/sshconfig/index.js';

const home = mkdtempSync(join(tmpdir(), 'fleet-sshcost-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('resolution cost at 500 hosts × 50 Host blocks', () => {
  it('resolves every host to its own block, and reports the time per host', async () => {
    mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true, mode: 0o700 });
    const blocks = Array.from({ length: 50 }, (_, b) => `Host web${b}-* !web${b}-skip\n  HostName %h.dc${b}.example.com\n  User deploy${b}\n  IdentityFile ~/.ssh/id_dc${b}\n  Port ${2000 + b}\n`);
    writeFileSync(join(home, '.ssh', 'config'), `Include conf.d/*.conf\n${blocks.join('\n')}\nMatch host *.example.com\n  UserKnownHostsFile ~/.ssh/known_hosts_%h\nHost *\n  IdentityFile ~/.ssh/id_ed25519\n  ConnectTimeout 5\n`, { mode: 0o600 });
    writeFileSync(join(home, '.ssh', 'conf.d', 'bastion.conf'), 'Host bastion\n  HostName 10.0.0.1\n', { mode: 0o600 });
    const env = { ...sshEnvironment(home, 'operator'), env: {} };
    const hosts: HostSpec[] = Array.from({ length: 500 }, (_, i) => ({
      name: `web${i % 50}-${i}`,
      address: `web${i % 50}-${i}`,
      port: 22,
      user: 'operator',
      become: false,
      sshdConfigPath: '/etc/ssh/sshd_config',
      groups: [],
    }));

    const loadStart = performance.now();
    const set = await loadSshConfig(env, join(home, '.ssh', 'config'));
    const loadMs = performance.now() - loadStart;
    const start = performance.now();
    const resolved = hosts.map((h) => applySshConfig(h, set, env).host);
    const totalMs = performance.now() - start;
    process.stdout.write(`ssh_config resolution: ${hosts.length} hosts × 50 Host blocks in ${totalMs.toFixed(1)} ms (${((totalMs / hosts.length) * 1000).toFixed(0)} µs per host), files read in ${loadMs.toFixed(1)} ms\n`);

    resolved.forEach((h, i) => {
      const b = i % 50;
      expect(h.address).toBe(`web${b}-${i}.dc${b}.example.com`);
      expect([h.user, h.port]).toEqual([`deploy${b}`, 2000 + b]);
      expect(h.ssh?.identityFiles.map((k) => k.path)).toEqual([join(home, '.ssh', `id_dc${b}`), join(home, '.ssh', 'id_ed25519')]);
      expect(h.ssh?.userKnownHostsFiles).toEqual([join(home, '.ssh', `known_hosts_${h.address}`)]);
      expect(h.ssh?.connectTimeoutMs).toBe(5000);
    });
  });
});
