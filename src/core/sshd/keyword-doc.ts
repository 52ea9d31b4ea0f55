/**
 * The README's keyword reference (docs/sshd-keywords.md), rendered from the keyword table so
 * it cannot drift from what fleet checks. `node scripts/gen-keyword-doc.mjs` writes it after
 * `npm run build`; a unit test holds the file to this rendering.
 */
import type { KeywordAnnotation, Printed, ValueType } from './keyword-types.js';
import { OPENSSH_RELEASES, sshdKeywords, type SshdKeyword } from './keywords.js';

export function typeText(type: ValueType): string {
  switch (type.kind) {
    case 'flag':
      return 'yes / no';
    case 'enum':
      return type.words.join(' / ');
    case 'integer':
      return `integer ≥ ${type.min}${type.words ? ` or ${type.words.join(', ')}` : ''}`;
    case 'time':
      return `time (1m30s)${type.words ? ` or ${type.words.join(', ')}` : ''}`;
    case 'word':
      return 'one word (path, name)';
    case 'text':
      return 'text (rest of the line)';
    case 'algorithms':
      return 'algorithm list ([a, b] or "+a", "-a", "^a")';
    case 'list':
      return 'list of words';
    case 'special':
      return type.describe;
  }
}

/** How repeated lines combine, for the references' tables. */
export const combineText = (combine: KeywordAnnotation['combine']): string => COMBINE[combine];

const COMBINE: Readonly<Record<KeywordAnnotation['combine'], string>> = {
  first: 'first value wins',
  accumulate: 'lines accumulate (exact list or present/absent)',
  'first-line': 'first line wins, whole',
  keyed: 'first line per name wins',
  structure: '—',
};

export function printedText(printed: Printed): string {
  if (typeof printed === 'string') return { 'as-is': 'as written', lower: 'lower case', upper: 'upper case', seconds: 'seconds', integer: 'integer' }[printed];
  if ('words' in printed) {
    const changed = Object.entries(printed.words).filter(([from, to]) => from !== to);
    return changed.length === 0 ? 'as written' : changed.map(([from, to]) => `${from} → ${to}`).join(', ');
  }
  return {
    maxstartups: '10 → 10:30:10',
    ipqos: 'af21 → af21 af21',
    rekeylimit: 'bytes and seconds',
    netblocksize: '24 → 24:0 (9.2)',
    octal: '0077 → 077',
    'zero-none': 'seconds; 0 → none',
    'intmax-none': 'integer; 2147483647 → none',
    permitrootlogin: 'prohibit-password → without-password before 10.1',
  }[printed.rule];
}

function scopeText(k: SshdKeyword): string {
  if (k.scope === 'varies') return `global; in Match from ${k.matchIn}`;
  return k.scope === 'match' ? 'global, Match' : 'global only';
}

export function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
}

export function keywordReference(): string {
  const keywords = sshdKeywords().sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  const settable = keywords.filter((k) => k.annotation !== undefined && k.annotation.combine !== 'structure');
  const others = keywords.filter((k) => !settable.includes(k));
  const lines = [
    '<!-- Generated from src/core/sshd/keywords.ts by scripts/gen-keyword-doc.mjs; do not edit. -->',
    '# sshd_config keywords fleet knows',
    '',
    `Read from OpenSSH's own sources, releases ${OPENSSH_RELEASES[0]} to ${OPENSSH_RELEASES[OPENSSH_RELEASES.length - 1]} (scripts/gen-sshd-keywords.mjs), with value types, repeat rules and the \`sshd -T\` form annotated by hand (src/core/sshd/keyword-overlay.ts). A policy's \`sshd:\` may set every keyword of the first table. \`build\`: sshd accepts it, but it only acts when sshd was built with PAM, Kerberos or GSSAPI.`,
    '',
    row(['keyword', 'releases', 'scope', 'value', 'repeated lines', 'sshd -T prints']),
    row(['---', '---', '---', '---', '---', '---']),
    ...settable.map((k) => {
      const a = k.annotation!;
      const name = `${k.name}${k.aliases.length > 0 ? ` (alias ${k.aliases.join(', ')})` : ''}${k.status === 'build' ? ' (build)' : ''}`;
      const printed =
        a.type.kind === 'algorithms' ? 'the list; +, -, ^ print the expanded list' : a.combine === 'accumulate' ? 'one line per member' : printedText(a.printed);
      const combine = a.lastIn === undefined ? COMBINE[a.combine] : `last line wins in ${a.lastIn}${a.lastIn.endsWith('+') ? '' : ', first after'}`;
      return row([name, k.versions, scopeText(k), typeText(a.type), combine, printed]);
    }),
    '',
    'Known to sshd, not set by a policy (aliases, structure, deprecated and unsupported keywords):',
    '',
    row(['keyword', 'releases', 'what it is']),
    row(['---', '---', '---']),
    ...others.map((k) =>
      row([k.name, k.versions, k.aliasOf !== undefined ? `alias of ${k.aliasOf}` : k.annotation?.combine === 'structure' ? 'structure' : k.optionIn ? `${k.status} (an option in ${k.optionIn})` : k.status]),
    ),
    '',
  ];
  return lines.join('\n');
}
