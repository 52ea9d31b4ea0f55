/** JUnit XML: one testcase per host, so CI systems show a red host by name. */
import type { RunReport } from '../engine/types.js';

const xml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string)
    // XML 1.0 cannot carry most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function renderJunit(report: RunReport): string {
  const failing = report.hosts.filter((h) => h.status === 'failed' || h.status === 'unreachable' || (report.command === 'check' && h.status === 'changed'));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fleet ${report.command}" tests="${report.hosts.length}" failures="${failing.length}" time="${(report.duration_ms / 1000).toFixed(3)}">`,
    `  <testsuite name="fleet ${report.command}" tests="${report.hosts.length}" failures="${failing.length}" timestamp="${report.started_at}" time="${(report.duration_ms / 1000).toFixed(3)}">`,
  ];
  for (const h of report.hosts) {
    lines.push(`    <testcase classname="fleet.${report.command}" name="${xml(h.name)}" time="${(h.duration_ms / 1000).toFixed(3)}">`);
    if (h.status === 'failed' || h.status === 'unreachable') {
      lines.push(`      <failure type="${xml(h.error?.code ?? h.status)}" message="${xml(h.error?.message ?? h.status)}">${xml(`${h.status}${h.rolled_back ? ', rolled back' : ''}: ${h.error?.message ?? ''}`)}</failure>`);
    } else if (report.command === 'check' && h.status === 'changed') {
      lines.push(`      <failure type="DRIFT" message="drift">${xml([...h.warnings, ...h.changes.map((c) => c.diff)].join('\n'))}</failure>`);
    }
    if (h.changes.length > 0 && report.command !== 'check') lines.push(`      <system-out>${xml(h.changes.map((c) => c.diff).join('\n'))}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
