/**
 * One ssh_config file lexed as ssh reads it, with the existing sshd/ssh lexer (the same
 * strdelim / argv_split as readconf.c), plus the raw rest of the line that ProxyJump and
 * ProxyCommand read unsplit.
 */
import { lexLine, type LexedLine } from '../sshd/lexer.js';
import { canonicalClientKeyword } from '../sshclient/keywords.js';

/** One line as ssh reads it. */
export interface SshConfigLine extends LexedLine {
  /** Everything after the keyword and its separator, trailing blanks removed ('' for none). */
  rest: string;
  /** The keyword's canonical spelling (aliases resolved), or undefined when ssh does not know it. */
  canonical: string | undefined;
  /** The arguments' values (computed once: every host reads every line). */
  values: readonly string[];
}

export function lexSshConfig(text: string): SshConfigLine[] {
  const pieces = text.split('\n');
  // A final newline ends the last line; it does not open another.
  if (pieces[pieces.length - 1] === '') pieces.pop();
  return pieces.map(lexSshConfigLine);
}

export function lexSshConfigLine(text: string): SshConfigLine {
  const lexed = lexLine(text);
  if (lexed.keyword === null) return { ...lexed, rest: '', canonical: undefined, values: [] };
  let from: number;
  const first = lexed.args[0];
  if (first !== undefined) from = first.start;
  else {
    // No argument (nothing, or only a comment): what follows the keyword, past blanks and one `=`.
    from = lexed.keywordStart + lexed.keyword.length;
    while (from < text.length && ' \t='.includes(text[from] as string)) from++;
  }
  return {
    ...lexed,
    rest: text.slice(from).replace(/[ \t\r\n\f]+$/, ''),
    canonical: canonicalClientKeyword(lexed.keyword),
    values: lexed.args.map((a) => a.value),
  };
}
