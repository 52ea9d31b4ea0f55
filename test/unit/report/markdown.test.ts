/**
 * The markdown report as a pull-request comment: rendered by a CommonMark renderer (markdown-it
 * with raw HTML on, as GitHub allows `<details>`), every host name reachable, long diffs
 * folded, warnings of unchanged hosts kept, version and duration, and the size guard.
 */
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { summarize, type HostResult, type RunReport } from '../../../src/engine/types.js';
import { MARKDOWN_BUDGET, renderMarkdown } from '../../../src/report/markdown.js';
import { FLEET_VERSION } from '../../../src/version.js';

const md = new MarkdownIt({ html: true, linkify: true });
const diffOf = (lines: number, tag = ''): string =>
  `--- a/etc/ssh/sshd_config\n+++ b/etc/ssh/sshd_config\n@@ -1,${lines} +1,${lines} @@\n${Array.from({ length: lines }, (_, i) => `-Old${tag} ${i}\n+New${tag} ${i}`).join('\n')}\n`;
function host(name: string, status: HostResult['status'], extra: Partial<HostResult> = {}): HostResult {
  return { name, address: '127.0.1.1', status, changes: [], effective: {}, explain: [], warnings: [], error: null, rolled_back: false, reloaded: false, duration_ms: 5, ...extra };
}
const report = (hosts: HostResult[]): RunReport => ({ version: 1, command: 'plan', started_at: '2026-12-02T07:00:00.000Z', duration_ms: 12_345, accept_new: false, summary: summarize(hosts), hosts });

describe('markdown report for a PR comment', () => {
  it('names every host of a large group (folded), folds a long diff, keeps unchanged hosts\' warnings, says version and duration', () => {
    const many = Array.from({ length: 45 }, (_, i) => host(`web${String(i).padStart(2, '0')}`, 'changed', { changes: [{ file: '/etc/ssh/sshd_config', diff: diffOf(60) }] }));
    const short = host('db1', 'changed', { changes: [{ file: '/etc/ssh/sshd_config', diff: diffOf(2, 'db') }] });
    const quiet = host('cache1', 'unchanged', { warnings: ['ClientAliveInterval has Match exceptions'] });
    const text = renderMarkdown(report([...many, short, quiet]));
    const html = md.render(text);
    for (const h of many) expect(html).toContain(h.name);
    expect(html).toMatch(/<details>\s*<summary>all 45 hosts<\/summary>/);
    expect(html).toMatch(/<summary>diff of 1 file \(123 lines\)<\/summary>/);
    // The short diff is shown as is, not folded.
    expect(text).not.toMatch(/<summary>diff of 1 file \(7 lines\)/);
    expect(html).toContain('+Newdb 1');
    expect(html).toContain('Warnings on unchanged hosts');
    expect(html).toContain('ClientAliveInterval has Match exceptions');
    expect(html).toContain('cache1');
    expect(text).toContain(`fleet ${FLEET_VERSION} · 2026-12-02T07:00:00.000Z · 12.3 s`);
  });

  it('stays under GitHub\'s 65,536 characters, keeps the failures, and says what was left out', () => {
    const hosts = [
      host('broken', 'failed', { error: { code: 'LOGIN_FAILED', message: 'a fresh login failed' }, rolled_back: true }),
      ...Array.from({ length: 300 }, (_, i) => host(`h${i}`, 'changed', { changes: [{ file: '/etc/ssh/sshd_config', diff: diffOf(30, String(i)) }] })),
    ];
    const text = renderMarkdown(report(hosts));
    expect(text.length).toBeLessThanOrEqual(MARKDOWN_BUDGET + 400);
    expect(text.length).toBeLessThan(65_536);
    expect(text).toContain('LOGIN_FAILED');
    expect(text).toMatch(/✂️ \d+ more sections left out: a comment holds at most 65,536 characters/);
    // Without the guard this report would be far over the limit (the test can fail).
    expect(renderMarkdown(report(hosts), Number.POSITIVE_INFINITY).length).toBeGreaterThan(65_536);
  });
});
