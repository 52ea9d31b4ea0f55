/** A report that fits a pull-request comment: a summary table, grouped diffs in `diff` blocks. */
import type { RunReport } from '../engine/types.js';
import { changedWord, groupChanges, hostList, plural } from './group.js';

const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

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
    out.push('', `#### ${plural(group.hosts.length, 'host')}: ${hostList(group.hosts, 20)}`, '');
    for (const line of group.explain) out.push(`- ${line}`);
    for (const w of group.warnings) out.push(`- ⚠️ ${w}`);
    out.push('', '```diff', ...group.changes.map((c) => c.diff.replace(/\n$/, '')), '```');
  }
  const bad = report.hosts.filter((h) => h.status === 'failed' || h.status === 'unreachable');
  if (bad.length > 0) {
    out.push('', '#### Failed and unreachable', '', '| host | status | code | rolled back | reason |', '|---|---|---|---|---|');
    for (const h of bad) out.push(`| ${cell(h.name)} | ${h.status} | ${h.error?.code ?? ''} | ${h.rolled_back ? 'yes' : 'no'} | ${cell(h.error?.message ?? '')} |`);
  }
  return out.join('\n') + '\n';
}
