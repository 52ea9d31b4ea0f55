/** Renders a finished run in the format asked for. */
import type { RunReport } from '../engine/types.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderOpenMetrics } from './openmetrics.js';
import { jsonText } from './safe-text.js';
import { renderText } from './text.js';

export type Format = 'text' | 'json' | 'markdown' | 'junit' | 'openmetrics';
export const FORMATS: readonly Format[] = ['text', 'json', 'markdown', 'junit', 'openmetrics'];

/**
 * Colour for a text report on a terminal, as the conventions say: FORCE_COLOR (non-empty, not
 * 0/false) turns it on anywhere, NO_COLOR (non-empty) turns it off, else only when the report
 * goes to a terminal, never into a file or a pipe.
 */
export function wantsColor(toTerminal: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return toTerminal;
}

export function render(report: RunReport, format: Format, opts: { color?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return jsonText(report) + '\n';
    case 'markdown':
      return renderMarkdown(report);
    case 'junit':
      return renderJunit(report);
    case 'openmetrics':
      return renderOpenMetrics(report);
    case 'text':
      return renderText(report, opts.color ?? false);
  }
}
