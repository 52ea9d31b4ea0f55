/**
 * The host-key check over several known_hosts files, as ssh reads UserKnownHostsFile and
 * GlobalKnownHostsFile together: a key trusted by any file is trusted, one marked @revoked in
 * any file is refused, a host known (anywhere) only with other keys is a mismatch.
 */
import { judgeHostKey, knownKeyTypes } from './known-hosts.js';
import type { KnownHostsStore } from './known-hosts-store.js';

/** The verdict, with `file:line` places for messages. */
export type TrustVerdict =
  | { kind: 'trusted' }
  | { kind: 'revoked'; place: string }
  | { kind: 'mismatch'; places: string[] }
  | { kind: 'unknown' };

export async function judgeAcross(stores: readonly KnownHostsStore[], name: string, port: number, keyBlob: Buffer): Promise<TrustVerdict> {
  const verdicts = await Promise.all(stores.map(async (s) => ({ path: s.path, verdict: judgeHostKey(await s.entries(), name, port, keyBlob) })));
  const revoked = verdicts.find((v) => v.verdict.kind === 'revoked');
  if (revoked !== undefined && revoked.verdict.kind === 'revoked') return { kind: 'revoked', place: `${revoked.path}:${revoked.verdict.line}` };
  if (verdicts.some((v) => v.verdict.kind === 'trusted')) return { kind: 'trusted' };
  const places = verdicts.flatMap((v) => (v.verdict.kind === 'mismatch' ? [`${v.path}:${v.verdict.lines.join(',')}`] : []));
  return places.length > 0 ? { kind: 'mismatch', places } : { kind: 'unknown' };
}

/** Key types known for the host in any of the files. */
export async function knownTypesAcross(stores: readonly KnownHostsStore[], name: string, port: number): Promise<string[]> {
  const lists = await Promise.all(stores.map(async (s) => knownKeyTypes(await s.entries(), name, port)));
  return [...new Set(lists.flat())];
}
