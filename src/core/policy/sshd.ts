/**
 * The `sshd:` section of a policy, checked against the keyword table: every key must be a
 * keyword a policy can set, every value of the type the table gives. The schema only gives the
 * shape (a word, a number, yes/no, a list, { present, absent }); this gives the meaning, with
 * the allowed words or the range in the message, positioned at the key or value.
 */
import type { Diagnostic } from '../errors.js';
import { allowedInMatch, canonicalKeyword, OPENSSH_RELEASES, opensshVersion, settableSshdKeywords, sshdKeyword, type Combine, type SshdKeyword, type ValueType } from '../sshd/keywords.js';
import { strtonum } from '../sshd/printed.js';
import { convtime, isPlainTime } from '../time.js';
import { diagnosticAt, didYouMean, formatPath, type YamlSource } from '../yaml-source.js';

/** Members an accumulating keyword must have, or must not have, on every line. */
export interface SshdMembers {
  present: string[];
  absent: string[];
}

/** The checked `sshd:` section. */
export interface SshdSection {
  /** Canonical keyword → the value as written to sshd_config (`298`, `no`, `aes256-ctr,aes128-ctr`, `.ssh/a .ssh/b`). */
  values: Record<string, string>;
  /** Accumulating keywords given as { present, absent }. */
  members: Record<string, SshdMembers>;
}

const TIME_EXPECT = 'must be a number of seconds or an OpenSSH time such as 4m58s (digits and the units s, m, h, d, w only)';
const INT_MAX = 2147483647;
const RELEASES = `OpenSSH ${OPENSSH_RELEASES[0]} to ${OPENSSH_RELEASES[OPENSSH_RELEASES.length - 1]}`;

// One argument of a config line: sshd would split on blanks, read quotes, and `#` starts a comment.
export const ARGUMENT = /^[^\s"'#\\]+$/;
// An algorithm name (cipher, MAC, KEX, key type, signature).
const ALGORITHM = /^[A-Za-z0-9][A-Za-z0-9@._-]*$/;

const NEWEST = opensshVersion(OPENSSH_RELEASES[OPENSSH_RELEASES.length - 1] ?? '') as [number, number];

/**
 * Checks every key and value of `sshd:` (keys already renamed to canonical spelling where
 * known), or, with `at` ['sshd_match', i, 'set'], of one Match block: there only keywords sshd
 * allows inside Match (in the newest release; the host's own is checked at plan time), exact values.
 */
export function checkSshdSection(source: YamlSource, block: Record<string, unknown>, diagnostics: Diagnostic[], at: (string | number)[] = ['sshd']): SshdSection {
  const section: SshdSection = { values: {}, members: {} };
  const inMatch = at[0] === 'sshd_match';
  for (const [key, value] of Object.entries(block)) {
    const here = [...at, key];
    const entry = settable(key, source, here, diagnostics);
    if (entry === undefined) continue;
    if (inMatch) {
      if (!allowedInMatch(entry.name, NEWEST)) {
        diagnostics.push(diagnosticAt(source, here, 'key', `${formatPath(here)} is not allowed inside Match: sshd takes ${entry.name} only in the global section (use sshd:)`));
        continue;
      }
      if (key !== entry.name) diagnostics.push(diagnosticAt(source, here, 'key', `${formatPath(here)} is read as ${entry.name}; write ${entry.name}`, 'warning'));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        diagnostics.push(diagnosticAt(source, here, 'value', `${formatPath(here)} takes the exact value inside Match, not present/absent`));
        continue;
      }
    }
    const fail = (message: string, at: (string | number)[] = here): undefined => {
      diagnostics.push(diagnosticAt(source, at, 'value', `${formatPath(at)} ${message}`));
      return undefined;
    };
    const annotation = entry.annotation!;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const members = membersOf(annotation.combine, value, here, fail, accumulating, (w, where) => {
        const text = String(w);
        if (!ARGUMENT.test(text)) fail('must be one word (no blanks, quotes, backslashes or #)', where);
        return text;
      });
      if (members !== undefined) section.members[entry.name] = members;
      continue;
    }
    const text = valueText(annotation.type, annotation.combine, value, here, fail);
    if (text !== undefined) section.values[entry.name] = text;
  }
  return section;
}

/**
 * Only the keys of `sshd:`: what the schema cannot say when it already refused a value, so one
 * run reports every mistake.
 */
export function checkSshdKeys(source: YamlSource, block: unknown, diagnostics: Diagnostic[], at: (string | number)[] = ['sshd']): void {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) return;
  for (const key of Object.keys(block)) settable(key, source, [...at, key], diagnostics);
}

/** The table's entry for a policy key that can be set, or a diagnostic saying why not. */
function settable(key: string, source: YamlSource, here: (string | number)[], diagnostics: Diagnostic[]): SshdKeyword | undefined {
  const error = (message: string): undefined => {
    diagnostics.push(diagnosticAt(source, here, 'key', `${formatPath(here)} ${message}`));
    return undefined;
  };
  const name = canonicalKeyword(key);
  const entry = name === undefined ? undefined : sshdKeyword(name);
  if (entry === undefined && name !== undefined) return error(`is a keyword of a distribution's patches (Debian, Red Hat), not of OpenSSH: fleet does not set it`);
  if (entry === undefined) {
    const suggestion = didYouMean(key, settableSshdKeywords().map((k) => k.name));
    return error(`is not a known directive (${suggestion ? `did you mean ${suggestion}?` : `no sshd_config keyword of ${RELEASES} is spelled so`})`);
  }
  if (entry.annotation?.combine === 'structure') return error(`cannot be set here: ${entry.name} is not a setting${entry.name === 'Match' ? ' (use sshd_match)' : ''}`);
  if (entry.annotation === undefined) {
    const why = entry.status === 'deprecated' ? 'is deprecated: sshd ignores it' : 'is unsupported: sshd ignores it';
    return error(`${why}, so fleet does not set it`);
  }
  return entry;
}

/**
 * `{ present: [...], absent: [...] }` of an accumulating keyword, each member read by `member`
 * (undefined: left out, after its diagnostic), or undefined after a diagnostic when the keyword
 * takes no members. Shared by sshd_config and ssh_config (./client.ts); what a member may be is theirs.
 */
export function membersOf(
  combine: Combine,
  value: object,
  here: (string | number)[],
  fail: (message: string, at?: (string | number)[]) => undefined,
  accumulatingNames: () => string[],
  member: (word: unknown, at: (string | number)[]) => string | undefined,
): SshdMembers | undefined {
  if (combine !== 'accumulate') return fail(`takes one value, not present/absent: only accumulating keywords (${accumulatingNames().join(', ')}) take members`);
  const members = value as { present?: unknown[]; absent?: unknown[] };
  const words = (which: 'present' | 'absent'): string[] =>
    (members[which] ?? []).flatMap((w, i) => {
      const text = member(w, [...here, which, i]);
      return text === undefined ? [] : [text];
    });
  return { present: words('present'), absent: words('absent') };
}

function accumulating(): string[] {
  return settableSshdKeywords().filter((k) => k.annotation?.combine === 'accumulate').map((k) => k.name);
}

/**
 * The text written to the config file for a value of `type`, or undefined after a diagnostic.
 * Shared by sshd_config and ssh_config (./client.ts): both tables use the same value types.
 */
export function valueText(type: ValueType, combine: Combine, value: unknown, here: (string | number)[], fail: (message: string, at?: (string | number)[]) => undefined): string | undefined {
  const isList = type.kind === 'list' || type.kind === 'algorithms';
  if (Array.isArray(value) && !isList) {
    fail(`takes one value, not a list`);
    return undefined;
  }
  const scalar = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
  switch (type.kind) {
    case 'flag':
      if (/^(yes|no)$/i.test(scalar)) return scalar.toLowerCase();
      return fail('must be yes or no');
    case 'enum': {
      const word = type.words.find((w) => w.toLowerCase() === scalar.toLowerCase());
      if (word !== undefined) return word;
      return fail(`must be one of: ${type.words.join(', ')}`);
    }
    case 'integer': {
      const literal = type.words?.find((w) => w === scalar.toLowerCase());
      if (literal !== undefined) return literal;
      const n = /^\d+$/.test(scalar) ? strtonum(scalar) : null;
      if (n !== null && n >= type.min && n <= type.max) return String(n);
      const range = type.max === INT_MAX ? `of ${type.min} or more` : `from ${type.min} to ${type.max}`;
      return fail(`must be an integer ${range}${type.words ? ` or ${type.words.join(', ')}` : ''}`);
    }
    case 'time': {
      const literal = type.words?.find((w) => w === scalar.toLowerCase());
      if (literal !== undefined) return literal;
      if (!isPlainTime(scalar)) return fail(TIME_EXPECT + (type.words ? ` or ${type.words.join(', ')}` : ''));
      const seconds = convtime(scalar);
      if (seconds === null) return fail(`is ${scalar}, above sshd's limit of ${INT_MAX} seconds`);
      return String(seconds);
    }
    case 'word':
      if (ARGUMENT.test(scalar)) return scalar;
      return fail('must be one word (no blanks, quotes, backslashes or #)');
    case 'text':
      if (/^[^"'#\\\s][^"'#\\\n\r]*$/.test(scalar) && !/\s$/.test(scalar)) return scalar.replace(/[ \t]+/g, ' ');
      return fail('must be text on one line without quotes, backslashes or #');
    case 'special':
      if (new RegExp(type.pattern).test(scalar)) return scalar;
      return fail(`must be ${type.describe}`);
    case 'algorithms': {
      // A list names the algorithms exactly; a string may also edit the default list (+, -, ^).
      const names = Array.isArray(value) ? value.map(String) : scalar.replace(/^[+^-]/, '').split(',');
      const bad = names.findIndex((n) => !ALGORITHM.test(n));
      if (bad !== -1) return fail(`has ${JSON.stringify(names[bad])}, not an algorithm name (letters, digits, @ . _ -)`, Array.isArray(value) ? [...here, bad] : here);
      return Array.isArray(value) ? names.join(',') : scalar;
    }
    case 'list': {
      const words = Array.isArray(value) ? value.map(String) : scalar.split(/[ \t]+/).filter((w) => w !== '');
      const bad = words.findIndex((w) => !ARGUMENT.test(w));
      if (bad !== -1) return fail('must be a list of words (no blanks, quotes, backslashes or #)', Array.isArray(value) ? [...here, bad] : here);
      if (combine === 'accumulate' && new Set(words).size !== words.length) return fail('lists a member twice');
      return words.join(' ');
    }
  }
}
