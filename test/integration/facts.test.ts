/**
 * gatherFacts on every lab shape: what it reads must be what the host's sshd really reads.
 * Set FLEET_RECORD_FIXTURES=1 to re-record the probe outputs under test/fixtures/facts/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec } from '../../src/core/inventory/index.js';
import { gatherFacts } from '../../src/facts/index.js';
import { SHAPE_NAMES, startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { Connector, type ExecOptions, type ExecResult, type Transport } from '../../src/transport/index.js';
import { signalCommand } from '../../src/facts/reload.js';

let lab: Lab;
let connector: Connector;

beforeAll(async () => {
  lab = await startLab({ count: SHAPE_NAMES.length });
  connector = new Connector({ knownHostsFile: lab.knownHosts, acceptNew: false, connectTimeoutMs: 10_000, commandTimeoutMs: 20_000 });
}, 180_000);

afterAll(async () => {
  await connector?.closeAll();
  await lab?.stop();
});

function spec(h: LabHost): HostSpec {
  return {
    name: h.name,
    address: h.address,
    port: h.port,
    user: 'root',
    identityFile: lab.clientKey,
    become: true,
    sshdConfigPath: '/etc/ssh/sshd_config',
    groups: [h.shape],
  };
}

/** Wraps a transport to count round trips and keep the raw probe output. */
function recording(t: Transport): Transport & { outputs: ExecResult[] } {
  const outputs: ExecResult[] = [];
  return {
    host: t.host,
    get closed() {
      return t.closed;
    },
    outputs,
    async exec(cmd: string, opts?: ExecOptions) {
      const r = await t.exec(cmd, opts);
      outputs.push(r);
      return r;
    },
    close: () => t.close(),
  };
}

async function acceptingSoon(h: LabHost): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    if (await lab.isAccepting(h)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function pidAfterReload(h: LabHost): Promise<number | null> {
  for (let i = 0; i < 50; i++) {
    try {
      return lab.pid(h);
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return null;
}

/** The host's view of /etc/ssh/… mapped to the lab directory it is mounted from. */
const outside = (h: LabHost, path: string) => join(h.etcSsh, path.slice('/etc/ssh/'.length));

describe.sequential('gatherFacts on real sshd hosts', () => {
  it("takes the running sshd's version from the SSH banner instead of starting sshd -V", async () => {
    const t = await connector.connect(spec(lab.hosts[0]!));
    expect(t.serverVersion).toMatch(/^OpenSSH_9\.2/);
    const r = Object.assign(recording(t), { serverVersion: t.serverVersion });
    const facts = await gatherFacts(r);
    expect(facts.sshdVersion).toBe(/^OpenSSH_\S+/.exec(t.serverVersion!)![0]);
    expect(r.outputs[0]!.stdout).not.toMatch(/^@@version/m);
    await t.close();
  });

  it('every shape: one round trip (two where the main file includes more than the drop-in folder), and effective values and files as sshd sees them', async () => {
    for (const h of lab.hosts) {
      const t = recording(await connector.connect(spec(h)));
      const facts = await gatherFacts(t);
      // The probe reads the main file and sshd_config.d/*.conf; an Include of anything else in
      // the main file costs one follow-up.
      const mainIncludes = [...(readFileSync(outside(h, '/etc/ssh/sshd_config'), 'utf8').matchAll(/^\s*include\s+(\S+)/gim))].map((m) => m[1]);
      const onlyDropIns = mainIncludes.every((p) => p === '/etc/ssh/sshd_config.d/*.conf');
      expect(t.outputs.length, h.shape).toBe(onlyDropIns ? 1 : 2);
      if (process.env['FLEET_RECORD_FIXTURES'] === '1') {
        writeFileSync(new URL(`../fixtures/facts/probe-${h.shape}.txt`, import.meta.url), t.outputs[0]!.stdout);
      }

      expect(facts.sshdBinary).toBe('/usr/sbin/sshd');
      expect(facts.sshdVersion).toMatch(/^OpenSSH_9\.2/);
      expect(facts.configError, h.shape).toBeNull();

      // The lab runs sshd -T in the host's namespace itself; it joins repeated keywords with
      // "\n" where fleet keeps the first value.
      const truth = await lab.sshdT(h);
      const firstValues = Object.fromEntries(Object.entries(truth).map(([k, v]) => [k, v.split('\n')[0]]));
      expect(facts.effective, h.shape).toEqual(firstValues);

      expect(facts.tree.main).toBe('/etc/ssh/sshd_config');
      for (const [path, text] of facts.tree.files) {
        expect(text, `${h.shape} ${path}`).toBe(readFileSync(outside(h, path), 'utf8'));
      }
      for (const [pattern, matches] of facts.tree.globs) {
        for (const m of matches) expect(facts.tree.files.has(m), `${h.shape}: ${pattern} → ${m}`).toBe(true);
      }

      // No init system in the lab: sshd's own pid file is the way, and it really reloads.
      expect(facts.pidFile).toBe('/run/sshd.pid');
      // (signalCommand signals the pid only when its process is sshd: test/unit/facts/reload.test.ts.)
      expect(facts.reload).toEqual({ kind: 'signal', command: signalCommand('/run/sshd.pid') });
      const pid = lab.pid(h);
      expect((await t.exec(facts.reload.command, { privileged: true })).code).toBe(0);
      // sshd re-executes itself on SIGHUP and rewrites its pid file: wait for it to be back.
      expect(await pidAfterReload(h)).toBe(pid);
      // The pid file comes back before the re-executed sshd listens again: give it a moment.
      expect(await acceptingSoon(h)).toBe(true);
      await t.close();
    }
  });

  it('reads the drop-ins that decide the effective value (cloud-zero, nested-include)', async () => {
    for (const shape of ['cloud-zero', 'nested-include'] as const) {
      const h = lab.hosts.find((x) => x.shape === shape)!;
      const facts = await gatherFacts(await connector.connect(spec(h)));
      expect(facts.tree.files.size, shape).toBeGreaterThan(1);
      const setters = [...facts.tree.files].filter(([, text]) => /^\s*ClientAliveInterval/im.test(text));
      expect(setters.length, shape).toBeGreaterThan(0);
    }
    const zero = await gatherFacts(await connector.connect(spec(lab.hosts.find((x) => x.shape === 'cloud-zero')!)));
    expect(zero.effective?.['clientaliveinterval']).toBe('0');
  });

  it('a live config sshd rejects: configError with sshd’s words, no effective values, files still read', async () => {
    const h = lab.hosts.find((x) => x.shape === 'debian12')!;
    const main = outside(h, '/etc/ssh/sshd_config');
    const original = readFileSync(main, 'utf8');
    try {
      writeFileSync(main, `${original}\nBogusKeyword yes\n`);
      const facts = await gatherFacts(await connector.connect(spec(h)));
      expect(facts.effective).toBeNull();
      expect(facts.configError).toMatch(/^\/etc\/ssh\/sshd_config: line \d+: Bad configuration option: BogusKeyword$/);
      expect(facts.tree.files.get('/etc/ssh/sshd_config')).toContain('BogusKeyword');
    } finally {
      writeFileSync(main, original);
    }
  });
});
