import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../../src/core/errors.js';
import { inShard, parseShard } from '../../../src/core/shard.js';
import { exitCode, summarize, type Command, type HostResult, type RunReport } from '../../../src/engine/types.js';
import { mergeReports, parseReport, readReports } from '../../../src/report/merge.js';

function host(name: string, status: HostResult['status'], extra: Partial<HostResult> = {}): HostResult {
  return {
    name, address: `127.0.1.${name.length}`, status, changes: [], effective: { ClientAliveInterval: '298' }, explain: [], warnings: [],
    error: status === 'failed' ? { code: 'LOGIN_FAILED', message: 'no' } : null, rolled_back: false, reloaded: false, duration_ms: 5, ...extra,
  };
}

function report(command: Command, hosts: HostResult[], extra: Partial<RunReport> = {}): RunReport {
  return { version: 1, command, started_at: '2026-11-25T12:00:00.000Z', duration_ms: 1000, accept_new: false, summary: summarize(hosts), hosts, ...extra };
}

/** Splits a fleet into its shards with the real shard function, as `--shard K/N` runs would. */
function shardsOf(command: Command, hosts: HostResult[], count: number): RunReport[] {
  return Array.from({ length: count }, (_, i) => {
    const shard = parseShard(`${i + 1}/${count}`);
    return report(command, hosts.filter((h) => inShard(h.name, shard)), { shard: `${i + 1}/${count}` });
  });
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof FleetError ? `${error.code}: ${error.message}` : `not a FleetError: ${String(error)}`;
  }
  return undefined;
};

describe('mergeReports', () => {
  it('joins shards: hosts sorted by name, summary recomputed, earliest start, longest duration, no shard', () => {
    const a = report('check', [host('web2', 'changed'), host('db1', 'unchanged')], { shard: '1/2', started_at: '2026-11-25T12:00:05.000Z', duration_ms: 900 });
    const b = report('check', [host('web1', 'failed'), host('cache', 'unreachable')], { shard: '2/2', started_at: '2026-11-25T12:00:01.000Z', duration_ms: 1700, accept_new: true });
    const merged = mergeReports([a, b]);
    expect(merged.hosts.map((h) => h.name)).toEqual(['cache', 'db1', 'web1', 'web2']);
    expect(merged.summary).toEqual({ hosts: 4, changed: 1, unchanged: 1, failed: 1, unreachable: 1 });
    expect(merged.started_at).toBe('2026-11-25T12:00:01.000Z');
    expect(merged.duration_ms).toBe(1700);
    expect(merged.accept_new).toBe(true);
    expect('shard' in merged).toBe(false);
    expect(merged.command).toBe('check');
    expect(exitCode(merged)).toBe(1);
  });

  it('keeps the exit-code rules of the merged command', () => {
    const drift = mergeReports(shardsOf('check', [host('a', 'changed'), host('b', 'unchanged'), host('c', 'unchanged')], 2));
    expect(exitCode(drift)).toBe(2);
    const applied = mergeReports(shardsOf('apply', [host('a', 'changed'), host('b', 'unchanged')], 2));
    expect(exitCode(applied)).toBe(0);
    const clean = mergeReports(shardsOf('plan', [host('a', 'unchanged'), host('b', 'unchanged')], 3));
    expect(exitCode(clean)).toBe(0);
  });

  it('refuses reports of different commands, with both named', () => {
    const message = codeOf(() => mergeReports([report('plan', [host('a', 'changed')]), report('check', [host('b', 'changed')])]));
    expect(message).toMatch(/^CONFIG_INVALID: .*different commands \(plan, check\)/);
  });

  it('refuses a missing, a repeated or a foreign shard, and a host in two reports', () => {
    const hosts = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => host(n, 'unchanged'));
    const [s1, s2, s3] = shardsOf('check', hosts, 3) as [RunReport, RunReport, RunReport];
    expect(codeOf(() => mergeReports([s1, s3]))).toMatch(/shard 2\/3 missing/);
    expect(codeOf(() => mergeReports([s1, s2, s2, s3]))).toMatch(/shard 2\/3 is given twice/);
    expect(codeOf(() => mergeReports([s1, s2, { ...s3, shard: '3/4' }]))).toMatch(/different splits/);
    expect(codeOf(() => mergeReports([s1, report('check', [])]))).toMatch(/sharded report with an unsharded one/);
    expect(codeOf(() => mergeReports([report('check', [host('a', 'changed')]), report('check', [host('a', 'unchanged')])]))).toMatch(/host a appears in more than one report/);
    expect(codeOf(() => mergeReports([]))).toMatch(/^INPUT_MISSING/);
  });

  it('property: merging the shards of any fleet gives back the fleet, whatever the split', () => {
    const status = fc.constantFrom<HostResult['status']>('unchanged', 'changed', 'failed', 'unreachable');
    const fleet = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9.-]{0,11}$/), status), { selector: ([n]) => n, minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(fleet, fc.integer({ min: 1, max: 7 }), fc.constantFrom<Command>('plan', 'apply', 'check'), (entries, count, command) => {
        const hosts = entries.map(([n, s]) => host(n, s));
        const whole = report(command, hosts);
        const merged = mergeReports(shardsOf(command, hosts, count));
        const byName = [...hosts].sort((a, b) => (a.name < b.name ? -1 : 1));
        expect(merged.hosts).toEqual(byName);
        expect(merged.summary).toEqual(whole.summary);
        expect(exitCode(merged)).toBe(exitCode(whole));
      }),
    );
  });
});

describe('parseReport / readReports', () => {
  it('reads a report written with --format json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-merge-'));
    const r = report('plan', [host('a', 'changed')], { shard: '1/1' });
    writeFileSync(join(dir, 'a.json'), JSON.stringify(r, null, 2));
    await expect(readReports([join(dir, 'a.json')])).resolves.toEqual([r]);
    await expect(readReports([join(dir, 'missing.json')])).rejects.toThrow(/missing\.json: cannot read the report: no such file/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the file and the problem of a report it cannot use', () => {
    expect(codeOf(() => parseReport('fleet plan: 3 hosts', 'text.out'))).toMatch(/^CONFIG_INVALID: text\.out: not JSON/);
    expect(codeOf(() => parseReport('{"version":2}', 'v2.json'))).toMatch(/v2\.json: not a fleet JSON report of version 1/);
    const good = report('check', [host('a', 'changed')]);
    expect(codeOf(() => parseReport(JSON.stringify({ ...good, command: 'deploy' }), 'c.json'))).toMatch(/"command" must be one of/);
    expect(codeOf(() => parseReport(JSON.stringify({ ...good, hosts: [{ name: 'a', status: 'weird' }] }), 'h.json'))).toMatch(/hosts\[0\] has no name or no known status/);
    expect(codeOf(() => parseReport(JSON.stringify({ ...good, shard: 'two' }), 's.json'))).toMatch(/"shard" is not K\/N/);
    expect(parseReport(JSON.stringify(good), 'ok.json')).toEqual(good);
  });
});
