/**
 * A connection that satisfies a `Match` line's criteria, for `sshd -T -C`: the proof of a
 * value set inside a Match block is what sshd prints for a connection that block selects.
 * sshd's own matchers decide (servconf.c `match_cfg_line`): User and RDomain are pattern lists
 * (match.c, case-sensitive), Host a host-name list (lowercased), Address and LocalAddress
 * address lists with CIDR (`addr_match_list`), LocalPort one port number. A candidate value is
 * made from the first positive pattern of each list (wildcards filled in) and kept only when
 * the whole list, negations included, selects it. Group needs a real member of the group on
 * each host and Exec runs a command: such criteria cannot be synthesised, and the caller says so.
 */
import { matchHostname, matchPatternList } from '../sshconfig/match.js';

export type MatchConnection = { spec: string } | { reason: string };

/** What sshd -T -C requires (user, host, addr), chosen to select no block by accident. */
const NEUTRAL = { user: 'fleet-proof', host: 'fleet-proof.invalid', addr: '192.0.2.1' } as const;

type Field = 'user' | 'host' | 'addr' | 'laddr' | 'lport' | 'rdomain';

export function connectionFor(criteria: string): MatchConnection {
  const words = criteria.trim().split(/[ \t]+/).filter((w) => w !== '');
  const chosen: Partial<Record<Field, string>> = {};
  for (let i = 0; i < words.length; i++) {
    const keyword = (words[i] as string).toLowerCase();
    if (keyword === 'all') continue;
    const arg = words[++i];
    if (arg === undefined) return { reason: `Match ${words[i - 1]} has no argument` };
    const pick = candidateFor(keyword, arg);
    if ('reason' in pick) return pick;
    chosen[pick.field] = pick.value;
  }
  const fields = { ...NEUTRAL, ...chosen };
  const values = Object.values(fields);
  // sshd splits the spec on commas and `=`: a value holding either cannot be passed.
  if (values.some((v) => /[,=\s]/.test(v) || v === '')) return { reason: `a value for it would hold a comma, '=' or a blank` };
  return { spec: Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(',') };
}

function candidateFor(keyword: string, arg: string): { field: Field; value: string } | { reason: string } {
  switch (keyword) {
    case 'user':
      return fromList('user', arg, 'x', (v) => matchPatternList(v, arg, false) === 1);
    case 'host':
      return fromList('host', arg.toLowerCase(), 'x', (v) => matchHostname(v, arg) === 1);
    case 'rdomain':
      return fromList('rdomain', arg, 'x', (v) => matchPatternList(v, arg, false) === 1);
    case 'address':
      return fromList('addr', arg, '1', (v) => addressListMatches(v, arg));
    case 'localaddress':
      return fromList('laddr', arg, '1', (v) => addressListMatches(v, arg));
    case 'localport':
      return /^[0-9]{1,5}$/.test(arg) && Number(arg) >= 1 && Number(arg) <= 65535 ? { field: 'lport', value: String(Number(arg)) } : { reason: `LocalPort ${arg} is not a port number` };
    case 'group':
      return { reason: `Match Group needs a real member of the group on each host, which fleet cannot choose` };
    case 'exec':
      return { reason: `Match Exec runs a command, which sshd -T -C cannot evaluate` };
    default:
      return { reason: `fleet cannot synthesise a connection for Match ${keyword}` };
  }
}

/** The first positive entry of a comma list, its wildcards filled with `fill`, if the whole list selects it. */
function fromList(field: Field, list: string, fill: string, selects: (value: string) => boolean): { field: Field; value: string } | { reason: string } {
  for (const entry of list.split(',')) {
    if (entry === '' || entry.startsWith('!')) continue;
    // A CIDR entry stands for a few of its hosts (first, last, the second half's first): a
    // negated subnet rarely takes all three.
    const values = entry.includes('/') ? hostsOf(entry) : [entry.replace(/[*?]/g, fill)];
    const value = values.find(selects);
    if (value !== undefined) return { field, value };
  }
  return { reason: `no ${field} that ${list} selects could be found` };
}

/** `10.0.0.0/8` → 10.0.0.1, 10.255.255.254, 10.128.0.1; an IPv6 or malformed network gives none. */
function hostsOf(cidr: string): string[] {
  const parsed = parseCidr(cidr);
  if (parsed === null) return [];
  if (parsed.bits >= 31) return [ipv4Text(parsed.network)];
  const size = 2 ** (32 - parsed.bits);
  return [1, size - 2, size / 2 + 1].map((offset) => ipv4Text((parsed.network + offset) >>> 0));
}

function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
}

function ipv4Text(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function parseCidr(cidr: string): { network: number; bits: number } | null {
  const [addr, len] = cidr.split('/');
  const ip = parseIpv4(addr ?? '');
  if (ip === null || len === undefined || !/^[0-9]{1,2}$/.test(len) || Number(len) > 32) return null;
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { network: (ip & mask) >>> 0, bits };
}

/** match.c `addr_match_list` for IPv4: CIDR entries and wildcard patterns, `!` negates. */
export function addressListMatches(addr: string, list: string): boolean {
  const ip = parseIpv4(addr);
  let positive = false;
  for (const raw of list.split(',')) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    const entry = negated ? raw.slice(1) : raw;
    let hit: boolean;
    if (entry.includes('/')) {
      const net = parseCidr(entry);
      if (net === null || ip === null) return false;
      const mask = net.bits === 0 ? 0 : (0xffffffff << (32 - net.bits)) >>> 0;
      hit = ((ip & mask) >>> 0) === net.network;
    } else {
      hit = matchPatternList(addr, entry, false) === 1;
    }
    if (hit && negated) return false;
    if (hit) positive = true;
  }
  return positive;
}
