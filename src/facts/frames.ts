/**
 * The probe's output format. Each frame is a header line `@@<tag> <arg>…` followed by zero
 * or more lines of payload: base64 for file bytes (it keeps every byte, CRLF, no final
 * newline, invalid UTF-8, exact, and can never contain `@`, so payload cannot fake a header),
 * plain text for the tags in TEXT_TAGS, whose lines always start with a keyword (`sshd -T`,
 * `systemctl show`) and so never with `@@`: printing them raw saves the host a `base64`.
 * Paths travel raw at the end of a header line (they hold no newline).
 */

/** Frames whose payload is text lines, not base64. */
const TEXT_TAGS: ReadonlySet<string> = new Set(['T', 'units']);

/** One frame: its tag, header arguments and decoded payload bytes. */
export interface Frame {
  tag: string;
  /** The header after the tag, split on spaces. */
  args: string[];
  /** The header after the tag, unsplit (a path in a header is all of it). */
  rest: string;
  payload: Buffer;
}

/** Splits probe output into frames. Text before the first header (shell noise) is ignored. */
export function parseFrames(output: string): Frame[] {
  const frames: Frame[] = [];
  let current: { tag: string; rest: string; lines: string[] } | null = null;
  const flush = () => {
    if (current) {
      const { tag, rest, lines } = current;
      const payload = TEXT_TAGS.has(tag) ? Buffer.from(lines.join('\n'), 'utf8') : Buffer.from(lines.join(''), 'base64');
      frames.push({ tag, rest, args: rest === '' ? [] : rest.split(' '), payload });
    }
  };
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('@@')) {
      flush();
      const header = line.slice(2);
      const space = header.indexOf(' ');
      current = space === -1 ? { tag: header, rest: '', lines: [] } : { tag: header.slice(0, space), rest: header.slice(space + 1), lines: [] };
    } else if (current && (line !== '' || TEXT_TAGS.has(current.tag))) {
      current.lines.push(line);
    }
  }
  flush();
  return frames;
}
