/**
 * Host text made safe for the formats people read. A host's config, file names, `sshd -t`
 * messages and Match criteria are written by whoever controls that host: printed raw, a byte
 * of them could move the operator's cursor, rewrite a line, set a terminal hyperlink, or, in a
 * pull-request comment, close a code fence and render a link, an image or an @mention. Every
 * human renderer (text, markdown, junit, progress lines) passes host text through here; the
 * JSON report keeps the exact data (JSON escapes every control character itself).
 */

/**
 * C0 controls except tab and newline, DEL, C1 controls (U+0080–U+009F: 8-bit CSI and OSC in a
 * terminal), and the bidirectional embedding, override and isolate marks that can display text
 * in another order than it is read ("Trojan Source").
 */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Removes control characters, keeping `\n` and `\t`. Only the control bytes go: what an escape
 * sequence held (`[31m`, `]8;;http://…`) stays visible, so the reader sees that the host's text
 * carried one. A CR goes too: it could draw a second line over the first.
 */
export function stripControls(text: string): string {
  return text.replace(CONTROLS, '');
}

/** Host text on one line (a progress line, a table cell): controls gone, line breaks shown as ` ⏎ `. */
export function oneLine(text: string): string {
  return stripControls(text).replace(/\n+$/, '').replaceAll('\n', ' ⏎ ');
}

/** Continuation lines of a multi-line message indented by `indent`, so no host line can pass for one of fleet's own. */
export function indented(text: string, indent: string): string {
  return stripControls(text).replace(/\n+$/, '').replaceAll('\n', `\n${indent}`);
}

const longestRun = (text: string, char: string): number => {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
};

/**
 * A fenced code block whose fence is longer than any backtick run in the content, so no line of
 * the content can close it (CommonMark: a closing fence has at least as many backticks as the
 * opening one). Returns the block's lines.
 */
export function codeBlock(content: string, info = ''): string[] {
  const body = stripControls(content).replace(/\n$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return [`${fence}${info}`, ...body.split('\n'), fence];
}

/**
 * Host text outside a code block, as an inline code span: nothing in a code span renders as a
 * link, an image, HTML, emphasis or an autolink, and GitHub does not turn `@name` or `#123` in
 * one into a mention or a reference (backslash escapes would not stop those, nor a bare URL).
 * The delimiter is longer than any backtick run inside; one space pads content that begins or
 * ends with a backtick or a space, which CommonMark strips again. Line breaks become spaces.
 * `inTable` escapes `|`, which GFM reads as a cell border even inside a code span.
 */
export function codeSpan(text: string, inTable = false): string {
  let body = stripControls(text).replace(/\n+$/, '').replace(/[\n\t]/g, ' ');
  if (body === '') return '';
  if (inTable) body = body.replaceAll('|', '\\|');
  const ticks = '`'.repeat(longestRun(body, '`') + 1);
  const pad = /^[ `]|[ `]$/.test(body) && body.trim() !== '' ? ' ' : '';
  return `${ticks}${pad}${body}${pad}${ticks}`;
}

/**
 * The JSON report keeps the exact data: JSON escapes C0 controls itself, and the characters it
 * may leave raw (DEL, C1, bidi marks) are written as `\uXXXX` too, so even `cat report.json`
 * cannot send an escape byte. A parser reads back the same strings.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
