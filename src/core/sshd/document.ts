/**
 * A lossless model of an sshd_config or ssh_config file: every line keeps its exact bytes, so
 * printing an untouched document gives back the file byte for byte, and an edit changes only
 * the lines it names.
 */
import { type LexedArgument, lexLine } from './lexer.js';

/** One line of a config file, as written and as sshd reads it. */
export interface ConfigLine {
  /** the line's text without its `\n` (a CRLF line keeps its `\r`) */
  text: string;
  /** `\n`, or `''` for a last line without a final newline */
  eol: '\n' | '';
  /** the keyword as written, or null for blank lines, comments and lines sshd ignores */
  keyword: string | null;
  /** the keyword lowercased (sshd matches keywords case-insensitively), or null */
  key: string | null;
  /** the arguments sshd reads, with their raw offsets in `text` */
  args: readonly LexedArgument[];
}

/** A parsed sshd_config file. `printSshdConfig(parseSshdConfig(x)) === x` for every string. */
export interface SshdDocument {
  lines: ConfigLine[];
}

/** Builds one line's model from its text. */
export function makeLine(text: string, eol: '\n' | ''): ConfigLine {
  const lexed = lexLine(text);
  return {
    text,
    eol,
    keyword: lexed.keyword,
    key: lexed.keyword === null ? null : lexed.keyword.toLowerCase(),
    args: lexed.args,
  };
}

/** Splits text into lines the way sshd does (on `\n` only) without losing a byte. */
export function parseConfigText(text: string): SshdDocument {
  if (text === '') return { lines: [] };
  const pieces = text.split('\n');
  const lines: ConfigLine[] = [];
  pieces.forEach((piece, i) => {
    const last = i === pieces.length - 1;
    // A trailing '\n' leaves an empty last piece: that is the end of the previous line, not a line.
    if (last && piece === '') return;
    lines.push(makeLine(piece, last ? '' : '\n'));
  });
  return { lines };
}

export function printConfigText(doc: SshdDocument): string {
  return doc.lines.map((line) => line.text + line.eol).join('');
}

/** Parses sshd_config text; lossless for any string (CRLF, tabs, no final newline, junk). */
export function parseSshdConfig(text: string): SshdDocument {
  return parseConfigText(text);
}

export function printSshdConfig(doc: SshdDocument): string {
  return printConfigText(doc);
}

/** The line ending a file already uses (first terminated line decides); `\n` for new files. */
export function lineEnding(doc: SshdDocument): '\n' | '\r\n' {
  const first = doc.lines.find((line) => line.eol === '\n');
  return first?.text.endsWith('\r') ? '\r\n' : '\n';
}

/** A new line with `text` (no terminator) ended with the document's line ending. */
export function newLine(text: string, ending: '\n' | '\r\n'): ConfigLine {
  return makeLine(ending === '\r\n' ? `${text}\r` : text, '\n');
}

/**
 * Before appending after the last line, it needs a terminator; a file without a final
 * newline gets one (the only change to an existing line an append ever makes).
 */
export function terminateLastLine(doc: SshdDocument, ending: '\n' | '\r\n'): void {
  const last = doc.lines[doc.lines.length - 1];
  if (last === undefined || last.eol === '\n') return;
  const text = ending === '\r\n' && !last.text.endsWith('\r') ? `${last.text}\r` : last.text;
  doc.lines[doc.lines.length - 1] = makeLine(text, '\n');
}

/**
 * Replaces the raw bytes of argument `index` of line `lineIndex` with `value`, keeping the
 * keyword's spelling, the separator, indentation, trailing comment and line ending. A value
 * that was written in double quotes stays quoted.
 */
export function replaceArgument(doc: SshdDocument, lineIndex: number, index: number, value: string, format: (v: string) => string): void {
  const line = doc.lines[lineIndex];
  const arg = line?.args[index];
  if (line === undefined || arg === undefined) throw new RangeError(`no argument ${index} on line ${lineIndex + 1}`);
  const raw = line.text.slice(arg.start, arg.end);
  const wasQuoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
  const written = wasQuoted && !value.includes('"') ? `"${value}"` : format(value);
  doc.lines[lineIndex] = makeLine(line.text.slice(0, arg.start) + written + line.text.slice(arg.end), line.eol);
}

/**
 * Replaces every argument of line `lineIndex` (from the first to the last, with the blanks
 * between them) by `values`, each written as one argument; keyword, indentation, a trailing
 * comment and the line ending stay.
 */
export function replaceArguments(doc: SshdDocument, lineIndex: number, values: readonly string[], format: (v: string) => string): void {
  const line = doc.lines[lineIndex];
  const first = line?.args[0];
  const last = line?.args[line.args.length - 1];
  if (line === undefined || first === undefined || last === undefined) throw new RangeError(`no arguments on line ${lineIndex + 1}`);
  doc.lines[lineIndex] = makeLine(line.text.slice(0, first.start) + values.map(format).join(' ') + line.text.slice(last.end), line.eol);
}

/** Turns a directive line into a comment sshd skips (`#` before the line, nothing after it). */
export function commentOut(doc: SshdDocument, lineIndex: number): void {
  const line = doc.lines[lineIndex];
  if (line === undefined) throw new RangeError(`no line ${lineIndex + 1}`);
  doc.lines[lineIndex] = makeLine(`#${line.text}`, line.eol);
}
