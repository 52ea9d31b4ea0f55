/**
 * The `client:` section of a policy, checked against the ssh_config keyword table: every key
 * besides `users` and `system` must be a keyword a policy can set, every value of the type the
 * table gives, with the allowed words or the range in the message, positioned at the key or value.
 */
import type { Diagnostic } from '../errors.js';
import { canonicalClientKeyword, settableSshKeywords, SSH_RELEASES, sshKeyword, type SshKeyword } from '../sshclient/keywords.js';
import { SSH_UNSETTABLE } from '../sshclient/keyword-overlay.js';
import { diagnosticAt, didYouMean, formatPath, type YamlSource } from '../yaml-source.js';
import { ARGUMENT, membersOf, type SshdMembers, valueText } from './sshd.js';

/** The policy keys of `client:` that are not ssh_config keywords. */
export const CLIENT_POLICY_KEYS = ['users', 'system'] as const;

/** The checked keywords of `client:`. */
export interface ClientSection {
  /** Canonical keyword → the value as written to ssh_config (`240`, `no`, `aes256-ctr,aes128-ctr`, `LANG LC_*`). */
  values: Record<string, string>;
  /**
   * Accumulating keywords given as { present, absent }. For SendEnv a member is a word; for the
   * others (IdentityFile, LocalForward, …) a member is one line's value.
   */
  members: Record<string, SshdMembers>;
}

/** Checks every keyword of `client:` (keys already renamed to canonical spelling where known). */
export function checkClientSection(source: YamlSource, block: Record<string, unknown>, diagnostics: Diagnostic[]): ClientSection {
  const section: ClientSection = { values: {}, members: {} };
  for (const [key, value] of Object.entries(block)) {
    if ((CLIENT_POLICY_KEYS as readonly string[]).includes(key)) continue;
    const here = ['client', key];
    const entry = settable(key, source, here, diagnostics);
    if (entry === undefined) continue;
    const fail = (message: string, at: (string | number)[] = here): undefined => {
      diagnostics.push(diagnosticAt(source, at, 'value', `${formatPath(at)} ${message}`));
      return undefined;
    };
    const annotation = entry.annotation!;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const members = membersOf(annotation.combine, value, here, fail, accumulating, (w, at) => {
        if (annotation.type.kind === 'list') return ARGUMENT.test(String(w)) ? String(w) : fail('must be one word (no blanks, quotes, backslashes or #)', at);
        // One member is one line of the keyword (IdentityFile a path, LocalForward two endpoints).
        return valueText(annotation.type, 'first', w, at, (message, where = at) => fail(message, where));
      });
      if (members !== undefined) section.members[entry.name] = members;
      continue;
    }
    // `user: [root]` is far likelier a misspelt `users:` than ssh's User keyword.
    if (entry.name === 'User' && Array.isArray(value)) {
      diagnostics.push(diagnosticAt(source, here, 'key', `${formatPath(here)} is ssh_config's User keyword, which takes one name (did you mean users?)`));
      continue;
    }
    if (annotation.combine === 'accumulate' && annotation.type.kind !== 'list' && Array.isArray(value)) {
      fail(`takes one line's value, or { present: [...], absent: [...] } for several`);
      continue;
    }
    const text = valueText(annotation.type, annotation.combine, value, here, fail);
    if (text !== undefined) section.values[entry.name] = text;
  }
  return section;
}

/** Only the keys of `client:`, for when the schema already refused a value: one run reports every mistake. */
export function checkClientKeys(source: YamlSource, block: unknown, diagnostics: Diagnostic[]): void {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) return;
  for (const key of Object.keys(block)) {
    if (!(CLIENT_POLICY_KEYS as readonly string[]).includes(key)) settable(key, source, ['client', key], diagnostics);
  }
}

/** The table's entry for a `client:` key that can be set, or a diagnostic saying why not. */
function settable(key: string, source: YamlSource, here: (string | number)[], diagnostics: Diagnostic[]): SshKeyword | undefined {
  const error = (message: string): undefined => {
    diagnostics.push(diagnosticAt(source, here, 'key', `${formatPath(here)} ${message}`));
    return undefined;
  };
  const name = canonicalClientKeyword(key);
  const entry = name === undefined ? undefined : sshKeyword(name);
  if (entry === undefined) {
    const suggestion = didYouMean(key, [...settableSshKeywords().map((k) => k.name), ...CLIENT_POLICY_KEYS]);
    return error(`is not a known ssh_config keyword (${suggestion ? `did you mean ${suggestion}?` : `no ssh_config keyword of ${SSH_RELEASES} is spelled so`})`);
  }
  if (entry.annotation?.combine === 'structure') return error(`cannot be set here: ${entry.name} is not a setting (fleet sets values for every host, in the Host * scope)`);
  if (entry.annotation === undefined) {
    const reason = SSH_UNSETTABLE[entry.name];
    if (reason !== undefined) return error(`cannot be set by fleet: ${reason}`);
    if (entry.status === 'deprecated' || entry.status === 'unsupported') return error(`is ${entry.status}: ssh ignores it, so fleet does not set it`);
    return error(`is known only to OpenSSH ${entry.versions}, not to current releases, so fleet does not set it`);
  }
  return entry;
}

function accumulating(): string[] {
  return settableSshKeywords().filter((k) => k.annotation?.combine === 'accumulate').map((k) => k.name);
}
