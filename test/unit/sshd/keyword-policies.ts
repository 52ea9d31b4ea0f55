/**
 * fast-check generators for policies over any keyword of the table: typed values (every
 * enumeration word, flags, numbers, times, samples), exact lists and members of accumulating
 * keywords, Match blocks.
 */
import fc from 'fast-check';
import { settableSshdKeywords, type SshdKeyword } from '../../../src/core/sshd/index.js';

export const VERSION: [number, number] = [9, 2];

function values(k: SshdKeyword): string[] {
  const a = k.annotation!;
  const t = a.type;
  if (t.kind === 'flag') return ['yes', 'no'];
  if (t.kind === 'enum') return [...t.words];
  if (t.kind === 'integer') return [String(t.min), String(t.min + 7), ...(t.words ?? [])];
  if (t.kind === 'time') return ['0', '90', '1h30m', ...(t.words ?? [])];
  return [a.sample, ...(a.alternate !== undefined ? [a.alternate] : [])];
}

export const single = settableSshdKeywords().filter((k) => k.annotation!.combine !== 'accumulate' && k.name !== 'ListenAddress');
const accumulating = settableSshdKeywords().filter((k) => k.annotation!.combine === 'accumulate' && ['AcceptEnv', 'AllowUsers', 'DenyUsers', 'AllowGroups', 'DenyGroups'].includes(k.name));
const member = fc.constantFrom('LANG', 'LC_*', 'root', 'deploy', 'TZ', 'backup');

/** Up to 12 keywords of `pool`, each with one of its typed values. */
export function desiredOf(pool: readonly SshdKeyword[]): fc.Arbitrary<Record<string, string>> {
  return fc.dictionary(fc.constantFrom(...pool.map((k) => k.name)), fc.nat(), { maxKeys: 12 }).map((picked) =>
    Object.fromEntries(
      Object.entries(picked).map(([name, i]) => {
        const options = values(pool.find((k) => k.name === name)!);
        return [name, options[i % options.length] as string];
      }),
    ),
  );
}

export const desired = desiredOf(single);
export const exact = fc.dictionary(fc.constantFrom(...accumulating.map((k) => k.name)), fc.uniqueArray(member, { minLength: 1, maxLength: 3 }), { maxKeys: 2 });
export const members = fc.dictionary(
  fc.constantFrom(...accumulating.map((k) => k.name)),
  fc.tuple(fc.uniqueArray(member, { maxLength: 2 }), fc.uniqueArray(member, { maxLength: 2 })).map(([present, absent]) => ({ present, absent: absent.filter((m) => !present.includes(m)) })),
  { maxKeys: 2 },
);
export const match = fc.array(
  fc.record({
    criteria: fc.constantFrom('User alice', 'User backup', 'Group staff', 'Address 10.0.0.0/8'),
    set: fc.dictionary(fc.constantFrom('ClientAliveInterval', 'PermitTTY', 'MaxSessions', 'X11Forwarding', 'Banner'), fc.constantFrom('0', '5', 'no', 'yes', 'none'), { minKeys: 1, maxKeys: 3 }),
  }),
  { maxLength: 2 },
).map((blocks) =>
  // Values typed for each keyword, and one block per criteria.
  [...new Map(blocks.map((b) => [b.criteria, b])).values()].map((b) => ({
    criteria: b.criteria,
    set: Object.fromEntries(Object.keys(b.set).map((k) => [k, ({ ClientAliveInterval: '30', PermitTTY: 'no', MaxSessions: '2', X11Forwarding: 'yes', Banner: 'none' } as Record<string, string>)[k]!])),
  })),
);

