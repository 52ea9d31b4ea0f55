/**
 * A report that fits a pull-request comment: a summary table, grouped diffs in `diff` blocks.
 * Host text never renders (safe-text.ts): diffs sit in fences longer than any backtick run in
 * them, and every other piece of host text (names, explanations, warnings, reasons) is an
 * inline code span, where no link, image, HTML, autolink or @mention is made.
 */
import type { RunReport } from '../engine/types.js';
import { changedWord, groupChanges, hostList, plural } from './group.js';
import { codeBlock, codeSpan } from './safe-text.js';

const cell = (s: string): string => codeSpan(s, true);

export function renderMarkdown(report: RunReport): string {
  const s = report.summary;
  const out = [
    `### fleet ${report.command}`,
    '',
    `| hosts | ${changedWord(report.command)} | unchanged | failed | unreachable |`,
    '|---:|---:|---:|---:|---:|',
    `| ${s.hosts} | ${s.changed} | ${s.unchanged} | ${s.failed} | ${s.unreachable} |`,
  ];
  if (report.accept_new) out.push('', '> `--accept-new` was given: unknown host keys were trusted on first use.');
  for (const group of groupChanges(report.hosts)) {
    out.push('', `#### ${plural(group.hosts.length, 'host')}: ${codeSpan(hostList(group.hosts, 20))}`, '');
    for (const line of group.explain) out.push(`- ${codeSpan(line)}`);
    for (const w of group.warnings) out.push(`- ⚠️ ${codeSpan(w)}`);
    out.push('', ...codeBlock(group.changes.map((c) => c.diff.replace(/\n$/, '')).join('\n'), 'diff'));
  }
  const bad = report.hosts.filter((h) => h.status === 'failed' || h.status === 'unreachable');
  if (bad.length > 0) {
    out.push('', '#### Failed and unreachable', '', '| host | status | code | rolled back | reason |', '|---|---|---|---|---|');
    for (const h of bad) out.push(`| ${cell(h.name)} | ${h.status} | ${cell(h.error?.code ?? '')} | ${h.rolled_back ? 'yes' : 'no'} | ${cell(h.error?.message ?? '')} |`);
  }
  return out.join('\n') + '\n';
}
