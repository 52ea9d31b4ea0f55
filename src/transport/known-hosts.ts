/**
 * OpenSSH known_hosts: parsing, matching and the verdict on a presented host key.
 * Pure (no file access): the connector reads and appends the file.
 *
 * Follows sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT": comma-separated patterns with `*`/`?`
 * wildcards and `!` negation, hashed names `|1|salt|hmac-sha1`, `[host]:port` for
 * non-default ports, and the `@revoked` / `@cert-authority` markers.
 */
import { createHmac } from 'node:crypto';
import { matchPattern } from '../core/sshconfig/match.js';

/** How a line names its hosts. */
export type HostNames =
  | { kind: 'hashed'; salt: Buffer; hash: Buffer }
  | { kind: 'patterns'; patterns: readonly { negated: boolean; glob: string }[] };

/** One usable known_hosts line. */
export interface KnownHostEntry {
  /** 1-based line number, for messages. */
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  names: HostNames;
  keyType: string;
  /** The key blob (SSH wire format), as base64 in the file. */
  keyBase64: string;
}

/** What known_hosts says about the key a server presented. */
export type HostKeyVerdict =
  | { kind: 'trusted'; line: number }
  | { kind: 'revoked'; line: number }
  /** The host is known but with other keys: possibly a man in the middle. */
  | { kind: 'mismatch'; lines: number[] }
  | { kind: 'unknown' };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses a known_hosts file; malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const fields = (lines[i] ?? '').trim().split(/[ \t]+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0].startsWith('@')) {
      if (fields[0] === '@revoked') marker = 'revoked';
      else if (fields[0] === '@cert-authority') marker = 'cert-authority';
      else continue; // unknown marker: ssh ignores the line
      fields.shift();
    }
    const [hostField, keyType, keyBase64] = fields;
    if (hostField === undefined || keyType === undefined || keyBase64 === undefined) continue;
    if (!BASE64.test(keyBase64)) continue;
    const names = parseHostNames(hostField);
    if (names === null) continue;
    entries.push({ line: i + 1, marker, names, keyType, keyBase64 });
  }
  return entries;
}

function parseHostNames(field: string): HostNames | null {
  if (field.startsWith('|1|')) {
    const [salt, hash] = field.slice(3).split('|');
    if (salt === undefined || hash === undefined) return null;
    return { kind: 'hashed', salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  }
  if (field.startsWith('|')) return null; // other hash formats do not exist; skip like ssh
  const patterns = field
    .split(',')
    .filter((p) => p !== '')
    .map((p) => (p.startsWith('!') ? { negated: true, glob: p.slice(1) } : { negated: false, glob: p }));
  return patterns.length === 0 ? null : { kind: 'patterns', patterns };
}

/**
 * The name ssh looks up: the bare host on port 22, `[host]:port` otherwise
 * (OpenSSH's put_host_port), lowercased as ssh does.
 */
export function lookupName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Whether a line's host names cover `name` (a lookupName). A matching negation wins. */
export function namesMatch(names: HostNames, name: string): boolean {
  if (names.kind === 'hashed') {
    const mac = createHmac('sha1', names.salt).update(name).digest();
    return mac.length === names.hash.length && mac.equals(names.hash);
  }
  let positive = false;
  for (const p of names.patterns) {
    // OpenSSH's match_pattern, the same `*`/`?` matcher ssh_config's Host lines use.
    if (!matchPattern(name, p.glob.toLowerCase())) continue;
    if (p.negated) return false;
    positive = true;
  }
  return positive;
}

/**
 * Judges a presented host key. A revoked key is refused even if another line trusts it;
 * a host known only with other keys (of any type) is a mismatch, never "unknown", so
 * accept-new can never paper over a changed key.
 */
export function judgeHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyBlob: Buffer,
): HostKeyVerdict {
  const name = lookupName(host, port);
  const presented = keyBlob.toString('base64');
  let trusted: number | null = null;
  const others: number[] = [];
  for (const e of entries) {
    // Certificates are not supported by ssh2; a CA line neither trusts nor contradicts.
    if (e.marker === 'cert-authority') continue;
    if (!namesMatch(e.names, name)) continue;
    const same = sameKey(e.keyBase64, presented);
    if (e.marker === 'revoked') {
      if (same) return { kind: 'revoked', line: e.line };
    } else if (same) {
      trusted ??= e.line;
    } else {
      others.push(e.line);
    }
  }
  if (trusted !== null) return { kind: 'trusted', line: trusted };
  return others.length > 0 ? { kind: 'mismatch', lines: others } : { kind: 'unknown' };
}

/** One known_hosts file's lines, named for messages. */
export interface KnownHostsFile {
  path: string;
  entries: readonly KnownHostEntry[];
}

/** What several known_hosts files together say about a presented key; lines as `file:line`. */
export type FilesVerdict =
  | { kind: 'trusted' }
  | { kind: 'revoked'; at: string }
  | { kind: 'mismatch'; at: string[] }
  | { kind: 'unknown' };

/**
 * Judges a presented key against the user's and the system's known_hosts together, as ssh
 * reads them: @revoked in any file refuses, a trusting line in any file trusts, and only then
 * do other keys in any file make a mismatch.
 */
export function judgeHostKeyInFiles(files: readonly KnownHostsFile[], host: string, port: number, keyBlob: Buffer): FilesVerdict {
  const verdicts = files.map((f) => ({ path: f.path, verdict: judgeHostKey(f.entries, host, port, keyBlob) }));
  for (const { path, verdict } of verdicts) if (verdict.kind === 'revoked') return { kind: 'revoked', at: `${path}:${verdict.line}` };
  if (verdicts.some((v) => v.verdict.kind === 'trusted')) return { kind: 'trusted' };
  const at = verdicts.flatMap(({ path, verdict }) => (verdict.kind === 'mismatch' ? [`${path}:${verdict.lines.join(',')}`] : []));
  return at.length > 0 ? { kind: 'mismatch', at } : { kind: 'unknown' };
}

function sameKey(a: string, b: string): boolean {
  // Compare bytes, not text: base64 padding or line-wrapping differences are not key changes.
  return Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'));
}

/**
 * The `@cert-authority` lines whose patterns cover this host: a certificate the host presents
 * may be vouched for by one of them. (Whether it is, and whether the CA is @revoked, is for
 * ssh to judge: it checks the CA signature, validity, principals and certificate type.)
 */
export function certAuthoritiesFor(entries: readonly KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = lookupName(host, port);
  return entries.filter((e) => e.marker === 'cert-authority' && namesMatch(e.names, name));
}

/** Key types known for a host, so the client can offer those host-key algorithms first. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = lookupName(host, port);
  const types = new Set<string>();
  for (const e of entries) if (e.marker === null && namesMatch(e.names, name)) types.add(e.keyType);
  return [...types];
}

/** The key type stored inside an SSH wire-format key blob (its first string). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** The line accept-new records: `<host-or-[host]:port> <type> <base64>`. */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  return `${lookupName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}
