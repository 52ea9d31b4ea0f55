/**
 * Splits one configuration line into keyword and arguments exactly as OpenSSH 9.x does
 * (servconf.c / readconf.c: `strdelim` for the keyword, `argv_split` for the rest), and keeps
 * each argument's position in the raw line so an edit can replace just the value's bytes.
 */

/** One argument: its decoded text and where its raw bytes sit in the line. */
export interface LexedArgument {
  /** the argument as sshd sees it: quotes removed, `\"` `\'` `\\` `\ ` unescaped */
  value: string;
  /** offset of the first raw character (a quote, if quoted) */
  start: number;
  /** offset just past the last raw character */
  end: number;
}

/** What sshd makes of one line. `keyword === null` means the line is blank, a comment, or ignored. */
export interface LexedLine {
  /** the keyword as written (quotes removed), or null when sshd ignores the line */
  keyword: string | null;
  /** offset of the keyword's first raw character */
  keywordStart: number;
  /** arguments before any unquoted `#` that starts an argument (sshd ends the line there) */
  args: LexedArgument[];
  /** true when a quote is left open (sshd rejects the line: "invalid quotes") */
  badQuotes: boolean;
}

// sshd's WHITESPACE (misc.h); argv_split itself only splits on space and tab.
const WHITESPACE = ' \t\r\n';

function isWhitespace(c: string | undefined): boolean {
  return c !== undefined && WHITESPACE.includes(c);
}

/** Lexes one line (without its `\n`; a CRLF line keeps its `\r`, which sshd strips as whitespace). */
export function lexLine(line: string): LexedLine {
  const none: LexedLine = { keyword: null, keywordStart: 0, args: [], badQuotes: false };
  // load_server_config strips leading " \t\r"; process_server_config_line strips trailing
  // whitespace and form feeds, but never the first remaining character.
  let start = 0;
  while (start < line.length && ' \t\r'.includes(line[start] as string)) start++;
  let end = line.length;
  while (end - 1 > start && (isWhitespace(line[end - 1]) || line[end - 1] === '\f')) end--;
  if (start >= end) return none;

  let token = strdelim(line, start, end);
  if (token === null) return none;
  if (token.text === '') {
    if (token.next === null) return none;
    token = strdelim(line, token.next, end);
    if (token === null) return none;
  }
  if (token.text === '' || token.text.startsWith('#')) return none;
  const keywordStart = token.start;
  if (token.next === null || token.next >= end) {
    return { keyword: token.text, keywordStart, args: [], badQuotes: false };
  }
  const split = argvSplit(line, token.next, end);
  return { keyword: token.text, keywordStart, args: split.args, badQuotes: split.badQuotes };
}

interface Token {
  text: string;
  start: number;
  /** where the rest of the line starts, or null when the token ran to the end */
  next: number | null;
}

/** misc.c `strdelim_internal(s, split_equals=1)`: one token, then whitespace and at most one `=`. */
function strdelim(line: string, from: number, end: number): Token | null {
  let p = from;
  while (p < end && !`${WHITESPACE}"=`.includes(line[p] as string)) p++;
  if (p >= end) return { text: line.slice(from, end), start: from, next: null };
  if (line[p] === '"') {
    // The quote is removed and the token runs to the next quote; no closing quote → NULL.
    const close = line.indexOf('"', p + 1);
    if (close === -1 || close >= end) return null;
    const text = line.slice(from, p) + line.slice(p + 1, close);
    return { text, start: from, next: skipWhitespace(line, close + 1, end) };
  }
  const sawEquals = line[p] === '=';
  let next = skipWhitespace(line, p + 1, end);
  if (!sawEquals && line[next] === '=' && next < end) next = skipWhitespace(line, next + 1, end);
  return { text: line.slice(from, p), start: from, next };
}

function skipWhitespace(line: string, from: number, end: number): number {
  let i = from;
  while (i < end && isWhitespace(line[i])) i++;
  return i;
}

/** misc.c `argv_split(s, ..., terminate_on_comment=1)` with raw offsets kept. */
function argvSplit(line: string, from: number, end: number): { args: LexedArgument[]; badQuotes: boolean } {
  const args: LexedArgument[] = [];
  let i = from;
  while (i < end) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    const start = i;
    let quote = '';
    let value = '';
    for (; i < end; i++) {
      const ch = line[i] as string;
      const after = line[i + 1];
      if (ch === '\\') {
        if (i + 1 < end && (after === "'" || after === '"' || after === '\\' || (quote === '' && after === ' '))) {
          i++;
          value += after;
        } else value += ch;
      } else if (quote === '' && (ch === ' ' || ch === '\t')) break;
      else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
      else if (quote !== '' && ch === quote) quote = '';
      else value += ch;
    }
    if (quote !== '') return { args, badQuotes: true };
    args.push({ value, start, end: i });
  }
  return { args, badQuotes: false };
}

/**
 * Writes a value as one sshd argument: bare when sshd would read it back unchanged, else in
 * double quotes (values with `"` cannot be written; callers only write validated values).
 */
export function formatArgument(value: string): string {
  if (value !== '' && !/[\s"'#\\]/.test(value)) return value;
  return `"${value}"`;
}
