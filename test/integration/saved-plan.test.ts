/**
 * The reviewed plan is the applied plan: `fleet plan --save-plan` on real lab hosts, a host's
 * config edited after the review, then `fleet apply --plan` (no policy, no inventory) applies the
 * reviewed change where nothing moved and refuses the moved host with nothing written.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { configSnapshot, inventoryFor, runFlags, writePolicy } from '../helpers/faults.js';

let lab: Lab;
let a: LabHost;
let b: LabHost;

beforeAll(async () => {
  lab = await startLab({ count: 2, namePrefix: 'saved' });
  [a, b] = lab.hosts as [LabHost, LabHost];
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

const sshdT = async (h: LabHost): Promise<string> => (await lab.exec(h, '/usr/sbin/sshd -T')).stdout;

describe.sequential('plan --save-plan, then apply --plan', () => {
  let planPath: string;
  let policy: string;

  it('plan saves every host\'s reviewed change, 0600, with the policy and each host as planned', async () => {
    policy = writePolicy(lab.dir, 'saved', inventoryFor(lab, lab.hosts), { ClientAliveInterval: 277, ClientAliveCountMax: 7 });
    planPath = join(lab.dir, 'plan.json');
    const run = await fleet(['plan', policy, ...runFlags(lab), '--save-plan', planPath]);
    expect(run.code, run.stderr).toBe(2);
    expect(statSync(planPath).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(planPath, 'utf8')) as { hosts: { spec: { name: string }; files: { path: string; before_sha256: string; after: string }[]; promised: Record<string, string> }[]; policy_sha256: string; inventory_sha256: string };
    expect(saved.hosts.map((h) => h.spec.name).sort()).toEqual([a.name, b.name].sort());
    for (const h of saved.hosts) {
      expect(h.files.length).toBeGreaterThan(0);
      expect(h.promised).toMatchObject({ ClientAliveInterval: '277', ClientAliveCountMax: '7' });
      expect(h.files.some((f) => /ClientAliveInterval 277/.test(f.after))).toBe(true);
    }
    expect(saved.policy_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(saved.inventory_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('apply --plan applies the reviewed change to the unmoved host, and a host edited since is CONFLICT with nothing written', async () => {
    // An admin (or cloud-init, Puppet…) edits b after the review.
    const main = join(b.etcSsh, 'sshd_config');
    writeFileSync(main, `${readFileSync(main, 'utf8')}# edited after the review\n`);
    const bBefore = configSnapshot(b);
    const bFiles = readdirSync(b.etcSsh).sort();

    const run = await fleet(['apply', '--plan', planPath, ...runFlags(lab)]);
    const report = jsonReport(run);
    expect(run.code, run.stderr).toBe(1);
    const byName = new Map(report.hosts.map((h) => [h.name, h]));
    expect(byName.get(a.name)?.status).toBe('changed');
    expect(await sshdT(a)).toMatch(/^clientaliveinterval 277$/m);
    expect(await sshdT(a)).toMatch(/^clientalivecountmax 7$/m);

    const moved = byName.get(b.name);
    expect(moved?.status).toBe('failed');
    expect(moved?.error?.code).toBe('CONFLICT');
    expect(moved?.error?.message).toContain('/etc/ssh/sshd_config: was sha256');
    expect(moved?.changes).toEqual([]);
    expect(configSnapshot(b)).toEqual(bBefore);
    expect(readdirSync(b.etcSsh).sort()).toEqual(bFiles);
    expect(await sshdT(b)).not.toMatch(/^clientaliveinterval 277$/m);
  });

  it('applying the same plan again changes nothing where it was applied', async () => {
    const run = await fleet(['apply', '--plan', planPath, ...runFlags(lab), '--limit', 'x']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/give no policy, -i or --limit with it/);
    const again = jsonReport(await fleet(['apply', '--plan', planPath, ...runFlags(lab)]));
    expect(again.hosts.find((h) => h.name === a.name)?.status).toBe('unchanged');
    expect(again.hosts.find((h) => h.name === b.name)?.error?.code).toBe('CONFLICT');
  });

  it('a plan file edited by hand is refused before any host', async () => {
    const tampered = join(lab.dir, 'tampered.json');
    writeFileSync(tampered, readFileSync(planPath, 'utf8').replace('ClientAliveInterval 277', 'ClientAliveInterval 1'));
    const run = await fleet(['apply', '--plan', tampered, ...runFlags(lab)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/does not match its after_sha256/);
  });
});
