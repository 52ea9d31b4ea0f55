#!/usr/bin/env node
/**
 * Writes src/core/sshclient/keyword-table.generated.ts from OpenSSH's own sources: for every
 * release fleet supports (V_7_4_P1 … the newest V_*_P1 tag), the keywords ssh's parser knows
 * (readconf.c's `keywords[]`, `{ "name", oOpcode }` rows), which names are aliases of another
 * (rows sharing an opcode; the one ssh_config(5) documents is the option) and which are
 * deprecated, ignored or unsupported. The sibling of gen-sshd-keywords.mjs, whose git helpers
 * it shares; ssh_config has no scope column (every keyword may stand in Host and Match).
 *
 *   node scripts/gen-ssh-keywords.mjs [OPENSSH_GIT_DIR]          write the file
 *   node scripts/gen-ssh-keywords.mjs [OPENSSH_GIT_DIR] --check  exit 1 if it is stale
 *
 * Hand annotations (value types, how repeats combine, the `ssh -G` form) live in
 * src/core/sshclient/keyword-overlay.ts.
 */
import { fileURLToPath } from 'node:url';
import { releaseRanges, releaseTags, runGenerator, show } from './gen-sshd-keywords.mjs';

const OUT = 'src/core/sshclient/keyword-table.generated.ts';

// Names ssh_config(5) does not spell (deprecated, unsupported and obsolete alias rows).
const SPELLING = {
  afstokenpassing: 'AFSTokenPassing',
  challengeresponseauthentication: 'ChallengeResponseAuthentication',
  cipher: 'Cipher',
  compressionlevel: 'CompressionLevel',
  dsaauthentication: 'DSAAuthentication',
  fallbacktorsh: 'FallBackToRsh',
  globalknownhostsfile2: 'GlobalKnownHostsFile2',
  hostbasedalgorithms: 'HostbasedAlgorithms',
  hostbasedkeytypes: 'HostbasedKeyTypes',
  identityfile2: 'IdentityFile2',
  keepalive: 'KeepAlive',
  kerberosauthentication: 'KerberosAuthentication',
  kerberostgtpassing: 'KerberosTgtPassing',
  protocol: 'Protocol',
  pubkeyacceptedkeytypes: 'PubkeyAcceptedKeyTypes',
  rhostsauthentication: 'RhostsAuthentication',
  rhostsrsaauthentication: 'RhostsRSAAuthentication',
  rsaauthentication: 'RSAAuthentication',
  skeyauthentication: 'SKeyAuthentication',
  smartcarddevice: 'SmartcardDevice',
  tisauthentication: 'TISAuthentication',
  useprivilegedport: 'UsePrivilegedPort',
  useroaming: 'UseRoaming',
  usersh: 'UseRsh',
  userknownhostsfile2: 'UserKnownHostsFile2',
};

// Opcodes that do not set an option: such rows are no alias of one another.
const NO_OPTION = new Set(['oDeprecated', 'oUnsupported', 'oIgnore', 'oBadOption']);

/**
 * One release's rows: lowercase name → { opcode, aliasOf?, build? }. A name in both branches of
 * an #ifdef keeps the branch that sets an option (Linux distributions build ssh with GSSAPI and
 * PKCS#11) and is marked `build`, as the server generator does.
 */
function rowsOf(dir, tag) {
  const rows = new Map();
  const c = show(dir, tag, 'readconf.c');
  const table = /\} keywords\[\] = \{([\s\S]*?)\n\};/.exec(c)?.[1] ?? '';
  for (const m of table.matchAll(/\{\s*"([a-z0-9]+)",\s*(o\w+)\s*\}/gi)) {
    const [, lower, opcode] = m;
    const prior = rows.get(lower);
    if (prior === undefined) rows.set(lower, { opcode });
    else if (NO_OPTION.has(prior.opcode) && !NO_OPTION.has(opcode)) rows.set(lower, { opcode, build: true });
    else if (!NO_OPTION.has(prior.opcode) && opcode === 'oUnsupported') prior.build = true;
  }
  const manual = show(dir, tag, 'ssh_config.5');
  const documented = new Set([...manual.matchAll(/^\.It Cm (\w+)/gm)].map((m) => m[1].toLowerCase()));
  const byOpcode = new Map();
  for (const [name, row] of rows) if (!NO_OPTION.has(row.opcode)) byOpcode.set(row.opcode, [...(byOpcode.get(row.opcode) ?? []), name]);
  for (const names of byOpcode.values()) {
    if (names.length < 2) continue;
    const main = names.find((n) => documented.has(n)) ?? names[0];
    for (const n of names) if (n !== main) rows.get(n).aliasOf = main;
  }
  return { rows, manual };
}

export function generate(dir) {
  const tags = releaseTags(dir);
  if (tags.length === 0) throw new Error(`${dir}: no V_*_P1 release tags`);
  const spellings = new Map();
  const perVersion = [];
  for (const { tag, v } of tags) {
    const { rows, manual } = rowsOf(dir, tag);
    for (const m of manual.matchAll(/^\.It Cm (\w+)/gm)) if (rows.has(m[1].toLowerCase())) spellings.set(m[1].toLowerCase(), m[1]);
    perVersion.push({ version: `${v[0]}.${v[1]}`, rows });
  }
  const all = perVersion.map((p) => p.version);
  const keywords = new Map();
  for (const { version, rows } of perVersion) {
    for (const [name, row] of rows) {
      const k = keywords.get(name) ?? { versions: [], kind: {}, aliasOf: undefined, build: false };
      k.versions.push(version);
      k.kind[version] = NO_OPTION.has(row.opcode) ? row.opcode.slice(1).toLowerCase() : 'option';
      // The newest release says what an alias stands for.
      k.aliasOf = row.aliasOf;
      if (row.build) k.build = true;
      keywords.set(name, k);
    }
  }
  const unspelled = [...keywords.keys()].filter((n) => !spellings.has(n) && SPELLING[n] === undefined);
  if (unspelled.length > 0) throw new Error(`no spelling for ${unspelled.join(', ')}: add them to SPELLING`);
  const spell = (lower) => spellings.get(lower) ?? SPELLING[lower];
  const entries = [...keywords.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([lower, k]) => {
    const newest = k.kind[k.versions[k.versions.length - 1]];
    const status = newest === 'option' ? (k.build ? 'build' : 'option') : newest === 'ignore' ? 'deprecated' : newest;
    const optionIn = newest !== 'option' && k.versions.some((v) => k.kind[v] === 'option') ? releaseRanges(all, k.versions.filter((v) => k.kind[v] === 'option')) : undefined;
    return {
      name: spell(lower),
      versions: releaseRanges(all, k.versions).join(','),
      status,
      ...(optionIn ? { optionIn: optionIn.join(',') } : {}),
      ...(k.aliasOf !== undefined ? { aliasOf: spell(k.aliasOf) } : {}),
    };
  });
  const rows = entries.map((e) => `  ${JSON.stringify(e).replace(/"(\w+)":/g, '$1: ')},`).join('\n');
  return (
    `/* Generated by scripts/gen-ssh-keywords.mjs from openssh-portable ${tags[0].tag} … ${tags[tags.length - 1].tag}; do not edit. */\n` +
    `import type { GeneratedClientKeyword } from './keyword-types.js';\n\n` +
    `/** Every ssh_config keyword of OpenSSH ${all[0]} … ${all[all.length - 1]} (readconf.c), by its lowercase name. */\n` +
    `export const GENERATED_SSH_KEYWORDS: readonly GeneratedClientKeyword[] = [\n${rows}\n];\n`
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runGenerator('gen-ssh-keywords.mjs', OUT, generate);
