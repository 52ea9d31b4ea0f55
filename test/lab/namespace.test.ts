import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { isAlive, launchSshd, layOutHost, etcSshOf, logFileOf } from '../../src/lab/host.js';
import { stopHosts } from '../../src/lab/stop.js';
import { SHAPES, SHAPE_NAMES } from '../../src/lab/index.js';
import { SSHD, hostProcesses, mountScript, signalAll, unshareArgs } from '../../src/lab/namespace.js';
import { run, runChecked, sleep } from '../../src/lab/proc.js';

describe('mountScript', () => {
  it('binds each host directory over the machine path, quoting odd paths', () => {
    const script = mountScript("/tmp/it's a lab/h1");
    expect(script.split(' && ')).toEqual([
      `mount --bind '/tmp/it'\\''s a lab/h1/etc_ssh' /etc/ssh`,
      `mount --bind '/tmp/it'\\''s a lab/h1/run' /run`,
      `mount --bind '/tmp/it'\\''s a lab/h1/root' /root`,
      `mount --bind '/tmp/it'\\''s a lab/h1/home' /home`,
      `mount --bind '/tmp/it'\\''s a lab/h1/tmp' /tmp`,
    ]);
  });
});

// Real namespaces, no network: every shape laid out as a host and checked by Debian's sshd.
describe.sequential('hosts on disk, in namespaces', () => {
  let dir: string;
  let authorizedKey: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-lab-ns-'));
    await runChecked('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client')]);
    authorizedKey = await readFile(path.join(dir, 'client.pub'), 'utf8');
    // Hosts hard-link the lab's moduli; give them a copy, never the machine's own file.
    const moduli = path.join(dir, 'moduli');
    await copyFile('/etc/ssh/moduli', moduli);
    for (const name of SHAPE_NAMES) {
      await layOutHost({ dir: path.join(dir, name), name, shape: SHAPES[name]!, authorizedKey, moduli, users: [] });
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(SHAPE_NAMES)('%s passes sshd -t silently inside its namespace', async (name) => {
    const result = await run('unshare', unshareArgs(path.join(dir, name), `exec ${SSHD} -t`));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('a host sees its own /etc/ssh, root key and private /tmp', async () => {
    const host = path.join(dir, 'cloud-zero');
    const result = await run('unshare', unshareArgs(host, 'cat /etc/ssh/sshd_config.d/50-cloud-provider.conf /root/.ssh/authorized_keys; stat -c %a /tmp; ls -A /tmp'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ClientAliveInterval 0');
    expect(result.stdout).toContain(authorizedKey.trim());
    expect(result.stdout.trim().split('\n').slice(-1)[0]).toBe('1777');
  });

  it('finds the processes of a host namespace, and only that host\'s', async () => {
    const a = path.join(dir, 'debian12');
    const b = path.join(dir, 'twice');
    const spawnSleeper = (host: string): number => {
      const child = spawn('unshare', unshareArgs(host, 'exec sleep 60'), { stdio: 'ignore', detached: true });
      child.unref();
      return child.pid!;
    };
    const pidA = spawnSleeper(a);
    const pidB = spawnSleeper(b);
    try {
      let found = new Map<string, number[]>();
      // Until each has finished its mounts (sh and a mount child) and exec'd sleep.
      const settled = (): boolean => found.get(etcSshOf(a))?.length === 1 && found.get(etcSshOf(b))?.length === 1;
      for (let i = 0; i < 100 && !settled(); i++) {
        await sleep(20);
        found = hostProcesses([etcSshOf(a), etcSshOf(b), etcSshOf(path.join(dir, 'rhel9'))]);
      }
      expect(found.get(etcSshOf(a))).toEqual([pidA]);
      expect(found.get(etcSshOf(b))).toEqual([pidB]);
      expect(found.has(etcSshOf(path.join(dir, 'rhel9')))).toBe(false);
      signalAll([pidA], 'SIGKILL');
      for (let i = 0; i < 100 && hostProcesses([etcSshOf(a)]).size > 0; i++) await sleep(20);
      expect(hostProcesses([etcSshOf(a)]).size).toBe(0);
      expect(hostProcesses([etcSshOf(b)]).get(etcSshOf(b))).toEqual([pidB]);
    } finally {
      signalAll([pidA, pidB], 'SIGKILL');
    }
  });

  // 127.0.1.251-255 are never lab addresses, so these cannot collide with a running lab.
  it('launchSshd reports an address taken before sshd binds it, and starts on a free one', async () => {
    const host = path.join(dir, 'debian12');
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.1.253', port: 22 }, resolve));
    try {
      const began = Date.now();
      expect(await launchSshd(host, '127.0.1.253')).toEqual({ kind: 'address-in-use' });
      expect(Date.now() - began).toBeLessThan(5000);
    } finally {
      await new Promise((r) => holder.close(r));
    }
    const outcome = await launchSshd(host, '127.0.1.254');
    try {
      expect(outcome.kind).toBe('started');
      if (outcome.kind === 'started') expect(isAlive(outcome.pid)).toBe(true);
      expect(await readFile(logFileOf(host), 'utf8')).toMatch(/Server listening on 127\.0\.1\.254 port 22/);
    } finally {
      await stopHosts([{ name: 'debian12', address: '127.0.1.254', port: 22, dir: host }]);
    }
    expect(hostProcesses([etcSshOf(host)]).size).toBe(0);
  });

  it('launchSshd fails fast, with sshd\'s own words, when the config is broken', async () => {
    const host = path.join(dir, 'no-include');
    const main = path.join(etcSshOf(host), 'sshd_config');
    const original = await readFile(main, 'utf8');
    await writeFile(main, `${original}ClientAliveIntervall 5\n`);
    try {
      await expect(launchSshd(host, '127.0.1.254')).rejects.toThrow(/Bad configuration option: ClientAliveIntervall/);
    } finally {
      await writeFile(main, original);
    }
  });

  it('isAlive: this process yes, a finished one no', async () => {
    expect(isAlive(process.pid)).toBe(true);
    const child = spawn('true');
    await new Promise((r) => child.on('exit', r));
    expect(isAlive(child.pid!)).toBe(false);
  });
});
