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

/**
 * A script as a shell reads it from stdin (`sh -s`, or a here-document): one brace group, so the
 * shell parses all of it before it runs any of it, with stdin from /dev/null, so no command in
 * it can read the rest of the script. Without the group a command that reads stdin would eat
 * what follows it (bash reads a pipe byte by byte, handing the rest to the command), or find
 * nothing while later lines were lost (dash and busybox read ahead in blocks).
 */
export function stdinScript(script: string): string {
  return `{\n${script}\n} </dev/null\n`;
}

/** Ends the here-document of `stdinScriptReading`: `_` is not in base64's alphabet, so no line of it can. */
const INPUT_END = 'FLEET_INPUT_END';

/**
 * `stdinScript` for a script whose commands read `input` on stdin: exactly its bytes (binary,
 * CRLF, no final newline), then EOF. They travel inside the script as base64 in a quoted
 * here-document, decoded into the group's stdin (a pipeline, so the group runs in a subshell;
 * `$$` is still the shell's own pid).
 */
export function stdinScriptReading(script: string, input: Buffer): string {
  const lines = input.toString('base64').match(/.{1,76}/g) ?? [];
  return [`base64 -d <<'${INPUT_END}' | {`, ...lines, INPUT_END, script, '}', ''].join('\n');
}

/**
 * `cmd` with `body` as its stdin, in a quoted here-document (nothing in it is expanded) whose
 * end word is no line of `body`, so nothing in `body` can end it early.
 */
export function withHereDocument(cmd: string, body: string): string {
  const lines = new Set(body.split('\n'));
  let end = 'FLEET_STDIN_END';
  for (let n = 1; lines.has(end); n++) end = `FLEET_STDIN_END_${n}`;
  return `${cmd} <<'${end}'\n${body}${body.endsWith('\n') ? '' : '\n'}${end}`;
}
