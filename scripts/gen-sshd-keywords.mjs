#!/usr/bin/env node
/**
 * Writes src/core/sshd/keyword-table.generated.ts from OpenSSH's own sources: for every release
 * fleet supports (V_7_4_P1 … the newest V_*_P1 tag), the keywords sshd's parser knows, the
 * scope it allows them in (SSHCFG_GLOBAL = main section only, SSHCFG_ALL = also inside Match),
 * which names are aliases of another, and which are deprecated or unsupported.
 *
 * Where it reads: up to 10.3 servconf.c's `keywords[]` ({ "name", sOpcode, SSHCFG_… } rows);
 * from 10.4 the SSHCONF_* entries of servconf.h's SSHD_CONFIG_ENTRIES (plus Match and Include,
 * still rows in servconf.c). The canonical spelling is the man page's (`.It Cm AcceptEnv`) or
 * servconf.h's; the few names neither spells come from SPELLING below.
 *
 *   node scripts/gen-sshd-keywords.mjs [OPENSSH_GIT_DIR]          write the file
 *   node scripts/gen-sshd-keywords.mjs [OPENSSH_GIT_DIR] --check  exit 1 if it is stale
 *
 * OPENSSH_GIT_DIR is a clone (bare or not) of openssh-portable with its release tags; it is read
 * with `git show TAG:FILE` and never copied into this repository. Hand annotations (value
 * types, how repeats combine, the `sshd -T` form) live in src/core/sshd/keyword-overlay.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = 'src/core/sshd/keyword-table.generated.ts';
const FIRST = [7, 4];

// Names neither the man page nor servconf.h spells (deprecated or undocumented ones).
const SPELLING = {
  pamauthenticationviakbdint: 'PAMAuthenticationViaKbdInt',
  serverkeybits: 'ServerKeyBits',
  keyregenerationinterval: 'KeyRegenerationInterval',
  rhostsauthentication: 'RhostsAuthentication',
  rhostsrsaauthentication: 'RhostsRSAAuthentication',
  rsaauthentication: 'RSAAuthentication',
  checkmail: 'CheckMail',
  uselogin: 'UseLogin',
  verifyreversemapping: 'VerifyReverseMapping',
  reversemappingcheck: 'ReverseMappingCheck',
  authorizedkeysfile2: 'AuthorizedKeysFile2',
  useprivilegeseparation: 'UsePrivilegeSeparation',
  kerberostgtpassing: 'KerberosTgtPassing',
  afstokenpassing: 'AFSTokenPassing',
  protocol: 'Protocol',
  hostdsakey: 'HostDSAKey',
  dsaauthentication: 'DSAAuthentication',
  challengeresponseauthentication: 'ChallengeResponseAuthentication',
  skeyauthentication: 'SKeyAuthentication',
  keepalive: 'KeepAlive',
  pubkeyacceptedkeytypes: 'PubkeyAcceptedKeyTypes',
  hostbasedacceptedkeytypes: 'HostbasedAcceptedKeyTypes',
  useroaming: 'UseRoaming',
  macs: 'MACs',
  gssapidelegatecredentials: 'GSSAPIDelegateCredentials',
  kerberosgetafstoken: 'KerberosGetAFSToken',
  printlastlog: 'PrintLastLog',
  pamservicename: 'PAMServiceName',
  sshdsessionpath: 'SshdSessionPath',
  sshdauthpath: 'SshdAuthPath',
};

// Opcodes that do not set an option: such rows are no alias of one another.
const NO_OPTION = new Set(['sDeprecated', 'sUnsupported', 'sIgnore', 'sBadOption']);

export function git(dir, ...args) {
  return execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

export function show(dir, tag, file) {
  try {
    return git(dir, 'show', `${tag}:${file}`);
  } catch {
    return '';
  }
}

export function releaseTags(dir) {
  return git(dir, 'tag', '-l', 'V_*_P1')
    .split('\n')
    .map((t) => /^V_(\d+)_(\d+)_P1$/.exec(t))
    .filter((m) => m !== null)
    .map((m) => ({ tag: m[0], v: [Number(m[1]), Number(m[2])] }))
    .filter(({ v }) => v[0] > FIRST[0] || (v[0] === FIRST[0] && v[1] >= FIRST[1]))
    .sort((a, b) => a.v[0] - b.v[0] || a.v[1] - b.v[1]);
}

/**
 * One release's rows: lowercase name → { opcode, scope, aliasOf?, spelled? }. A name in both
 * branches of an #ifdef keeps the branch that sets an option (the build fleet meets on Linux
 * distributions has PAM, Kerberos and GSSAPI), and is marked `build` when the other branch
 * leaves it unsupported.
 */
function rowsOf(dir, tag) {
  const rows = new Map();
  const add = (name, opcode, flags, extra = {}) => {
    const lower = name.toLowerCase();
    const scope = /SSHCFG_ALL|SSHCFG_MATCH/.test(flags) ? 'match' : 'global';
    const prior = rows.get(lower);
    const row = { opcode, scope, ...extra };
    if (prior === undefined) rows.set(lower, row);
    else if (NO_OPTION.has(prior.opcode) && !NO_OPTION.has(opcode)) rows.set(lower, { ...row, build: true });
    else if (!NO_OPTION.has(prior.opcode) && opcode === 'sUnsupported') prior.build = true;
  };
  const c = show(dir, tag, 'servconf.c');
  const table = /\} keywords\[\] = \{([\s\S]*?)\n\};/.exec(c)?.[1] ?? '';
  for (const m of table.matchAll(/\{\s*"([a-z0-9]+)",\s*(s\w+),\s*([A-Z_|]+)\s*\}/gi)) add(m[1], m[2], m[3]);
  if (table.includes('SSHD_CONFIG_ENTRIES')) {
    const h = show(dir, tag, 'servconf.h');
    // Entries start a line; the format comment (` *   SSHCONF_INT(field, keyword, …)`) does not.
    for (const m of h.matchAll(/^SSHCONF_(INT|INTFLAG|STRING|STRARRAY|CUSTOM|DEPRECATE|UNSUPPORTED_INT|UNSUPPORTED_STRING|ALIAS)\(([^)]*)\)/gm)) {
      const args = m[2].split(',').map((s) => s.trim());
      switch (m[1]) {
        case 'INT': case 'INTFLAG': case 'STRING':
          add(args[1], `s${args[1]}`, args[2], { spelled: args[1] });
          break;
        case 'STRARRAY':
          add(args[2], `s${args[2]}`, args[3], { spelled: args[2] });
          break;
        case 'CUSTOM':
          add(args[0], `s${args[0]}`, args[2], { spelled: args[0] });
          break;
        case 'DEPRECATE':
          add(args[0], args[2] === 'SSHCONF_IGNORE' ? 'sIgnore' : 'sDeprecated', args[1], { spelled: args[0] });
          break;
        case 'UNSUPPORTED_INT': case 'UNSUPPORTED_STRING':
          add(args[1], 'sUnsupported', args[2], { spelled: args[1] });
          break;
        case 'ALIAS':
          add(args[0], `s${args[1]}`, args[2], { spelled: args[0], aliasOf: args[1].toLowerCase() });
          break;
      }
    }
  }
  // Before 10.4 an alias is a row sharing an option's opcode with the documented name.
  const manual = new Set([...show(dir, tag, 'sshd_config.5').matchAll(/^\.It Cm (\w+)/gm)].map((m) => m[1].toLowerCase()));
  const byOpcode = new Map();
  for (const [name, row] of rows) {
    if (NO_OPTION.has(row.opcode) || row.aliasOf) continue;
    byOpcode.set(row.opcode, [...(byOpcode.get(row.opcode) ?? []), name]);
  }
  for (const names of byOpcode.values()) {
    if (names.length < 2) continue;
    const main = names.find((n) => manual.has(n)) ?? names[0];
    for (const n of names) if (n !== main) rows.get(n).aliasOf = main;
  }
  return { rows, manual: show(dir, tag, 'sshd_config.5') };
}

/**
 * Releases as the table writes them: consecutive ones joined (`7.4-10.3`), a run reaching the
 * newest release open-ended (`8.5+`), so a newer OpenSSH is taken to know what the newest does.
 */
export function releaseRanges(all, versions) {
  const out = [];
  for (const v of versions) {
    const i = all.indexOf(v);
    const last = out[out.length - 1];
    if (last && all.indexOf(last[1]) === i - 1) last[1] = v;
    else out.push([v, v]);
  }
  return out.map(([a, b]) => (b === all[all.length - 1] ? `${a}+` : a === b ? a : `${a}-${b}`));
}

function spell(lower, spellings) {
  return spellings.get(lower) ?? SPELLING[lower] ?? lower;
}

export function generate(dir) {
  const tags = releaseTags(dir);
  if (tags.length === 0) throw new Error(`${dir}: no V_*_P1 release tags`);
  const spellings = new Map();
  const perVersion = [];
  for (const { tag, v } of tags) {
    const { rows, manual } = rowsOf(dir, tag);
    // The man page's spelling wins over servconf.h's (`MACs`, not `Macs`).
    for (const [name, row] of rows) if (row.spelled) spellings.set(name, row.spelled);
    for (const m of manual.matchAll(/^\.It Cm (\w+)/gm)) if (rows.has(m[1].toLowerCase())) spellings.set(m[1].toLowerCase(), m[1]);
    perVersion.push({ version: `${v[0]}.${v[1]}`, rows });
  }
  const keywords = new Map();
  for (const { version, rows } of perVersion) {
    for (const [name, row] of rows) {
      const k = keywords.get(name) ?? { versions: [], scope: {}, kind: {}, aliasOf: undefined, build: false };
      k.versions.push(version);
      k.scope[version] = row.scope;
      k.kind[version] = NO_OPTION.has(row.opcode) ? row.opcode.slice(1).toLowerCase() : 'option';
      // The newest release says what an alias stands for (ChallengeResponseAuthentication was
      // an option of its own before 8.7, an alias of KbdInteractiveAuthentication since).
      k.aliasOf = row.aliasOf;
      if (row.build) k.build = true;
      keywords.set(name, k);
    }
  }
  const all = perVersion.map((p) => p.version);
  const ranges = (versions) => releaseRanges(all, versions);
  const entries = [...keywords.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([lower, k]) => {
    const scopes = [...new Set(Object.values(k.scope))];
    // A keyword that moved scope keeps the versions of each, so the table says when.
    const matchSince = scopes.length > 1 ? ranges(k.versions.filter((v) => k.scope[v] === 'match')) : undefined;
    const newest = k.kind[k.versions[k.versions.length - 1]];
    const status = newest === 'option' ? (k.build ? 'build' : 'option') : newest === 'ignore' ? 'deprecated' : newest;
    const optionIn = newest !== 'option' && k.versions.some((v) => k.kind[v] === 'option') ? ranges(k.versions.filter((v) => k.kind[v] === 'option')) : undefined;
    let target = k.aliasOf;
    while (target !== undefined && keywords.get(target)?.aliasOf !== undefined) target = keywords.get(target).aliasOf;
    const aliasOf = target === undefined ? [] : [spell(target, spellings)];
    return {
      name: spell(lower, spellings),
      versions: ranges(k.versions).join(','),
      scope: scopes.length > 1 ? 'varies' : scopes[0],
      ...(matchSince ? { matchIn: matchSince.join(',') } : {}),
      status,
      ...(optionIn ? { optionIn: optionIn.join(',') } : {}),
      ...(aliasOf.length ? { aliasOf: aliasOf[0] } : {}),
    };
  });
  const rows = entries.map((e) => `  ${JSON.stringify(e).replace(/"(\w+)":/g, '$1: ')},`).join('\n');
  return (
    `/* Generated by scripts/gen-sshd-keywords.mjs from openssh-portable ${tags[0].tag} … ${tags[tags.length - 1].tag}; do not edit. */\n` +
    `import type { GeneratedKeyword } from './keyword-types.js';\n\n` +
    `/** The OpenSSH releases the table was read from, oldest first. */\n` +
    `export const OPENSSH_RELEASES = ${JSON.stringify(all)} as const;\n\n` +
    `/** Every sshd_config keyword of those releases, by its lowercase name. */\n` +
    `export const GENERATED_SSHD_KEYWORDS: readonly GeneratedKeyword[] = [\n${rows}\n];\n`
  );
}

/**
 * The command line both table generators share: `node scripts/<name> [OPENSSH_GIT_DIR] [--check]`
 * writes `out` (relative to the project) from the sources, or with --check fails when it is stale.
 */
export async function runGenerator(name, out, generateFrom) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--')) ?? process.env.OPENSSH_GIT_DIR ?? '/work/.mirror/openssh+openssh-portable/repo';
  const text = generateFrom(dir);
  const target = path.join(root, out);
  if (args.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${out} is stale: run node scripts/${name}`);
      process.exit(1);
    }
  } else {
    await writeFile(target, text);
    console.log(`wrote ${out}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runGenerator('gen-sshd-keywords.mjs', OUT, generate);
