/**
 * Host names as an Ansible inventory writes them: a key may carry a port
 * (`db1.example.com:2222`, `[2001:db8::1]:2222`) and ranges that expand to many hosts
 * (`web[01:20].example.com`, `db-[a:c]`, `node[0:10:2]`), as Ansible's `parse_address` and
 * `expand_hostname_range` read them.
 */
import { isIPv6 } from 'node:net';

/** A host key failed to parse; `message` is the reason, said about the key. */
export class HostKeyError extends Error {}

/** One host key, expanded. */
export interface ExpandedHostKey {
  names: string[];
  port?: number;
}

/** No single key may expand to more hosts than this (a typo like `[0:9999999]` stays cheap). */
export const MAX_RANGE_HOSTS = 10_000;

const HOSTNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/;

/** True for a name fleet can hand to ssh as an address: a host name, IPv4 or IPv6 literal. */
export function isAddress(name: string): boolean {
  return HOSTNAME.test(name) || isIPv6Literal(name);
}

/** An IPv6 literal without brackets, with an optional zone (`fe80::1%eth0`). */
export function isIPv6Literal(text: string): boolean {
  const [address, zone, extra] = text.split('%');
  if (extra !== undefined || (zone !== undefined && !/^[A-Za-z0-9_.-]+$/.test(zone))) return false;
  return address !== undefined && isIPv6(address);
}

/** Splits a host key into its names (ranges expanded) and optional port. */
export function expandHostKey(key: string): ExpandedHostKey {
  let rest = key;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(key);
  if (bracketed && isIPv6Literal(bracketed[1]!)) {
    // `[2001:db8::1]:22`: brackets mark an IPv6 address, not a range.
    return { names: [bracketed[1]!], ...(bracketed[2] !== undefined ? { port: parsePort(bracketed[2]) } : {}) };
  }
  if (isIPv6Literal(key)) return { names: [key] };
  // `name:port`, where the colon is outside any [a:b] range.
  const withPort = /^((?:[^:[\]]|\[[^\]]*\])+):(\d+)$/.exec(key);
  if (withPort) {
    rest = withPort[1]!;
    port = parsePort(withPort[2]!);
  }
  const names = expandRanges(rest);
  for (const name of names) {
    if (!isAddress(name)) {
      throw new HostKeyError(
        `is not a valid host name${name === key ? '' : ` ("${name}")`}: use letters, digits, '.', '-', '_' or an IP address`,
      );
    }
  }
  return port === undefined ? { names } : { names, port };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new HostKeyError(`has port ${text}, not within 1-65535`);
  return port;
}

/** Expands every `[begin:end]` or `[begin:end:step]` range, left to right, as Ansible does. */
export function expandRanges(name: string): string[] {
  const open = name.indexOf('[');
  if (open < 0) {
    if (name.includes(']')) throw new HostKeyError('has a "]" without its "["');
    return [name];
  }
  const close = name.indexOf(']', open);
  if (close < 0) throw new HostKeyError('has a "[" without its "]"');
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const values = rangeValues(name.slice(open + 1, close));
  const names: string[] = [];
  for (const value of values) {
    for (const expanded of expandRanges(`${head}${value}${tail}`)) {
      names.push(expanded);
      if (names.length > MAX_RANGE_HOSTS) throw new HostKeyError(`expands to more than ${MAX_RANGE_HOSTS} hosts`);
    }
  }
  return names;
}

function rangeValues(range: string): string[] {
  const bounds = range.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostKeyError(`has range [${range}]; write [begin:end] or [begin:end:step]`);
  const [rawBegin, end, rawStep] = bounds as [string, string, string | undefined];
  const begin = rawBegin === '' ? '0' : rawBegin;
  const step = rawStep === undefined ? 1 : Number(rawStep);
  if (end === '') throw new HostKeyError(`has range [${range}] without an end`);
  if (!Number.isInteger(step) || step < 1) throw new HostKeyError(`has range [${range}] whose step is not a positive integer`);
  const letters = /^[A-Za-z]$/;
  if (letters.test(begin) && letters.test(end)) {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const from = alphabet.indexOf(begin);
    const to = alphabet.indexOf(end);
    if (from > to) throw new HostKeyError(`has range [${range}] whose begin comes after its end`);
    const out: string[] = [];
    for (let i = from; i <= to; i += step) out.push(alphabet[i]!);
    return out;
  }
  if (!/^\d+$/.test(begin) || !/^\d+$/.test(end)) throw new HostKeyError(`has range [${range}]; bounds must be numbers or single letters`);
  // A leading zero asks for zero-padded names (web01 … web20), and both bounds must agree on it.
  const width = begin.length > 1 && begin.startsWith('0') ? begin.length : 0;
  if (width > 0 && end.length !== width) throw new HostKeyError(`has range [${range}] whose bounds have different widths`);
  const from = Number(begin);
  const to = Number(end);
  if (from > to) throw new HostKeyError(`has range [${range}] whose begin comes after its end`);
  if ((to - from) / step >= MAX_RANGE_HOSTS) throw new HostKeyError(`expands to more than ${MAX_RANGE_HOSTS} hosts`);
  const out: string[] = [];
  for (let i = from; i <= to; i += step) out.push(String(i).padStart(width, '0'));
  return out;
}
