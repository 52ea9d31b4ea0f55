/**
 * sshd_config keywords: one table, generated from OpenSSH's sources (keyword-table.generated.ts,
 * by scripts/gen-sshd-keywords.mjs) and annotated by hand (keyword-overlay.ts). Everything
 * fleet knows about a keyword comes from here: its canonical spelling and aliases, the releases
 * that know it, where it may stand, its value type and how `sshd -T` prints it.
 */
import { SSHD_ANNOTATIONS } from './keyword-overlay.js';
import { GENERATED_SSHD_KEYWORDS, OPENSSH_RELEASES } from './keyword-table.generated.js';
import type { GeneratedKeyword, KeywordAnnotation } from './keyword-types.js';
import { printedValue } from './printed.js';

export type { Combine, GeneratedKeyword, KeywordAnnotation, Printed, ValueType } from './keyword-types.js';
export { OPENSSH_RELEASES };

/** One keyword of the table. */
export interface SshdKeyword extends GeneratedKeyword {
  /** Other names that set the same option (HostDSAKey → HostKey). */
  aliases: string[];
  /** Undefined for aliases, deprecated and unsupported keywords: a policy cannot set those. */
  annotation?: KeywordAnnotation;
}

// Keywords Debian's and Red Hat's patches add to sshd; accepted in files, never set by a policy.
const DISTRIBUTION_KEYWORDS = ['DebianBanner', 'GSSAPIKeyExchange', 'GSSAPIStoreCredentialsOnRekey', 'GSSAPIKexAlgorithms', 'GSSAPIEnablek5users', 'KerberosUseKuserok'];

const TABLE: ReadonlyMap<string, SshdKeyword> = (() => {
  const table = new Map<string, SshdKeyword>();
  for (const k of GENERATED_SSHD_KEYWORDS) {
    const annotation = k.aliasOf === undefined && (k.status === 'option' || k.status === 'build') ? SSHD_ANNOTATIONS[k.name] : undefined;
    table.set(k.name.toLowerCase(), { ...k, aliases: [], ...(annotation ? { annotation } : {}) });
  }
  for (const k of GENERATED_SSHD_KEYWORDS) {
    if (k.aliasOf !== undefined) table.get(k.aliasOf.toLowerCase())?.aliases.push(k.name);
  }
  return table;
})();

/** Every keyword of the table, sorted by name. */
export function sshdKeywords(): SshdKeyword[] {
  return [...TABLE.values()];
}

/** The table's entry for a name (any case; aliases give their own entry, with `aliasOf`). */
export function sshdKeyword(name: string): SshdKeyword | undefined {
  return TABLE.get(name.toLowerCase());
}

/**
 * The canonical spelling of an sshd keyword, case-insensitively; aliases give the option they
 * set (`keepalive` → `TCPKeepAlive`). Undefined for words no sshd fleet supports knows.
 */
export function canonicalKeyword(keyword: string): string | undefined {
  const entry = TABLE.get(keyword.toLowerCase());
  if (entry !== undefined) return entry.aliasOf ?? entry.name;
  return DISTRIBUTION_KEYWORDS.find((k) => k.toLowerCase() === keyword.toLowerCase());
}

/** Every canonical sshd keyword fleet knows (for "did you mean" suggestions). */
export const SSHD_KEYWORD_NAMES: readonly string[] = [...GENERATED_SSHD_KEYWORDS.filter((k) => k.aliasOf === undefined).map((k) => k.name), ...DISTRIBUTION_KEYWORDS];

/** The keywords a policy's `sshd:` may set: options with a value type, aliases aside. */
export function settableSshdKeywords(): SshdKeyword[] {
  return sshdKeywords().filter((k) => k.annotation !== undefined && k.annotation.combine !== 'structure');
}

/** `OpenSSH_9.2p1`, `9.2` → [9, 2]; null when no version can be read. */
export function opensshVersion(text: string): [number, number] | null {
  const m = /(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Whether a release is in a range list of the table (`7.4-10.3,10.5+`). */
export function inReleases(ranges: string, version: readonly [number, number]): boolean {
  const n = (v: string): number => {
    const [major, minor] = v.split('.').map(Number) as [number, number];
    return major * 100 + minor;
  };
  const at = version[0] * 100 + version[1];
  return ranges.split(',').some((range) => {
    if (range.endsWith('+')) return at >= n(range.slice(0, -1));
    const [from, to = from] = range.split('-') as [string, string?];
    return at >= n(from) && at <= n(to ?? from);
  });
}

/**
 * Whether an sshd of `version` knows a keyword. Releases newer than the table's newest are
 * taken to know what the newest does (`…+` ranges), so a new sshd is not refused.
 */
export function knownBy(keyword: string, version: readonly [number, number]): boolean {
  const entry = TABLE.get(keyword.toLowerCase());
  return entry !== undefined && inReleases(entry.versions, version);
}

/**
 * Whether the LAST of a keyword's lines wins on an sshd of `version` (MaxStartups before 10.1);
 * without a version, the newest release's rule.
 */
export function lastWins(keyword: string, version?: readonly [number, number]): boolean {
  const lastIn = TABLE.get(keyword.toLowerCase())?.annotation?.lastIn;
  if (lastIn === undefined) return false;
  const newest = opensshVersion(OPENSSH_RELEASES[OPENSSH_RELEASES.length - 1] ?? '') as [number, number];
  return inReleases(lastIn, version ?? newest);
}

/**
 * A policy value as the arguments of one config line: lists, text and values with their own
 * syntax (RekeyLimit 1G 1h) are split on blanks; anything else is one argument.
 */
export function lineArguments(keyword: string, value: string): string[] {
  const kind = TABLE.get(keyword.toLowerCase())?.annotation?.type.kind;
  return kind === 'list' || kind === 'text' || kind === 'special' ? value.split(' ').filter((a) => a !== '') : [value];
}

/** Whether a keyword may stand inside a Match block of an sshd of `version`. */
export function allowedInMatch(keyword: string, version: readonly [number, number]): boolean {
  const entry = TABLE.get(keyword.toLowerCase());
  if (entry === undefined) return false;
  if (entry.scope === 'varies') return inReleases(entry.matchIn ?? '', version);
  return entry.scope === 'match';
}

/**
 * sshd's compiled-in values (as `sshd -T` prints them on OpenSSH 9.2) for the keywords whose
 * default is the same on every release fleet checked, keyed by lowercase keyword. A keyword no
 * file sets has this value.
 */
export const SSHD_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  sshdKeywords().flatMap((k) => (k.annotation?.default !== undefined ? [[k.name.toLowerCase(), k.annotation.default]] : [])),
);

// ssh client keywords (ssh -G) whose value goes through convtime(), and plain integers.
const CLIENT_TIME_KEYWORDS = new Set(['serveraliveinterval', 'connecttimeout', 'forwardx11timeout']);
const CLIENT_INTEGER_KEYWORDS = new Set(['serveralivecountmax', 'connectionattempts', 'numberofpasswordprompts']);

export { convtime } from '../time.js';
export { strtonum } from './printed.js';

/**
 * A value as sshd -T / ssh -G would print it, so values can be compared: times become
 * seconds (`4m58s` → `298`), integers lose leading zeros and `+`, yes/no are lowercased,
 * enumerations become the word sshd prints. Values sshd would reject are returned unchanged.
 * `version` matters for a few keywords (PermitRootLogin prohibit-password); without it the
 * newest release's form is used.
 */
export function normalizeValue(keyword: string, value: string, version?: readonly [number, number]): string {
  const annotation = sshdKeyword(canonicalKeyword(keyword) ?? keyword)?.annotation;
  if (annotation !== undefined) return printedValue(annotation, value, version);
  const key = keyword.toLowerCase();
  if (CLIENT_TIME_KEYWORDS.has(key)) return printedValue({ type: { kind: 'time' }, combine: 'first', printed: 'seconds', sample: '' }, value);
  if (CLIENT_INTEGER_KEYWORDS.has(key)) return printedValue({ type: { kind: 'integer', min: 0, max: 2147483647 }, combine: 'first', printed: 'integer', sample: '' }, value);
  if (/^(yes|no)$/i.test(value)) return value.toLowerCase();
  return value;
}
