/**
 * `--shard K/N` against real sshd hosts: the shards of one fleet are disjoint, cover it, and
 * `fleet report merge` of their JSON reports equals the unsharded run's report host by host.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import type { HostResult, RunReport } from '../../src/engine/types.js';
import { mergeReports } from '../../src/report/merge.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { checkedReport } from '../helpers/report-schema.js';

const SHARDS = 3;
let lab: Lab;
let policy: string;

/** What must not depend on how the fleet was split: everything but timings. */
const outcome = (h: HostResult) => ({
  name: h.name, address: h.address, status: h.status, changes: h.changes, effective: h.effective,
  explain: h.explain, warnings: h.warnings, error: h.error?.code ?? null,
});

const common = () => ['--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress'];

beforeAll(async () => {
  // Every shape once (and a few twice): hosts that would change, one already in line.
  lab = await startLab({ count: 10, namePrefix: 'shard' });
  policy = join(lab.dir, 'policy.yml');
  writeFileSync(policy, `inventory: ${lab.inventory}\nsshd:\n  ClientAliveInterval: 298\n  ClientAliveCountMax: 50\n`);
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

describe.sequential('fleet plan --shard K/N on real sshd hosts', () => {
  let whole: RunReport;
  const parts: RunReport[] = [];
  const files: string[] = [];

  it('the unsharded plan sees every host', async () => {
    const run = await fleet(['plan', policy, ...common()]);
    whole = jsonReport(run);
    expect(run.code, run.stderr).toBe(2);
    expect(whole.hosts.map((h) => h.name).sort()).toEqual(lab.hosts.map((h) => h.name).sort());
    expect(whole.summary.failed + whole.summary.unreachable, run.stdout).toBe(0);
    expect('shard' in whole).toBe(false);
  });

  it('shards 1/3, 2/3, 3/3 are disjoint and cover the fleet', async () => {
    for (let k = 1; k <= SHARDS; k++) {
      const out = join(lab.dir, `plan-${k}.json`);
      const run = await fleet(['plan', policy, ...common(), '--shard', `${k}/${SHARDS}`, '-o', out]);
      expect([0, 2], run.stderr).toContain(run.code);
      const part = checkedReport(JSON.parse(readFileSync(out, 'utf8')));
      expect(part.shard).toBe(`${k}/${SHARDS}`);
      parts.push(part);
      files.push(out);
    }
    const names = parts.flatMap((p) => p.hosts.map((h) => h.name));
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(lab.hosts.map((h) => h.name).sort());
    // A split that put every host in one shard would prove nothing about merging.
    expect(parts.filter((p) => p.hosts.length > 0).length).toBeGreaterThan(1);
  });

  it('the merged report equals the unsharded one in every host\'s status, changes and effective values', () => {
    const merged = mergeReports(parts);
    expect(merged.command).toBe('plan');
    expect(merged.summary).toEqual(whole.summary);
    const byName = new Map(whole.hosts.map((h) => [h.name, outcome(h)]));
    expect(merged.hosts.map(outcome)).toEqual(merged.hosts.map((h) => byName.get(h.name)));
    expect(merged.hosts.map((h) => h.name)).toEqual([...byName.keys()].sort());
  });

  it('fleet report merge does the same from the files, with plan\'s exit code', async () => {
    const run = await fleet(['report', 'merge', ...files, '--format', 'json']);
    expect(run.code, run.stderr).toBe(2);
    const merged = jsonReport(run);
    expect(merged).toEqual(mergeReports(parts));
    expect(run.stderr).toMatch(/^fleet plan: 10 hosts · \d+ would change/m);

    const md = await fleet(['report', 'merge', ...files, '--format', 'markdown']);
    expect(md.code).toBe(2);
    expect(md.stdout).toContain(`| ${whole.summary.hosts} | ${whole.summary.changed} | ${whole.summary.unchanged} | 0 | 0 |`);

    const partial = await fleet(['report', 'merge', files[0]!, files[2]!]);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/shard 2\/3 missing/);
  });
});
