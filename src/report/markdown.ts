/**
 * A report that fits a pull-request comment: who ran what, a summary table, the failures, then
 * grouped diffs in `diff` blocks. Host text never renders (safe-text.ts): diffs sit in fences
 * longer than any backtick run in them, and every other piece of host text (names,
 * explanations, warnings, reasons) is an inline code span, where no link, image, HTML,
 * autolink or @mention is made.
 *
 * GitHub refuses a comment over 65,536 characters, and a refused comment shows reviewers
 * nothing: past a budget below that, whole sections are left out and a note says how many and
 * where the full report is. Long lists and diffs fold into `<details>`, so the comment stays
 * readable while every host name and every line is still in it.
 */
import type { HostResult, RunReport } from '../engine/types.js';
import { FLEET_VERSION } from '../version.js';
import { changedWord, groupChanges, hostList, plural } from './group.js';
import { codeBlock, codeSpan } from './safe-text.js';

/** GitHub's limit on a comment body is 65,536 characters; leave room for a wrapper's marker and note. */
export const MARKDOWN_BUDGET = 60_000;
/** Diffs longer than this many lines are folded. */
const FOLD_DIFF_LINES = 40;
/** Groups naming more hosts than this show the first ones and fold the whole list. */
const NAMES_SHOWN = 20;

const cell = (s: string): string => codeSpan(s, true);

function folded(summary: string, body: string[]): string[] {
  // The blank lines let GitHub read the markdown inside the HTML block.
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>'];
}

function groupSection(hosts: string[], explain: string[], warnings: string[], changes: HostResult['changes']): string[] {
  const out = ['', `#### ${plural(hosts.length, 'host')}: ${codeSpan(hostList(hosts, NAMES_SHOWN))}`, ''];
  if (hosts.length > NAMES_SHOWN) out.push(...folded(`all ${hosts.length} hosts`, codeBlock(hosts.join('\n'))), '');
  for (const line of explain) out.push(`- ${codeSpan(line)}`);
  for (const w of warnings) out.push(`- ⚠️ ${codeSpan(w)}`);
  const diff = changes.map((c) => c.diff.replace(/\n$/, '')).join('\n');
  const lines = diff.split('\n').length;
  out.push('', ...(lines > FOLD_DIFF_LINES ? folded(`diff of ${plural(changes.length, 'file')} (${lines} lines)`, codeBlock(diff, 'diff')) : codeBlock(diff, 'diff')));
  return out;
}

export function renderMarkdown(report: RunReport, budget = MARKDOWN_BUDGET): string {
  const s = report.summary;
  const head = [
    `### fleet ${report.command}`,
    '',
    `fleet ${FLEET_VERSION} · ${report.started_at} · ${(report.duration_ms / 1000).toFixed(1)} s${report.shard ? ` · shard ${report.shard}` : ''}`,
    '',
    `| hosts | ${changedWord(report.command)} | unchanged | failed | unreachable |`,
    '|---:|---:|---:|---:|---:|',
    `| ${s.hosts} | ${s.changed} | ${s.unchanged} | ${s.failed} | ${s.unreachable} |`,
  ];
  if (report.accept_new) head.push('', '> `--accept-new` was given: unknown host keys were trusted on first use.');

  // Sections in the order a reviewer needs them; failures first, since they block the change.
  const sections: string[][] = [];
  const bad = report.hosts.filter((h) => h.status === 'failed' || h.status === 'unreachable');
  if (bad.length > 0) {
    sections.push(['', '#### Failed and unreachable', '', '| host | status | code | rolled back | reason |', '|---|---|---|---|---|']);
    for (const h of bad) sections.push([`| ${cell(h.name)} | ${h.status} | ${cell(h.error?.code ?? '')} | ${h.rolled_back ? 'yes' : 'no'} | ${cell(h.error?.message ?? '')} |`]);
  }
  for (const g of groupChanges(report.hosts)) sections.push(groupSection(g.hosts, g.explain, g.warnings, g.changes));
  // Hosts with nothing to change can still carry warnings (Match exceptions, advice).
  const byWarning = new Map<string, string[]>();
  for (const h of report.hosts.filter((x) => x.status === 'unchanged')) {
    for (const w of h.warnings) byWarning.set(w, [...(byWarning.get(w) ?? []), h.name]);
  }
  if (byWarning.size > 0) {
    sections.push(['', '#### Warnings on unchanged hosts', '']);
    for (const [w, names] of byWarning) sections.push([`- ⚠️ ${codeSpan(w)} (${plural(names.length, 'host')}: ${codeSpan(hostList(names, NAMES_SHOWN))})`]);
  }

  const out = [...head];
  let size = out.join('\n').length;
  let left = 0;
  for (const section of sections) {
    const text = section.join('\n');
    if (left > 0 || size + text.length + 1 > budget) {
      left += 1;
      continue;
    }
    out.push(...section);
    size += text.length + 1;
  }
  if (left > 0) {
    out.push('', `> ✂️ ${plural(left, 'more section')} left out: a comment holds at most 65,536 characters. The full report is in the run's output; \`fleet report merge REPORT.json --format text\` renders a saved JSON report again.`);
  }
  return out.join('\n') + '\n';
}
