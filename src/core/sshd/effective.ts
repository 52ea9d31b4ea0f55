/**
 * The value sshd ends up with for a keyword, as `sshd -T` (no -C) prints it and as a connection
 * that matches no Match criteria gets it:
 *
 * - sshd's startup parse keeps the FIRST value it reads (servconf.c only sets an unset option);
 *   `Match all` blocks are active in that parse too (match_cfg_line returns 1 for `all`).
 * - Then every connection (and `sshd -T`) re-reads the files with only Match blocks active and
 *   copies what they set over the global options (copy_set_server_options). Without
 *   connection details only `Match all` matches, so for the keywords that pass copies, the
 *   first value inside an active `Match all` block beats every global line. TCPKeepAlive and
 *   other global-only keywords are not copied: for them the startup parse decides.
 */
import { canonicalKeyword, lastWins, normalizeValue, sshdKeyword } from './keywords.js';
import { type Occurrence, readOrder } from './read-order.js';
import type { ConfigTree, EffectiveEntry } from './types.js';

/**
 * Effective values for `keywords` (any case; keyed by canonical spelling). `version` (the host's
 * sshd release) picks the form `sshd -T` prints where releases differ.
 */
export function effectiveValues(tree: ConfigTree, keywords: readonly string[], version?: readonly [number, number]): Record<string, EffectiveEntry> {
  return effectiveFromOccurrences(readOrder(tree).occurrences, keywords, version);
}

export function effectiveFromOccurrences(occurrences: readonly Occurrence[], keywords: readonly string[], version?: readonly [number, number]): Record<string, EffectiveEntry> {
  const entries: Record<string, EffectiveEntry> = {};
  for (const requested of keywords) {
    const keyword = canonicalKeyword(requested) ?? requested;
    entries[keyword] = effectiveEntry(occurrences, keyword, version);
  }
  return entries;
}

/**
 * An occurrence's value as `sshd -T` prints it. Keywords of the table are read with all their
 * arguments (`AuthorizedKeysFile a b`, `RekeyLimit 1G 1h`); others by their first.
 */
export function occurrenceValue(keyword: string, o: Occurrence, version?: readonly [number, number]): string {
  const text = sshdKeyword(keyword)?.annotation !== undefined ? o.args.join(' ') : (o.args[0] as string);
  return normalizeValue(keyword, text, version);
}

/** Whether every line of a keyword adds to its value (AcceptEnv, AllowUsers, Port, HostKey, …). */
export function accumulates(keyword: string): boolean {
  return sshdKeyword(keyword)?.annotation?.combine === 'accumulate';
}

/** Occurrences of one keyword that carry a value (sshd rejects a keyword without one). */
export function occurrencesOf(occurrences: readonly Occurrence[], keyword: string): Occurrence[] {
  const wanted = keyword.toLowerCase();
  return occurrences.filter((o) => o.keyword.toLowerCase() === wanted && o.args.length > 0);
}

// Options copy_set_server_options (servconf.c, OpenSSH 9.2) copies from the Match pass.
const MATCH_COPIED = new Set([
  'passwordauthentication', 'gssapiauthentication', 'pubkeyauthentication', 'pubkeyauthoptions',
  'kerberosauthentication', 'hostbasedauthentication', 'hostbasedusesnamefrompacketonly',
  'kbdinteractiveauthentication', 'permitrootlogin', 'permitemptypasswords', 'ignorerhosts',
  'allowtcpforwarding', 'allowstreamlocalforwarding', 'allowagentforwarding', 'disableforwarding',
  'exposeauthinfo', 'permittunnel', 'gatewayports', 'streamlocalbindunlink', 'x11displayoffset',
  'x11forwarding', 'x11uselocalhost', 'permittty', 'permituserrc', 'maxsessions', 'maxauthtries',
  'clientalivecountmax', 'clientaliveinterval', 'ipqos', 'rekeylimit', 'loglevel', 'requiredrsasize',
  'unusedconnectiontimeout', 'streamlocalbindmask', 'banner', 'trustedusercakeys', 'revokedkeys',
  'authorizedkeyscommand', 'authorizedkeyscommanduser', 'authorizedprincipalsfile',
  'authorizedprincipalscommand', 'authorizedprincipalscommanduser', 'hostbasedacceptedalgorithms',
  'pubkeyacceptedalgorithms', 'casignaturealgorithms', 'rdomain', 'authorizedkeysfile', 'allowusers',
  'denyusers', 'allowgroups', 'denygroups', 'acceptenv', 'setenv', 'authenticationmethods',
  'permitopen', 'permitlisten', 'channeltimeout', 'logverbose', 'forcecommand', 'chrootdirectory',
]);

/** The occurrence whose value `sshd -T` prints (see the module comment), if any. */
export function winningOccurrence(mine: readonly Occurrence[], keyword: string, version?: readonly [number, number]): Occurrence | undefined {
  // Some options are overwritten by every line on some releases (MaxStartups before 10.1,
  // see the keyword table's lastIn): there the last line read wins.
  if (lastWins(keyword, version)) return mine.filter((o) => o.active).pop();
  if (MATCH_COPIED.has(keyword.toLowerCase())) {
    const matchAll = mine.find((o) => o.active && o.match !== null);
    if (matchAll !== undefined) return matchAll;
  }
  return mine.find((o) => o.active);
}

function effectiveEntry(occurrences: readonly Occurrence[], keyword: string, version?: readonly [number, number]): EffectiveEntry {
  const mine = occurrencesOf(occurrences, keyword);
  const winner = winningOccurrence(mine, keyword, version);
  const valueOf = (o: Occurrence): string => occurrenceValue(keyword, o, version);
  // Every active line adds its members, in read order: none is shadowed.
  const added = accumulates(keyword) ? mine.filter((o) => o.active) : [];
  return {
    keyword,
    value: winner === undefined ? null : added.length > 0 ? added.map(valueOf).join(' ') : valueOf(winner),
    origin: winner === undefined ? null : { ...winner.origin },
    shadowed: accumulates(keyword) ? [] : mine.filter((o) => o.match === null && o !== winner).map((o) => ({ ...o.origin })),
    matchOverrides: mine
      .filter((o) => o.match !== null)
      .map((o) => ({ origin: { ...o.origin }, value: valueOf(o), criteria: (o.match as { criteria: string }).criteria })),
  };
}
