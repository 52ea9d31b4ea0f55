/**
 * The expansions ssh applies to file names and host names (misc.c): `~` for the home directory,
 * `%x` tokens, and `${VAR}` from the environment. Pure: the caller passes every value in.
 */

/** Why an expansion failed, for a message that names the line. */
export class ExpansionError extends Error {}

/**
 * misc.c `percent_dollar_expand`: `%%` is `%`, `%x` takes `tokens[x]` (an unknown token is an
 * error, as in ssh), and `${VAR}` takes `env[VAR]` when `env` is given (unset is an error).
 */
export function percentExpand(text: string, tokens: Readonly<Record<string, string>>, env?: Readonly<Record<string, string | undefined>>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (env !== undefined && c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end === -1) throw new ExpansionError(`environment variable '${text.slice(i + 2)}' missing closing '}'`);
      const name = text.slice(i + 2, end);
      if (name === '') throw new ExpansionError('zero-length environment variable');
      const value = env[name];
      if (value === undefined) throw new ExpansionError(`env var \${${name}} has no value`);
      out += value;
      i = end;
      continue;
    }
    if (c !== '%') {
      out += c;
      continue;
    }
    const key = text[++i];
    if (key === '%') out += '%';
    else if (key === undefined) throw new ExpansionError(`invalid format: "${text}" ends with %`);
    else if (Object.hasOwn(tokens, key)) out += tokens[key];
    else throw new ExpansionError(`unknown key %${key} in "${text}"`);
  }
  return out;
}

/**
 * misc.c `tilde_expand` for the current user: `~` and `~/…` use `home`. `~name/…` needs the
 * password database, which a pure resolver does not read: refused rather than guessed.
 */
export function tildeExpand(path: string, home: string): string {
  if (!path.startsWith('~')) return path;
  if (path !== '~' && !path.startsWith('~/')) throw new ExpansionError(`"${path}": ~user paths are not supported by fleet; write the full path`);
  const rest = path.slice(1).replace(/^\/+/, '');
  return `${home.endsWith('/') ? home : `${home}/`}${rest}`;
}
