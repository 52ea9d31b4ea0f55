/**
 * The planner over any keyword of the table, on generated trees: for random policies of typed
 * values (every enumeration word, flags, numbers, times, lists, MaxStartups-like values, exact
 * lists and members of accumulating keywords, Match blocks) the planner's own re-read holds (it
 * throws an InternalError when its result misses), and planning the result again changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { applyEdits, planSshd } from '../../../src/core/sshd/index.js';
import { desired, exact, match, members, VERSION } from './keyword-policies.js';
import { generatedTree } from './generate.js';

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
