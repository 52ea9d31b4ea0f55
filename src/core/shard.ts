/**
 * Deterministic shares of a fleet for N parallel jobs (a CI matrix, an Indexed Job). A host's
 * shard depends only on its name, so every job agrees without talking to the others, and a
 * host stays in its shard when other hosts come and go.
 */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 1-based index of this share */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new RangeError(`a shard is K/N with 1 ≤ K ≤ N, not "${text}"`);
  return { index, count };
}

export function shardOf(hostName: string, count: number): number {
  const digest = createHash('sha256').update(hostName).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

export function inShard(hostName: string, shard: Shard): boolean {
  return shardOf(hostName, shard.count) === shard.index;
}
