/** JUnit XML: one testcase per host, so CI systems show a red host by name. */
import type { RunReport } from '../engine/types.js';
import { stripControls } from './safe-text.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\n': '&#10;', '\t': '&#9;' };
const XML_FORBIDDEN = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g;

/**
 * Host text as XML character data or an attribute value. Controls go (XML 1.0 cannot carry
 * most of them, and a CI page or log that shows the text must not get an escape byte), and so
 * do the code points XML forbids outright (lone surrogates, U+FFFE, U+FFFF).
 */
const xml = (s: string): string => stripControls(s).replace(XML_FORBIDDEN, '').replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
/** In an attribute, newlines and tabs are character references: a parser turns literal ones into spaces. */
const attr = (s: string): string => stripControls(s).replace(XML_FORBIDDEN, '').replace(/[&<>"'\n\t]/g, (c) => ENTITIES[c] as string);

export function renderJunit(report: RunReport): string {
  const failing = report.hosts.filter((h) => h.status === 'failed' || h.status === 'unreachable' || (report.command === 'check' && h.status === 'changed'));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fleet ${report.command}" tests="${report.hosts.length}" failures="${failing.length}" time="${(report.duration_ms / 1000).toFixed(3)}">`,
    `  <testsuite name="fleet ${report.command}" tests="${report.hosts.length}" failures="${failing.length}" timestamp="${attr(report.started_at)}" time="${(report.duration_ms / 1000).toFixed(3)}">`,
  ];
  for (const h of report.hosts) {
    lines.push(`    <testcase classname="fleet.${report.command}" name="${attr(h.name)}" time="${(h.duration_ms / 1000).toFixed(3)}">`);
    if (h.status === 'failed' || h.status === 'unreachable') {
      lines.push(`      <failure type="${attr(h.error?.code ?? h.status)}" message="${attr(h.error?.message ?? h.status)}">${xml(`${h.status}${h.rolled_back ? ', rolled back' : ''}: ${h.error?.message ?? ''}`)}</failure>`);
    } else if (report.command === 'check' && h.status === 'changed') {
      lines.push(`      <failure type="DRIFT" message="drift">${xml([...h.warnings, ...h.changes.map((c) => c.diff)].join('\n'))}</failure>`);
    }
    if (h.changes.length > 0 && report.command !== 'check') lines.push(`      <system-out>${xml(h.changes.map((c) => c.diff).join('\n'))}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
