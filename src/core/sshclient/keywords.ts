/**
 * ssh_config keywords: one table, generated from OpenSSH's readconf.c (keyword-table.generated.ts,
 * by scripts/gen-ssh-keywords.mjs) and annotated by hand (keyword-overlay.ts). Everything fleet
 * knows about a client keyword comes from here: its canonical spelling and aliases, the releases
 * that know it, its value type, how repeated lines combine and how `ssh -G` prints it.
 */
import { inReleases, OPENSSH_RELEASES } from '../sshd/keywords.js';
import { SSH_ANNOTATIONS } from './keyword-overlay.js';
import { GENERATED_SSH_KEYWORDS } from './keyword-table.generated.js';
import type { ClientAnnotation, GeneratedClientKeyword } from './keyword-types.js';
import { clientPrintedValue } from './printed.js';

export type { ClientAnnotation, ClientPrinted, ClientRule, GeneratedClientKeyword } from './keyword-types.js';

/** One keyword of the client table. */
export interface SshKeyword extends GeneratedClientKeyword {
  /** Other names that set the same option (KeepAlive → TCPKeepAlive). */
  aliases: string[];
  /** Undefined for aliases, deprecated, unsupported and retired keywords: a policy cannot set those. */
  annotation?: ClientAnnotation;
}

const TABLE: ReadonlyMap<string, SshKeyword> = (() => {
  const table = new Map<string, SshKeyword>();
  for (const k of GENERATED_SSH_KEYWORDS) {
    const annotation = k.aliasOf === undefined && (k.status === 'option' || k.status === 'build') ? SSH_ANNOTATIONS[k.name] : undefined;
    table.set(k.name.toLowerCase(), { ...k, aliases: [], ...(annotation ? { annotation } : {}) });
  }
  for (const k of GENERATED_SSH_KEYWORDS) {
    if (k.aliasOf !== undefined) table.get(k.aliasOf.toLowerCase())?.aliases.push(k.name);
  }
  return table;
})();

/** Every keyword of the table, sorted by lowercase name. */
export function sshKeywords(): SshKeyword[] {
  return [...TABLE.values()];
}

/** The table's entry for a name (any case; an alias gives its own entry, with `aliasOf`). */
export function sshKeyword(name: string): SshKeyword | undefined {
  return TABLE.get(name.toLowerCase());
}

/** Canonical spelling of an ssh_config keyword (aliases give the option they set), or undefined. */
export function canonicalClientKeyword(keyword: string): string | undefined {
  const entry = TABLE.get(keyword.toLowerCase());
  return entry === undefined ? undefined : (entry.aliasOf ?? entry.name);
}

/** The keywords a policy's `client:` may set: options with a value type, aliases and structure aside. */
export function settableSshKeywords(): SshKeyword[] {
  return sshKeywords().filter((k) => k.annotation !== undefined && k.annotation.combine !== 'structure');
}

/**
 * Whether an ssh client of `version` knows a keyword. Releases newer than the table's newest are
 * taken to know what the newest does (`…+` ranges).
 */
export function sshKnownBy(keyword: string, version: readonly [number, number]): boolean {
  const entry = TABLE.get(keyword.toLowerCase());
  return entry !== undefined && inReleases(entry.versions, version);
}

/** The releases of the table, as a phrase for messages. */
export const SSH_RELEASES = `OpenSSH ${OPENSSH_RELEASES[0]} to ${OPENSSH_RELEASES[OPENSSH_RELEASES.length - 1]}`;

/**
 * A value as `ssh -G` prints it, so values can be compared: times in seconds, yes/no and
 * multistate words as ssh prints them (`ControlMaster yes` → `true`), `~` expanded when `home` is
 * given. A keyword the table does not annotate is compared as written.
 */
export function normalizeClientValue(keyword: string, value: string, home?: string): string {
  const annotation = sshKeyword(canonicalClientKeyword(keyword) ?? keyword)?.annotation;
  return annotation === undefined ? value.split(/[ \t]+/).filter((a) => a !== '').join(' ') : clientPrintedValue(annotation, value, home);
}

/** How repeated lines of a keyword combine (`first` for keywords the table does not annotate). */
export function clientCombine(keyword: string): ClientAnnotation['combine'] {
  return sshKeyword(canonicalClientKeyword(keyword) ?? keyword)?.annotation?.combine ?? 'first';
}

/**
 * Whether one policy value is several arguments on a line: lists, text and values with their own
 * syntax (LocalForward 8080 localhost:80) are split on blanks; anything else is one argument.
 */
export function clientLineArguments(keyword: string, value: string): string[] {
  const kind = sshKeyword(canonicalClientKeyword(keyword) ?? keyword)?.annotation?.type.kind;
  return kind === 'list' || kind === 'text' || kind === 'special' ? value.split(' ').filter((a) => a !== '') : [value];
}

/** ssh's values when no file sets the keyword, keyed by lowercase keyword as `ssh -G` prints them. */
export const SSH_CLIENT_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  settableSshKeywords().flatMap((k) => (k.annotation?.default !== undefined ? [[k.name.toLowerCase(), k.annotation.default]] : [])),
);
