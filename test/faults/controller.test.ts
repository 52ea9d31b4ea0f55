/**
 * Issue 12, item 2: one host, or one bug, must not crash the whole run.
 * - A host (a fake SSH server, ssh2's Server on loopback) that answers every command with
 *   gigabytes: fleet stops reading at 8 MiB, fails that host with OUTPUT_TOO_LARGE and closes
 *   its connection; the real host in the same run converges, the report is written, and the
 *   controller's peak memory stays small.
 * - An error nobody handles (a rejected promise, an exception thrown in a callback) while a
 *   host is mid-apply: printed as an internal error, the host finishes, the report is written.
 * The controller's peak memory and the injected faults come from a preload the test gives the
 * CLI (test/helpers/preload/controller-probe.mjs).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { health, inventoryFor, runFlags, waitFor, writePolicy } from '../helpers/faults.js';
import { startFloodServer } from '../helpers/flood-server.js';
import { pauseCommand, pausePoint } from '../helpers/inject.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const PROBE = fileURLToPath(new URL('../helpers/preload/controller-probe.mjs', import.meta.url));
const withProbe = (env: Record<string, string>): NodeJS.ProcessEnv => ({ NODE_OPTIONS: `--import=${PROBE}`, ...env });

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 2, shapes: ['debian12'], namePrefix: 'ctl' });
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

describe.sequential('the controller survives what a host or a bug throws at it', () => {
  it('a host that answers every command with gigabytes fails OUTPUT_TOO_LARGE; the real host converges, the report is written, the controller stays under 400 MB', { timeout: 180_000 }, async () => {
    const real = lab.hosts[0]!;
    const flood = await startFloodServer('127.0.0.1', 2 * GIB);
    try {
      const knownHosts = join(lab.dir, 'flood_known_hosts');
      writeFileSync(knownHosts, `${readFileSync(lab.knownHosts, 'utf8')}${flood.knownHostsLine}\n`);
      const floodHost = ['    flooder:', `      address: "${flood.address}"`, `      port: ${flood.port}`, '      user: "root"', `      identity_file: ${JSON.stringify(lab.clientKey)}`];
      const inventory = `${inventoryFor(lab, [real])}${floodHost.join('\n')}\n`;
      const policy = writePolicy(lab.dir, 'flood', inventory, { ClientAliveInterval: 240, ClientAliveCountMax: 7 });
      const rssFile = join(lab.dir, 'flood.rss');

      const run = await fleet(['apply', policy, '--known-hosts', knownHosts, '--format', 'json', '--no-progress'], { env: withProbe({ FLEET_TEST_RSS_FILE: rssFile }), timeoutMs: 150_000 });
      const report = jsonReport(run);
      expect(run.code, run.stderr).toBe(1);
      const byName = new Map(report.hosts.map((h) => [h.name, h]));
      expect(byName.get('flooder')).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_TOO_LARGE', message: expect.stringMatching(/flooder .*printed more than 8 MiB.*closed the connection/) } });
      expect(byName.get(real.name)).toMatchObject({ status: 'changed', error: null, reloaded: true });
      expect(await lab.sshdT(real)).toMatchObject({ clientaliveinterval: '240', clientalivecountmax: '7' });

      // fleet stopped reading: the flood got one command (lock + facts) and sent little of its gigabytes.
      expect(flood.stats.commands).toEqual(['exec sh -s']);
      expect(flood.stats.bytesSent).toBeLessThan(64 * MIB);
      const peak = Number(readFileSync(rssFile, 'utf8'));
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThan(400 * 1000 * 1000);
    } finally {
      await flood.stop();
    }
  });

  it('an error nobody handles while a host is mid-apply: printed as an internal error, the host finishes, the report is written, exit 1', { timeout: 120_000 }, async () => {
    const h = lab.hosts[1]!;
    const pause = pausePoint(h, 'bug');
    const inventory = inventoryFor(lab, [h], () => ({ sshd_reload_command: `kill -HUP "$(cat /run/sshd.pid)" && ${pauseCommand('bug')}` }));
    const policy = writePolicy(lab.dir, 'bug', inventory, { ClientAliveInterval: 250, ClientAliveCountMax: 8 });
    const injected = join(lab.dir, 'bug.injected');
    let pid = 0;
    const running = fleet(['apply', policy, ...runFlags(lab)], { env: withProbe({ FLEET_TEST_FAULT_FILE: injected }), onSpawn: (p) => (pid = p) });
    await pause.reached(60_000);
    process.kill(pid, 'SIGUSR2');
    await waitFor('the injected faults', () => existsSync(injected));
    pause.release();

    const run = await running;
    expect(run.stderr).toMatch(/fleet: internal error \(a bug in fleet; the run goes on and the report will be written\): Error: injected fault: a promise rejected with no handler/);
    expect(run.stderr).toMatch(/fleet: internal error .*: Error: injected fault: an exception thrown in a callback/);
    const report = jsonReport(run);
    expect(report.hosts).toHaveLength(1);
    expect(report.hosts[0]).toMatchObject({ name: h.name, status: 'changed', error: null, reloaded: true, rolled_back: false });
    expect(run.code).toBe(1);
    const after = await health(lab, h);
    expect(after.valid, after.sshdTError).toBe(true);
    expect([after.locked, after.temps, after.stages]).toEqual([false, [], []]);
    expect(after.effective).toMatchObject({ clientaliveinterval: '250', clientalivecountmax: '8' });
    expect(await lab.isAccepting(h)).toBe(true);
  });
});
