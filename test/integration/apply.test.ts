/**
 * fleet plan / apply / check against real sshd hosts, through the real CLI.
 * Each host is a real OpenSSH server in its own mount namespace (src/lab).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { configSnapshot, inventoryFor, runFlags, writePolicy as writePolicyFile } from '../helpers/faults.js';
import { listenerSockets } from '../helpers/listener.js';
import { parseOpenMetrics } from '../helpers/openmetrics.js';

const POLICY = { ClientAliveInterval: 298, ClientAliveCountMax: 50 };
let lab: Lab;
let dir: string;

const inventory = (hosts: readonly LabHost[], extra?: (h: LabHost) => Record<string, string>): string => inventoryFor(lab, hosts, extra);
const writePolicy = (name: string, inv: string, sshd: Record<string, number> = POLICY): string => writePolicyFile(dir, name, inv, sshd);

beforeAll(async () => {
  lab = await startLab({ count: 12, namePrefix: 'it' });
  dir = lab.dir;
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

describe.sequential('plan, apply, apply again, check on real sshd hosts', () => {
  let policy: string;
  let before: Map<string, Map<string, string>>;

  it('plan changes nothing, proves each candidate with sshd -t, and exits 2', async () => {
    policy = writePolicy('main', inventory(lab.hosts));
    before = new Map(lab.hosts.map((h) => [h.name, configSnapshot(h)]));
    const sockets = new Map(lab.hosts.map((h) => [h.name, listenerSockets(lab.pid(h))]));
    const run = await fleet(['plan', policy, ...runFlags(lab)]);
    const report = jsonReport(run);
    expect(run.code, run.stderr).toBe(2);
    expect(report.summary.failed + report.summary.unreachable).toBe(0);
    for (const h of lab.hosts) {
      const r = report.hosts.find((x) => x.name === h.name);
      expect(r?.status, `${h.name} (${h.shape})`).toBe(h.shape === 'already-set' ? 'unchanged' : 'changed');
      expect(configSnapshot(h)).toEqual(before.get(h.name));
      expect(listenerSockets(lab.pid(h))).toBe(sockets.get(h.name));
    }
    const zero = report.hosts.find((x) => lab.hosts.find((h) => h.name === x.name)?.shape === 'cloud-zero');
    expect(zero?.explain.join('\n')).toMatch(/ClientAliveInterval 0 from \/etc\/ssh\/sshd_config\.d\/[^:]+:\d+/);
  });

  it('apply brings every host to the effective values, keeps Match exceptions and every other byte, and reloads', async () => {
    const run = await fleet(['apply', policy, ...runFlags(lab)]);
    const report = jsonReport(run);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const h of lab.hosts) {
      const t = await lab.sshdT(h);
      expect([t['clientaliveinterval'], t['clientalivecountmax']], `${h.name} (${h.shape})`).toEqual(['298', '50']);
      expect(await lab.isAccepting(h)).toBe(true);
      const r = report.hosts.find((x) => x.name === h.name)!;
      expect(r.reloaded).toBe(h.shape !== 'already-set');
      // Every file: only lines that mention a keepalive keyword differ, and nothing else moved.
      const now = configSnapshot(h);
      for (const [path, old] of before.get(h.name)!) {
        const oldLines = old.split('\n').filter((l) => !/clientalive/i.test(l));
        const newLines = (now.get(path) ?? '').split('\n').filter((l) => !/clientalive/i.test(l));
        expect(newLines, `${h.name}:${path}`).toEqual(oldLines);
      }
    }
    // A Match block's exception stays: sshd -T with a matching connection still gives the site's value.
    const match = lab.hosts.find((h) => h.shape === 'match-blocks');
    if (match) {
      const text = readFileSync(join(match.etcSsh, 'sshd_config'), 'utf8');
      const inMatch = /^Match[^\n]*\n(?:[ \t]+[^\n]*\n|\n)*?[ \t]*ClientAliveInterval\s+(\d+)/im.exec(text);
      expect(inMatch, 'the match-blocks shape keeps its Match exception').not.toBeNull();
    }
  });

  it('a second apply changes nothing and reloads nothing', async () => {
    const sockets = new Map(lab.hosts.map((h) => [h.name, listenerSockets(lab.pid(h))]));
    const files = new Map(lab.hosts.map((h) => [h.name, configSnapshot(h)]));
    const run = await fleet(['apply', policy, ...runFlags(lab)]);
    const report = jsonReport(run);
    expect(run.code).toBe(0);
    expect(report.summary.changed).toBe(0);
    expect(report.hosts.every((r) => !r.reloaded)).toBe(true);
    for (const h of lab.hosts) {
      expect(listenerSockets(lab.pid(h)), `${h.name} was not reloaded`).toBe(sockets.get(h.name));
      expect(configSnapshot(h)).toEqual(files.get(h.name));
    }
  });

  it('check exits 0 in line, then 2 naming the host that drifted', async () => {
    const clean = await fleet(['check', policy, ...runFlags(lab)]);
    expect(clean.code, clean.stdout).toBe(0);
    const victim = lab.hosts[0]!;
    const main = join(victim.etcSsh, 'sshd_config');
    writeFileSync(main, `ClientAliveInterval 30\n${readFileSync(main, 'utf8')}`);
    const drift = await fleet(['check', policy, ...runFlags(lab)]);
    const report = jsonReport(drift);
    expect(drift.code).toBe(2);
    expect(report.hosts.filter((r) => r.status === 'changed').map((r) => r.name)).toEqual([victim.name]);
    // The same drift as node_exporter's textfile collector would read it.
    const metrics = await fleet(['check', policy, ...runFlags(lab), '--format', 'openmetrics']);
    expect(metrics.code).toBe(2);
    const drifted = parseOpenMetrics(metrics.stdout).filter((s) => s.name === 'fleet_host_drift');
    expect(drifted).toHaveLength(lab.hosts.length);
    expect(drifted.filter((s) => s.value === 1).map((s) => s.labels.host)).toEqual([victim.name]);
    // fix it again for the next cases
    expect((await fleet(['apply', policy, ...runFlags(lab)])).code).toBe(0);
  });
});

describe.sequential('faults: each host ends with its old or new config, valid, accepting logins', () => {
  it('a host that is down is unreachable; the others still converge', async () => {
    const [down, ...rest] = lab.hosts.slice(0, 3) as [LabHost, ...LabHost[]];
    await lab.stopHost(down);
    try {
      const policy = writePolicy('down', inventory([down, ...rest]), { ClientAliveInterval: 200 });
      const run = await fleet(['apply', policy, ...runFlags(lab), '--timeout', '3']);
      const report = jsonReport(run);
      expect(run.code).toBe(1);
      const r = report.hosts.find((x) => x.name === down.name)!;
      expect(r.status).toBe('unreachable');
      expect(r.error?.code).toBe('UNREACHABLE');
      for (const h of rest) expect((await lab.sshdT(h))['clientaliveinterval']).toBe('200');
    } finally {
      await lab.startHost(down);
    }
  });

  it('a wrong host key fails the host with HOSTKEY_MISMATCH before any login', async () => {
    const victim = lab.hosts[1]!;
    const lines = readFileSync(lab.knownHosts, 'utf8').split('\n');
    const other = lines.find((l) => l.startsWith(`${lab.hosts[2]!.address} `))!;
    const forged = lines.map((l) => (l.startsWith(`${victim.address} `) ? `${victim.address} ${other.split(' ').slice(1).join(' ')}` : l)).join('\n');
    const knownHosts = join(dir, 'forged_known_hosts');
    writeFileSync(knownHosts, forged);
    const policy = writePolicy('mismatch', inventory([victim]), { ClientAliveInterval: 201 });
    const before = configSnapshot(victim);
    const run = await fleet(['apply', policy, '--known-hosts', knownHosts, '--format', 'json', '--no-progress']);
    const r = jsonReport(run).hosts[0]!;
    expect(run.code).toBe(1);
    expect([r.status, r.error?.code]).toEqual(['failed', 'HOSTKEY_MISMATCH']);
    expect(configSnapshot(victim)).toEqual(before);
  });

  it('a config that sshd -t rejects before the run is neither touched nor reloaded', async () => {
    const victim = lab.hosts[3]!;
    const main = join(victim.etcSsh, 'sshd_config');
    const good = readFileSync(main, 'utf8');
    writeFileSync(main, `${good}\nThisIsNotADirective yes\n`);
    try {
      const sockets = listenerSockets(lab.pid(victim));
      const broken = configSnapshot(victim);
      const policy = writePolicy('broken', inventory([victim]), { ClientAliveInterval: 202 });
      const run = await fleet(['apply', policy, ...runFlags(lab)]);
      const r = jsonReport(run).hosts[0]!;
      expect([run.code, r.status, r.error?.code]).toEqual([1, 'failed', 'CONFIG_BROKEN_BEFORE']);
      expect(r.error?.message).toMatch(/ThisIsNotADirective|Bad configuration option/);
      expect(configSnapshot(victim)).toEqual(broken);
      expect(listenerSockets(lab.pid(victim))).toBe(sockets);
    } finally {
      writeFileSync(main, good);
    }
  });

  it('a reload after which sshd stops answering is rolled back, and sshd accepts logins again', async () => {
    const victim = lab.hosts[4]!;
    const before = configSnapshot(victim);
    // The first reload freezes the listener (new logins hang until they time out) until the
    // next reload; that one, fleet's rollback, thaws it and reloads for real.
    const reload = `if [ ! -e /run/fleet-test-broke ]; then touch /run/fleet-test-broke; kill -STOP "$(cat /run/sshd.pid)"; else kill -CONT "$(cat /run/sshd.pid)"; kill -HUP "$(cat /run/sshd.pid)"; fi`;
    const policy = writePolicy('badreload', inventory([victim], () => ({ sshd_reload_command: reload })), { ClientAliveInterval: 203 });
    const run = await fleet(['apply', policy, ...runFlags(lab), '--timeout', '2']);
    const r = jsonReport(run).hosts[0]!;
    expect(run.code, run.stdout).toBe(1);
    expect([r.status, r.error?.code, r.rolled_back]).toEqual(['failed', 'LOGIN_FAILED', true]);
    expect(configSnapshot(victim)).toEqual(before);
    expect(await lab.isAccepting(victim)).toBe(true);
    expect((await lab.sshdT(victim))['clientaliveinterval']).not.toBe('203');
  });

  it('an interrupted run (SIGINT) starts no new host and leaves none half-done', async () => {
    const policy = writePolicy('interrupt', inventory(lab.hosts), { ClientAliveInterval: 204 });
    let pid = 0;
    const running = fleet(['apply', policy, ...runFlags(lab), '--forks', '1'], { onSpawn: (p) => (pid = p) });
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(pid, 'SIGINT');
    const run = await running;
    const report = jsonReport(run);
    expect(run.code).toBe(130);
    const interrupted = report.hosts.filter((r) => r.error?.code === 'INTERRUPTED');
    expect(interrupted.length).toBeGreaterThan(0);
    for (const h of lab.hosts) {
      const r = report.hosts.find((x) => x.name === h.name)!;
      const value = (await lab.sshdT(h))['clientaliveinterval'];
      if (r.status === 'changed') expect(value).toBe('204');
      else expect(value).not.toBe('204');
      expect(await lab.isAccepting(h)).toBe(true);
      expect(readdirSync(join(h.dir, 'run')).includes('fleet.lock'), `${h.name} lock released`).toBe(false);
    }
  });
});
