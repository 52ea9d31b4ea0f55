/**
 * The lab itself, against real sshd: 12 hosts (every shape), real ssh logins with strict
 * host-key checking, per-host /etc/ssh, a real SIGHUP reload, host down/up, and a clean stop.
 */
import { readFileSync, readdirSync, readlinkSync, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree } from '../../src/lab/addresses.js';
import { SHAPE_NAMES, startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { run } from '../../src/lab/proc.js';

const EXTRA_USER = 'fleetlab';

/** Each shape's effective global ClientAliveInterval, as sshd must compute it. */
const EXPECTED_INTERVAL: Record<string, string> = {
  debian12: '0',
  'ubuntu-cloud': '0',
  'cloud-zero': '0',
  rhel9: '0',
  'match-blocks': '60',
  'already-set': '298',
  'crlf-equals': '120',
  'no-include': '600',
  twice: '60',
  'nested-include': '45',
};

function sshArgs(lab: Lab, host: LabHost, user: string, cmd: string, knownHosts = lab.knownHosts): string[] {
  return [
    ...['-F', '/dev/null', '-i', lab.clientKey, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes'],
    ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
    ...['-o', 'ConnectTimeout=10', `${user}@${host.address}`, cmd],
  ];
}

const ssh = (lab: Lab, host: LabHost, cmd: string, user = 'root'): ReturnType<typeof run> =>
  run('ssh', sshArgs(lab, host, user, cmd), { timeoutMs: 20_000 });

/** pid → mount namespace for every live process. */
function namespaces(): Map<number, string> {
  const map = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      map.set(Number(entry), readlinkSync(`/proc/${entry}/ns/mnt`));
    } catch {
      // gone
    }
  }
  return map;
}

describe.sequential('lab: real sshd hosts', () => {
  let lab: Lab;
  const byShape = (shape: string): LabHost => lab.hosts.find((h) => h.shape === shape)!;

  beforeAll(async () => {
    const began = Date.now();
    lab = await startLab({ count: 12, users: [EXTRA_USER], keepDir: true });
    console.log(`lab: 12 hosts started in ${Date.now() - began} ms`);
  });
  afterAll(async () => {
    await lab?.stop();
    if (lab) await rm(lab.dir, { recursive: true, force: true });
  });

  it('has 12 hosts covering every shape, on distinct loopback addresses', () => {
    expect(lab.hosts).toHaveLength(12);
    expect(new Set(lab.hosts.map((h) => h.shape))).toEqual(new Set(SHAPE_NAMES));
    expect(new Set(lab.hosts.map((h) => h.address)).size).toBe(12);
    for (const h of lab.hosts) expect(h.address).toMatch(/^127\.0\.\d+\.\d+$/);
    const inventory = readFileSync(lab.inventory, 'utf8');
    for (const h of lab.hosts) expect(inventory).toContain(`address: ${h.address}`);
  });

  it('every host accepts a real ssh login checked against the lab known_hosts', async () => {
    const accepting = await Promise.all(lab.hosts.map((h) => lab.isAccepting(h)));
    expect(accepting).toEqual(lab.hosts.map(() => true));
    for (const h of lab.hosts) expect(readFileSync(h.logFile, 'utf8')).toMatch(/Accepted publickey for root from 127\./);
  });

  it('host keys are really checked: a known_hosts with another host key is refused', async () => {
    const [a, b] = lab.hosts as [LabHost, LabHost];
    const lines = readFileSync(lab.knownHosts, 'utf8').trim().split('\n');
    const bKey = lines.find((l) => l.startsWith(`${b.address} `))!.split(' ').slice(1).join(' ');
    const wrong = `${lab.dir}/known_hosts.wrong`;
    await run('sh', ['-c', `printf '%s\\n' "$1" > "$2"`, 'sh', `${a.address} ${bKey}`, wrong]);
    const result = await run('ssh', sshArgs(lab, a, 'root', 'true', wrong), { timeoutMs: 20_000 });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('each host sees its own /etc/ssh: sshd -T inside the namespace reflects its shape', async () => {
    const configs = await Promise.all(lab.hosts.map((h) => lab.sshdT(h)));
    lab.hosts.forEach((h, i) => {
      expect(configs[i]!['clientaliveinterval'], h.shape).toBe(EXPECTED_INTERVAL[h.shape]);
      expect(configs[i]!['hostkey'], h.shape).toBe('/etc/ssh/ssh_host_ed25519_key');
    });
    const of = (shape: string): Record<string, string> => configs[lab.hosts.indexOf(byShape(shape))]!;
    expect(of('already-set')['clientalivecountmax']).toBe('50');
    expect(of('crlf-equals')['clientalivecountmax']).toBe('5');
    expect(of('rhel9')['permitrootlogin']).toBe('yes');
    expect(of('ubuntu-cloud')['passwordauthentication']).toBe('no');
    expect(of('no-include')['usepam']).toBe('no');
  });

  it('every shape passes sshd -t on its host, and a login session sees that host\'s files', async () => {
    const checks = await Promise.all(lab.hosts.map((h) => lab.exec(h, '/usr/sbin/sshd -t')));
    expect(checks.map((c) => [c.code, c.stderr])).toEqual(lab.hosts.map(() => [0, '']));
    const seen = await Promise.all(lab.hosts.map((h) => ssh(lab, h, 'cat /etc/ssh/ssh_host_ed25519_key.pub')));
    lab.hosts.forEach((h, i) => expect(seen[i]!.stdout).toBe(readFileSync(`${h.etcSsh}/ssh_host_ed25519_key.pub`, 'utf8')));
  });

  it('extra users log in on every host, including the one without PAM', async () => {
    const who = await Promise.all(lab.hosts.map((h) => ssh(lab, h, 'id -un; echo "$HOME"', EXTRA_USER)));
    expect(who.map((w) => w.stdout)).toEqual(lab.hosts.map(() => `${EXTRA_USER}\n/home/${EXTRA_USER}\n`));
  });

  it('a SIGHUP reload keeps the pid and the running sshd picks up the changed config', async () => {
    const host = byShape('debian12');
    const pid = lab.pid(host);
    // SetEnv reaches every new session from the listener's loaded config, so it shows what the
    // daemon itself has read, not what sshd -T reads from disk.
    const write = await lab.exec(host, "printf 'SetEnv LAB_MARK=77\\n' > /etc/ssh/sshd_config.d/10-lab-mark.conf");
    expect(write.code).toBe(0);
    expect((await ssh(lab, host, 'echo "mark=$LAB_MARK"')).stdout).toBe('mark=\n');
    expect((await lab.exec(host, 'kill -HUP "$(cat /run/sshd.pid)"')).code).toBe(0);
    let after = '';
    for (let i = 0; i < 50 && after !== 'mark=77\n'; i++) {
      after = (await ssh(lab, host, 'echo "mark=$LAB_MARK"')).stdout;
    }
    expect(after).toBe('mark=77\n');
    expect(lab.pid(host)).toBe(pid);
    expect((await lab.sshdT(host))['setenv']).toBe('LAB_MARK=77');
  });

  it('stopHost takes a host down (port free, no login), exec still reaches its files, startHost brings it back', async () => {
    const host = byShape('twice');
    const before = lab.pid(host);
    await lab.stopHost(host);
    expect(await isPortFree(host.address, 22)).toBe(true);
    expect(await lab.isAccepting(host)).toBe(false);
    expect(() => lab.pid(host)).toThrow(/not running/);
    const down = await lab.exec(host, 'grep -c ClientAliveInterval /etc/ssh/sshd_config');
    expect(down.stdout.trim()).toBe('2');
    await lab.startHost(host);
    expect(lab.pid(host)).not.toBe(before);
    expect(await lab.isAccepting(host)).toBe(true);
    expect((await lab.sshdT(host))['clientaliveinterval']).toBe('60');
  });

  it('stop() ends every process of the lab, sessions included, and frees the addresses', async () => {
    // A live session: its sshd children and shell live in the host's namespace too.
    const host = byShape('rhel9');
    const session = run('ssh', sshArgs(lab, host, 'root', 'sleep 60'), { timeoutMs: 70_000 });
    const listeners = new Set(lab.hosts.map((h) => lab.pid(h)));
    const before = namespaces();
    const labNamespaces = new Set([...listeners].map((p) => before.get(p)!));
    let sessionPids: number[] = [];
    for (let i = 0; i < 100 && sessionPids.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const now = namespaces();
      sessionPids = [...now].filter(([pid, ns]) => labNamespaces.has(ns) && !listeners.has(pid)).map(([pid]) => pid);
    }
    expect(sessionPids.length).toBeGreaterThanOrEqual(2); // sshd: root@notty and the sleep

    await lab.stop();

    const remaining = [...namespaces()].filter(([, ns]) => labNamespaces.has(ns));
    expect(remaining).toEqual([]);
    const free = await Promise.all(lab.hosts.map((h) => isPortFree(h.address, 22)));
    expect(free).toEqual(lab.hosts.map(() => true));
    expect((await session).code).not.toBe(0); // the client saw its server go away
    expect(existsSync(lab.dir)).toBe(true); // keepDir
  });
});
