/**
 * The lock-out guard: would the candidate config refuse the very login fleet is using? Judged
 * on what the real sshd says about the candidate for that login (`sshd -T -C user=…,addr=…,
 * laddr=…,lport=…`, Match blocks applied), compared with what it says about the live config the
 * login got in through. Pure: the engine brings the outputs.
 */
import { printedValues } from './printed-config.js';

/** The keywords that decide whether a public-key login is let in; the guard reads only these. */
export const LOGIN_KEYWORDS = [
  'permitrootlogin',
  'allowusers',
  'denyusers',
  'allowgroups',
  'denygroups',
  'pubkeyauthentication',
  'authenticationmethods',
  'authorizedkeysfile',
  'port',
  'listenaddress',
] as const;

/**
 * Whether a policy can change what lets a login in at all. The planner edits only the lines of
 * the keywords a policy names (and adds Match blocks only for `sshd_match`), so a policy that
 * names none of LOGIN_KEYWORDS and no Match block leaves the login lines as they are: the guard
 * has nothing to judge, and its two `sshd -T -C` runs per host are skipped.
 */
export function mayChangeLogin(policy: { sshd: Readonly<Record<string, unknown>>; sshdMembers?: Readonly<Record<string, unknown>>; sshdMatch?: readonly unknown[] }): boolean {
  const named = [...Object.keys(policy.sshd), ...Object.keys(policy.sshdMembers ?? {})].map((k) => k.toLowerCase());
  return (policy.sshdMatch?.length ?? 0) > 0 || named.some((k) => (LOGIN_KEYWORDS as readonly string[]).includes(k));
}

/** The login in use, as the host sees it (`$SSH_CONNECTION`, `id -Gn`). */
export interface LoginInUse {
  user: string;
  groups: readonly string[];
  /** the controller's address */
  clientAddr: string;
  /** the host's address and port the login came in on */
  serverAddr: string;
  serverPort: string;
}

/** Reads `$SSH_CONNECTION` (`client-ip client-port server-ip server-port`); null when it is not that. */
export function parseConnection(text: string): { clientAddr: string; serverAddr: string; serverPort: string } | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 4 || !/^\d+$/.test(parts[3] as string)) return null;
  return { clientAddr: parts[0] as string, serverAddr: parts[2] as string, serverPort: parts[3] as string };
}

/** sshd's match_pattern: `*` and `?` wildcards, the whole string, case-sensitive. */
function wildcard(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}

function ipv4(addr: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

/** The host part of a `user@host` pattern: a wildcard, or an IPv4 CIDR as sshd allows there. */
function hostMatches(pattern: string, addr: string): boolean {
  const cidr = /^([\d.]+)\/(\d+)$/.exec(pattern);
  if (cidr) {
    const net = ipv4(cidr[1] as string);
    const a = ipv4(addr);
    const bits = Number(cidr[2]);
    if (net === null || a === null || bits > 32) return false;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return ((net & mask) >>> 0) === ((a & mask) >>> 0);
  }
  return wildcard(pattern, addr);
}

/** An AllowUsers/DenyUsers entry (`user` or `user@host`) against the login; the host is its address (UseDNS no). */
function userMatches(entry: string, login: LoginInUse): boolean {
  const at = entry.indexOf('@');
  if (at === -1) return wildcard(entry, login.user);
  return wildcard(entry.slice(0, at), login.user) && hostMatches(entry.slice(at + 1), login.clientAddr);
}

/** Every entry of an accumulating list keyword (sshd -T prints one per line, or several on a line). */
function entries(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(/\s+/)).filter((v) => v !== '' && v !== 'none');
}

const WILDCARD_ADDRS = new Set(['0.0.0.0', '::', '[::]']);

/** `listenaddress` as sshd -T prints it: `0.0.0.0:22`, `[::]:22`, `127.0.1.3:2201 rdomain x`. */
function listenOf(value: string): { addr: string; port: string } | null {
  const first = value.split(/\s+/)[0] as string;
  const m = /^\[(.*)\]:(\d+)$/.exec(first) ?? /^([^:]+):(\d+)$/.exec(first);
  return m ? { addr: m[1] as string, port: m[2] as string } : null;
}

type Lines = Map<string, string[]>;
/** One reason sshd would refuse the login, judged on one config's lines; null when it lets it in. */
type Check = (c: Lines, login: LoginInUse, who: string) => string | null;

const first = (c: Lines, k: string): string | undefined => c.get(k)?.[0];

const CHECKS: readonly Check[] = [
  (c, login, who) => {
    const root = first(c, 'permitrootlogin');
    // fleet runs arbitrary commands with a key: forced-commands-only refuses them, no refuses all.
    return login.user === 'root' && (root === 'no' || root === 'forced-commands-only') ? `PermitRootLogin ${root} would refuse ${who}` : null;
  },
  (c, _login, who) => (first(c, 'pubkeyauthentication') === 'no' ? `PubkeyAuthentication no would refuse ${who} (it logs in with a key)` : null),
  (c, _login, who) => {
    const methods = first(c, 'authenticationmethods');
    if (methods === undefined || methods === 'any') return null;
    const keyAlone = methods.split(/\s+/).some((list) => list.split(',').every((m) => m === 'publickey'));
    return keyAlone ? null : `AuthenticationMethods ${methods} would refuse ${who}: no list is satisfied by publickey alone`;
  },
  (c, login, who) => {
    const deny = entries(c.get('denyusers')).find((p) => userMatches(p, login));
    if (deny !== undefined) return `DenyUsers ${deny} would refuse ${who}`;
    const allow = entries(c.get('allowusers'));
    return allow.length > 0 && !allow.some((p) => userMatches(p, login)) ? `AllowUsers ${allow.join(' ')} would refuse ${who}` : null;
  },
  (c, login, who) => {
    const deny = entries(c.get('denygroups')).find((p) => login.groups.some((g) => wildcard(p, g)));
    if (deny !== undefined) return `DenyGroups ${deny} would refuse ${who} (groups ${login.groups.join(' ')})`;
    const allow = entries(c.get('allowgroups'));
    return allow.length > 0 && !allow.some((p) => login.groups.some((g) => wildcard(p, g))) ? `AllowGroups ${allow.join(' ')} would refuse ${who} (groups ${login.groups.join(' ') || 'none'})` : null;
  },
  (c, login, who) => {
    const listen = (c.get('listenaddress') ?? []).map(listenOf).filter((x): x is { addr: string; port: string } => x !== null);
    if (listen.length === 0) return null;
    const onPort = listen.filter((x) => x.port === login.serverPort);
    if (onPort.length === 0) return `Port ${(c.get('port') ?? []).join(' ') || listen.map((x) => x.port).join(' ')} would drop port ${login.serverPort}, which ${who} uses`;
    return onPort.some((x) => x.addr === login.serverAddr || WILDCARD_ADDRS.has(x.addr)) ? null : `ListenAddress ${(c.get('listenaddress') ?? []).join(' ')} would drop ${login.serverAddr} port ${login.serverPort}, which ${who} uses`;
  },
];

/**
 * Why the candidate would refuse the login in use, or null when it lets it in. `candidate` and
 * `live` are `sshd -T -C` outputs for that login (only LOGIN_KEYWORDS are read);
 * `keyFilesPresent`: the live AuthorizedKeysFile paths (as printed) that hold a file. A check the
 * live config fails too is not held against the candidate: the login got in anyway, so what
 * decides it lies outside what sshd -T shows (e.g. a ListenAddress on sshd's command line).
 * The message names the keyword and value as sshd printed them.
 */
export function lockoutReason(candidate: string, live: string, login: LoginInUse, keyFilesPresent?: ReadonlySet<string>): string | null {
  const c = printedValues(candidate);
  const l = printedValues(live);
  const who = `fleet's own login as ${login.user} from ${login.clientAddr}`;
  for (const check of CHECKS) {
    const reason = check(c, login, who);
    if (reason !== null && check(l, login, who) === null) return reason;
  }
  // The key file the login used is one of the live paths that exist for the user; which one is
  // not known, so every such path must stay (conservative: the new list may reorder or add, and
  // may drop only paths that hold no file). Without `keyFilesPresent`, every live path must stay.
  const liveKeys = entries(l.get('authorizedkeysfile'));
  const newKeys = new Set(entries(c.get('authorizedkeysfile')));
  const dropped = liveKeys.filter((p) => !newKeys.has(p) && (keyFilesPresent === undefined || keyFilesPresent.has(p)));
  if (dropped.length > 0) {
    return `AuthorizedKeysFile ${[...newKeys].join(' ') || 'none'} would drop ${dropped.join(' ')}, ${keyFilesPresent ? 'which exists' : 'which may hold the key'} for ${who} (every live path with a file must stay)`;
  }
  return null;
}
