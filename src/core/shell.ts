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
