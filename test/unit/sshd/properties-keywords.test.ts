/**
 * The planner over any keyword of the table, on generated trees: for random policies of typed
 * values (every enumeration word, flags, numbers, times, lists, MaxStartups-like values, exact
 * lists and members of accumulating keywords, Match blocks) the planner's own re-read holds (it
 * throws an InternalError when its result misses), and planning the result again changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { applyEdits, planSshd, settableSshdKeywords, type SshdKeyword } from '../../../src/core/sshd/index.js';
import { generatedTree } from './generate.js';

const VERSION: [number, number] = [9, 2];

function values(k: SshdKeyword): string[] {
  const a = k.annotation!;
  const t = a.type;
  if (t.kind === 'flag') return ['yes', 'no'];
  if (t.kind === 'enum') return [...t.words];
  if (t.kind === 'integer') return [String(t.min), String(t.min + 7), ...(t.words ?? [])];
  if (t.kind === 'time') return ['0', '90', '1h30m', ...(t.words ?? [])];
  return [a.sample, ...(a.alternate !== undefined ? [a.alternate] : [])];
}

const single = settableSshdKeywords().filter((k) => k.annotation!.combine !== 'accumulate' && k.name !== 'ListenAddress');
const accumulating = settableSshdKeywords().filter((k) => k.annotation!.combine === 'accumulate' && ['AcceptEnv', 'AllowUsers', 'DenyUsers', 'AllowGroups', 'DenyGroups'].includes(k.name));
const member = fc.constantFrom('LANG', 'LC_*', 'root', 'deploy', 'TZ', 'backup');

const desired = fc.dictionary(
  fc.constantFrom(...single.map((k) => k.name)),
  fc.nat(),
  { maxKeys: 12 },
).map((picked) =>
  Object.fromEntries(Object.entries(picked).map(([name, i]) => {
    const options = values(single.find((k) => k.name === name)!);
    return [name, options[i % options.length] as string];
  })),
);
const exact = fc.dictionary(fc.constantFrom(...accumulating.map((k) => k.name)), fc.uniqueArray(member, { minLength: 1, maxLength: 3 }), { maxKeys: 2 });
const members = fc.dictionary(
  fc.constantFrom(...accumulating.map((k) => k.name)),
  fc.tuple(fc.uniqueArray(member, { maxLength: 2 }), fc.uniqueArray(member, { maxLength: 2 })).map(([present, absent]) => ({ present, absent: absent.filter((m) => !present.includes(m)) })),
  { maxKeys: 2 },
);
const match = fc.array(
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

describe('any keyword, any tree', () => {
  test('the planner re-reads its result without a miss, and a second plan changes nothing', () => {
    fc.assert(
      fc.property(generatedTree, desired, exact, members, match, ({ tree }, wanted, lists, memberWanted, blocks) => {
        // A keyword is given either as an exact list or as members, never both.
        const onlyMembers = Object.fromEntries(Object.entries(memberWanted).filter(([k]) => !(k in lists)));
        const all = { ...wanted, ...Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.join(' ')])) };
        const options = { members: onlyMembers, match: blocks, version: VERSION };
        const plan = planSshd(tree, all, options);
        const again = planSshd(applyEdits(tree, plan.edits), all, options);
        expect(again.edits).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
