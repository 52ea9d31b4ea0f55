/**
 * How a script for a host is put together: a prologue of `name=value` assignments, each value
 * quoted with `quote`, then the fixed bodies of src/remote/*.sh, then the calls that carry
 * data (file contents as base64 in quoted here-documents). Nothing read from a host, an
 * inventory or a policy ever reaches the shell unquoted, and a body is the same bytes every run.
 */
import { InternalError } from '../core/errors.js';
import { quote } from '../core/shell.js';

/** A value for a script's input: a list is one item a line, a flag is 1 or 0. */
export type ShellInput = string | number | boolean | readonly string[];

/** Lists travel one item a line, so an item may hold no newline (no sshd path or value can). */
function lines(name: string, items: readonly string[]): string {
  for (const item of items) {
    if (item.includes('\n') || item === '') throw new InternalError(`${name}: a list item for a host script is empty or holds a newline: ${JSON.stringify(item)}`);
  }
  return items.join('\n');
}

/** The prologue: one quoted assignment a line. */
export function inputs(values: Readonly<Record<string, ShellInput>>): string {
  return Object.entries(values)
    .map(([name, value]) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new InternalError(`not a script input name: ${name}`);
      const text = typeof value === 'boolean' ? (value ? '1' : '0') : typeof value === 'number' ? String(value) : typeof value === 'string' ? value : lines(name, value);
      return `${name}=${quote(text)}`;
    })
    .join('\n');
}

/** One call of a body's function, each argument quoted. */
export function call(fn: string, ...args: string[]): string {
  return [fn, ...args.map(quote)].join(' ');
}

/** Ends a here-document of base64: `_` is not in base64's alphabet, so no payload line can end it early. */
const B64_END = 'FLEET_B64_END';

/** `cmd` with `text` as base64 on its stdin, in a quoted here-document: the shell expands nothing in it. */
export function withBase64(cmd: string, text: string): string {
  const body = Buffer.from(text, 'utf8').toString('base64').match(/.{1,76}/g) ?? [];
  return [`${cmd} <<'${B64_END}'`, ...body, B64_END].join('\n');
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A script: its prologue, then its parts in order. */
export function script(values: Readonly<Record<string, ShellInput>>, ...parts: string[]): string {
  return [inputs(values), ...parts.map((p) => p.replace(/\n$/, ''))].filter((p) => p !== '').join('\n');
}
