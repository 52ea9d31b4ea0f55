/**
 * The human report: summary, grouped diffs with their explanation, failures spelled out.
 * Host text goes through safe-text.ts: it reaches a terminal.
 */
import type { RunReport } from '../engine/types.js';
import { changedWord, groupChanges, hostList, plural } from './group.js';
import { indented, oneLine, stripControls } from './safe-text.js';

export function summaryLine(report: RunReport): string {
  const s = report.summary;
  return `fleet ${report.command}: ${plural(s.hosts, 'host')} · ${s.changed} ${changedWord(report.command)} · ${s.unchanged} unchanged · ${s.failed} failed · ${s.unreachable} unreachable (${(report.duration_ms / 1000).toFixed(1)} s)`;
}

/** SGR colours of a diff line, as `git diff` paints them. */
const PAINT: Record<string, string> = { '+': '\x1b[32m', '-': '\x1b[31m', '@': '\x1b[36m' };

/** Paints a diff (already stripped of the host's control bytes) line by line; headers bold. */
function paintDiff(diff: string): string {
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++ ') || line.startsWith('--- ')) return `\x1b[1m${line}\x1b[0m`;
      const colour = PAINT[line[0] ?? ''];
      return colour === undefined || line === '' ? line : `${colour}${line}\x1b[0m`;
    })
    .join('\n');
}

export function renderText(report: RunReport, color = false): string {
  const out: string[] = [];
  if (report.accept_new) out.push('note: --accept-new was given: unknown host keys were trusted and recorded on first use');
  for (const group of groupChanges(report.hosts)) {
    out.push('', `== ${plural(group.hosts.length, 'host')}: ${oneLine(hostList(group.hosts))}`);
    for (const line of group.explain) out.push(`   ${indented(line, '     ')}`);
    for (const w of group.warnings) out.push(`   warning: ${indented(w, '     ')}`);
    // A diff is many lines by nature; its lines all begin with a diff marker, so none passes for fleet's own.
    for (const c of group.changes) {
      const diff = stripControls(c.diff).replace(/\n$/, '');
      out.push(color ? paintDiff(diff) : diff);
    }
  }
  // Hosts with nothing to change can still carry warnings (Match exceptions, advice); each
  // distinct warning is printed once with the hosts it concerns.
  const byWarning = new Map<string, string[]>();
  for (const h of report.hosts.filter((x) => x.status === 'unchanged')) {
    for (const w of h.warnings) byWarning.set(w, [...(byWarning.get(w) ?? []), h.name]);
  }
  if (byWarning.size > 0) out.push('');
  for (const [w, names] of byWarning) out.push(`warning (${oneLine(hostList(names))}): ${indented(w, '  ')}`);
  const bad = report.hosts.filter((h) => h.status === 'failed' || h.status === 'unreachable');
  if (bad.length > 0) {
    out.push('', 'Failed and unreachable hosts:');
    for (const h of bad) {
      const code = oneLine(h.error?.code ?? '');
      out.push(`  ${oneLine(h.name)} (${oneLine(h.address)}) ${h.status} ${code}${h.rolled_back ? ' [rolled back]' : ''}: ${indented(h.error?.message ?? '', '    ')}`);
    }
  }
  out.push('', summaryLine(report));
  return out.join('\n').replace(/^\n/, '') + '\n';
}
