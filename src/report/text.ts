/** The human report: summary, grouped diffs with their explanation, failures spelled out. */
import type { RunReport } from '../engine/types.js';
import { changedWord, groupChanges, hostList, plural } from './group.js';

export function summaryLine(report: RunReport): string {
  const s = report.summary;
  return `fleet ${report.command}: ${plural(s.hosts, 'host')} · ${s.changed} ${changedWord(report.command)} · ${s.unchanged} unchanged · ${s.failed} failed · ${s.unreachable} unreachable (${(report.duration_ms / 1000).toFixed(1)} s)`;
}

export function renderText(report: RunReport): string {
  const out: string[] = [];
  if (report.accept_new) out.push('note: --accept-new was given: unknown host keys were trusted and recorded on first use');
  for (const group of groupChanges(report.hosts)) {
    out.push('', `== ${plural(group.hosts.length, 'host')}: ${hostList(group.hosts)}`);
    for (const line of group.explain) out.push(`   ${line}`);
    for (const w of group.warnings) out.push(`   warning: ${w}`);
    for (const c of group.changes) out.push(c.diff.replace(/\n$/, ''));
  }
  // Hosts with nothing to change can still carry warnings (Match exceptions, advice); each
  // distinct warning is printed once with the hosts it concerns.
  const byWarning = new Map<string, string[]>();
  for (const h of report.hosts.filter((x) => x.status === 'unchanged')) {
    for (const w of h.warnings) byWarning.set(w, [...(byWarning.get(w) ?? []), h.name]);
  }
  if (byWarning.size > 0) out.push('');
  for (const [w, names] of byWarning) out.push(`warning (${hostList(names)}): ${w}`);
  const bad = report.hosts.filter((h) => h.status === 'failed' || h.status === 'unreachable');
  if (bad.length > 0) {
    out.push('', 'Failed and unreachable hosts:');
    for (const h of bad) {
      out.push(`  ${h.name} (${h.address}) ${h.status} ${h.error?.code ?? ''}${h.rolled_back ? ' [rolled back]' : ''}: ${h.error?.message ?? ''}`);
    }
  }
  out.push('', summaryLine(report));
  return out.join('\n').replace(/^\n/, '') + '\n';
}
