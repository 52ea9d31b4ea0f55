/**
 * The README's client keyword reference (docs/ssh-keywords.md), rendered from the client table so
 * it cannot drift from what fleet checks. `node scripts/gen-keyword-doc.mjs` writes it after
 * `npm run build`; a unit test holds the file to this rendering.
 */
import { combineText, printedText, row, typeText } from '../sshd/keyword-doc.js';
import { OPENSSH_RELEASES } from '../sshd/keywords.js';
import { SSH_UNSETTABLE } from './keyword-overlay.js';
import type { ClientPrinted, ClientRule } from './keyword-types.js';
import { sshKeywords } from './keywords.js';

const RULES: Readonly<Record<ClientRule, string>> = {
  home: '~ expanded (and % tokens)',
  forward: 'host:port → [host]:port',
  remoteforward: 'host:port → [host]:port; 9000 → 9000 [socks]:0',
  controlpersist: 'yes / no, or seconds',
  escapechar: '^A → \\^A',
  mask: '0077 → 077',
  tunneldevice: '1 → 1:any',
  'flag-or-path': 'yes / no, or the path',
};

function clientPrintedText(printed: ClientPrinted): string {
  return typeof printed === 'object' && 'clientRule' in printed ? RULES[printed.clientRule] : printedText(printed);
}

export function clientKeywordReference(): string {
  const keywords = sshKeywords().sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  const settable = keywords.filter((k) => k.annotation !== undefined && k.annotation.combine !== 'structure');
  const others = keywords.filter((k) => !settable.includes(k));
  const what = (k: (typeof keywords)[number]): string => {
    if (k.aliasOf !== undefined) return `alias of ${k.aliasOf}`;
    if (k.annotation?.combine === 'structure') return 'structure';
    if (SSH_UNSETTABLE[k.name] !== undefined) return `option; not set by fleet: ${SSH_UNSETTABLE[k.name]}`;
    if (k.status === 'option' || k.status === 'build') return 'option of older releases only';
    return k.optionIn ? `${k.status} (an option in ${k.optionIn})` : k.status;
  };
  return [
    '<!-- Generated from src/core/sshclient/keywords.ts by scripts/gen-keyword-doc.mjs; do not edit. -->',
    '# ssh_config keywords fleet knows',
    '',
    `Read from OpenSSH's own sources (readconf.c), releases ${OPENSSH_RELEASES[0]} to ${OPENSSH_RELEASES[OPENSSH_RELEASES.length - 1]} (scripts/gen-ssh-keywords.mjs), with value types, repeat rules and the \`ssh -G\` form annotated by hand (src/core/sshclient/keyword-overlay.ts). A policy's \`client:\` may set every keyword of the first table, for every host (the \`Host *\` scope). \`build\`: ssh accepts it, but it only acts when ssh was built with GSSAPI or PKCS#11. A keyword the host's ssh is too old for (see releases) fails that file: \`ssh -G\` refuses it before anything is written.`,
    '',
    row(['keyword', 'releases', 'value', 'repeated lines', 'ssh -G prints']),
    row(['---', '---', '---', '---', '---']),
    ...settable.map((k) => {
      const a = k.annotation!;
      const name = `${k.name}${k.aliases.length > 0 ? ` (alias ${k.aliases.join(', ')})` : ''}${k.status === 'build' ? ' (build)' : ''}`;
      const printed = a.type.kind === 'algorithms' ? 'the list; +, -, ^ print the expanded list' : a.combine === 'accumulate' ? `one line per member; ${clientPrintedText(a.printed)}` : clientPrintedText(a.printed);
      const combine = a.combine === 'accumulate' ? 'lines accumulate (one member, or present/absent)' : combineText(a.combine);
      return row([name, k.versions, typeText(a.type), combine, printed]);
    }),
    '',
    'Known to ssh, not set by a policy (aliases, structure, deprecated, unsupported and retired keywords):',
    '',
    row(['keyword', 'releases', 'what it is']),
    row(['---', '---', '---']),
    ...others.map((k) => row([k.name, k.versions, what(k)])),
    '',
  ].join('\n');
}
