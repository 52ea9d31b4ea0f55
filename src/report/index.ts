/** Renders a finished run in the format asked for. */
import type { RunReport } from '../engine/types.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderOpenMetrics } from './openmetrics.js';
import { jsonText } from './safe-text.js';
import { renderText } from './text.js';

export type Format = 'text' | 'json' | 'markdown' | 'junit' | 'openmetrics';
export const FORMATS: readonly Format[] = ['text', 'json', 'markdown', 'junit', 'openmetrics'];

export function render(report: RunReport, format: Format): string {
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
      return renderText(report);
  }
}
