/**
 * POSIX shell quoting. Every value that reaches a remote shell goes through `quote`,
 * so no inventory or policy value can ever be read as shell syntax.
 */

/** Quotes one argument for a POSIX shell: single quotes, with `'` written as `'\''`. */
export function quote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('a shell argument cannot contain a NUL byte');
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Builds a command line from a program and its arguments, each quoted. */
export function command(...argv: string[]): string {
  return argv.map(quote).join(' ');
}

/** The inverse of `quote` for one word it wrote; null for anything else. */
export function unquote(word: string): string | null {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  const m = /^'((?:[^']|'\\'')*)'$/.exec(word);
  return m ? (m[1] as string).replaceAll(`'\\''`, "'") : null;
}

/** The script of a command line that is exactly `sh -c <one quoted word>`, else null. */
export function shScript(line: string): string | null {
  return line.startsWith('sh -c ') ? unquote(line.slice('sh -c '.length)) : null;
}
