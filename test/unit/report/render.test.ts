import { describe, expect, it } from 'vitest';
import { exitCode, summarize, type HostResult, type RunReport } from '../../../src/engine/types.js';
import { render, wantsColor } from '../../../src/report/index.js';
import { groupChanges } from '../../../src/report/group.js';
import { checkedReport } from '../../helpers/report-schema.js';

const diff = '--- a/etc/ssh/sshd_config\n+++ b/etc/ssh/sshd_config\n@@ -1,1 +1,2 @@\n+ClientAliveInterval 298\n Port 22\n';
function host(name: string, status: HostResult['status'], extra: Partial<HostResult> = {}): HostResult {
  return { name, address: `127.0.1.${name.length}`, status, changes: status === 'changed' ? [{ file: '/etc/ssh/sshd_config', diff }] : [], effective: {}, explain: [], warnings: [], error: null, rolled_back: false, reloaded: false, duration_ms: 12, ...extra };
}
function report(command: RunReport['command'], hosts: HostResult[]): RunReport {
  return { version: 1, command, started_at: '2026-11-25T12:00:00.000Z', duration_ms: 1500, accept_new: false, summary: summarize(hosts), hosts };
}
const fleet = [
  host('web1', 'changed'),
  host('web2', 'changed'),
  host('db1', 'unchanged'),
  host('db2', 'failed', { error: { code: 'LOGIN_FAILED', message: 'a fresh login failed <&> "x"' }, rolled_back: true }),
  host('gone', 'unreachable', { error: { code: 'UNREACHABLE', message: 'connect ECONNREFUSED' } }),
];

describe('reports', () => {
  it('groups hosts whose diffs are identical', () => {
    const groups = groupChanges(fleet);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.hosts).toEqual(['web1', 'web2']);
  });

  it('text: one diff for the group, failures spelled out, a summary line', () => {
    const text = render(report('plan', fleet), 'text');
    expect(text).toContain('== 2 hosts: web1, web2');
    expect(text.split('+ClientAliveInterval 298').length - 1).toBe(1);
    expect(text).toContain('db2 (127.0.1.3) failed LOGIN_FAILED [rolled back]');
    expect(text).toContain('gone (127.0.1.4) unreachable UNREACHABLE');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^fleet plan: 5 hosts · 2 would change · 1 unchanged · 1 failed · 1 unreachable/);
    expect(text).not.toMatch(/\u001b\[/);
  });

  it('json: the documented v1 contract', () => {
    const parsed = checkedReport(JSON.parse(render(report('apply', fleet), 'json')));
    expect(parsed.version).toBe(1);
    expect(parsed.summary).toEqual({ hosts: 5, changed: 2, unchanged: 1, failed: 1, unreachable: 1 });
    expect(Object.keys(parsed.hosts[0] as object)).toEqual(expect.arrayContaining(['name', 'address', 'status', 'changes', 'effective', 'warnings', 'error', 'rolled_back', 'duration_ms']));
    expect(parsed.hosts[3]?.error).toEqual({ code: 'LOGIN_FAILED', message: 'a fresh login failed <&> "x"' });
  });

  it('markdown: a summary table and a diff block per group', () => {
    const md = render(report('plan', fleet), 'markdown');
    expect(md).toContain('| 5 | 2 | 1 | 1 | 1 |');
    expect(md).toContain('```diff\n--- a/etc/ssh/sshd_config');
    expect(md).toContain('| `db2` | failed | `LOGIN_FAILED` | yes | `a fresh login failed <&> "x"` |');
  });

  it('junit: a testcase per host, failures escaped', () => {
    const xml = render(report('check', fleet), 'junit');
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    // check: drift is a failure too, so CI turns red on drift
    expect(xml).toContain('failures="4"');
    expect(xml).toContain('a fresh login failed &lt;&amp;&gt; &quot;x&quot;');
  });
});

describe('exit codes', () => {
  it('plan and check: 0 nothing, 2 changes, 1 any failure; apply: 0 converged, 1 otherwise', () => {
    expect(exitCode(report('plan', [host('a', 'unchanged')]))).toBe(0);
    expect(exitCode(report('plan', [host('a', 'changed')]))).toBe(2);
    expect(exitCode(report('check', [host('a', 'changed'), host('b', 'unreachable')]))).toBe(1);
    expect(exitCode(report('apply', [host('a', 'changed'), host('b', 'unchanged')]))).toBe(0);
    expect(exitCode(report('apply', [host('a', 'failed')]))).toBe(1);
  });
});

describe('the published report schema', () => {
  it('refuses a report that breaks the contract (the check can fail)', () => {
    const good = checkedReport(JSON.parse(render(report('check', fleet), 'json')));
    expect(() => checkedReport({ ...good, version: 2 })).toThrow(/\/version/);
    expect(() => checkedReport({ ...good, hosts: [{ ...good.hosts[0], status: 'exploded' }] })).toThrow(/\/hosts\/0\/status/);
  });
});

describe('colour', () => {
  it('a text report paints its diffs only when asked, and never lets the host\'s own escapes through', () => {
    const hostile = host('web9', 'changed', { changes: [{ file: '/etc/ssh/sshd_config', diff: `${diff}+Banner \u001b]8;;http://x\u0007\n` }] });
    const painted = render(report('plan', [hostile]), 'text', { color: true });
    expect(painted).toContain('\u001b[32m+ClientAliveInterval 298\u001b[0m');
    expect(painted).toContain('\u001b[1m--- a/etc/ssh/sshd_config\u001b[0m');
    expect(painted).not.toContain('\u001b]8');
    expect(painted).not.toContain('\u0007');
    expect(render(report('plan', [hostile]), 'text')).not.toMatch(/\u001b/);
  });

  it('follows NO_COLOR and FORCE_COLOR, else colours only a terminal', () => {
    expect(wantsColor(true, {})).toBe(true);
    expect(wantsColor(false, {})).toBe(false);
    expect(wantsColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(true, { NO_COLOR: '' })).toBe(true);
    expect(wantsColor(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColor(false, { FORCE_COLOR: '0' })).toBe(false);
    expect(wantsColor(true, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
  });
});
