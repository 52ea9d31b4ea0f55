/** Renders a finished run in the format asked for. */
import type { RunReport } from '../engine/types.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { jsonText } from './safe-text.js';
import { renderText } from './text.js';

export type Format = 'text' | 'json' | 'markdown' | 'junit';
export const FORMATS: readonly Format[] = ['text', 'json', 'markdown', 'junit'];

export function render(report: RunReport, format: Format): string {
  switch (format) {
    case 'json':
      return jsonText(report) + '\n';
    case 'markdown':
      return renderMarkdown(report);
    case 'junit':
      return renderJunit(report);
    case 'text':
      return renderText(report);
  }
}
