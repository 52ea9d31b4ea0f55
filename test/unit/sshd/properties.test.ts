import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  applyEdits,
  canonicalKeyword,
  effectiveValues,
  normalizeValue,
  parseSshdConfig,
  planSshd,
  printSshdConfig,
  SSHD_DEFAULTS,
  type ConfigTree,
  type SshdPlan,
} from '../../../src/core/sshd/index.js';
import { generatedTree } from './generate.js';

const RUNS = 400;

describe('round trip: printSshdConfig(parseSshdConfig(x)) === x', () => {
  test('any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (x) => printSshdConfig(parseSshdConfig(x)) === x), { numRuns: 2000 });
  });

  test('strings made of config-significant characters', () => {
    const chars = fc.constantFrom(' ', '\t', '\r', '\n', '\f', '=', '"', "'", '#', '\\', 'a', 'K', '0', '*', '/');
    fc.assert(fc.property(fc.string({ unit: chars, maxLength: 80 }), (x) => printSshdConfig(parseSshdConfig(x)) === x), { numRuns: 3000 });
  });

  test('every file of generated trees', () => {
    fc.assert(
      fc.property(generatedTree, ({ tree }) => {
        for (const text of tree.files.values()) expect(printSshdConfig(parseSshdConfig(text))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

/** Every changed line is a winning occurrence whose value was wrong, changed only in its value. */
function expectMinimal(tree: ConfigTree, plan: SshdPlan, desired: Record<string, string>): void {
  for (const edit of plan.edits) {
    const before = parseSshdConfig(edit.before ?? '').lines;
    const after = parseSshdConfig(edit.after).lines;
    const inserted = after.length - before.length;
    expect(inserted).toBeGreaterThanOrEqual(0);
    let insertAt = before.length;
    if (inserted > 0) {
      expect(edit.path).toBe(tree.main);
      const firstDirective = before.findIndex((line) => line.key !== null);
      insertAt = firstDirective === -1 ? before.length : firstDirective;
      const added = after.slice(insertAt, insertAt + inserted);
      for (const line of added) {
        const keyword = canonicalKeyword(line.keyword ?? '') ?? '';
        expect(Object.keys(desired)).toContain(keyword);
        expect(line.args.map((a) => a.value)).toEqual([desired[keyword]]);
      }
      // One contiguous block, in the order of `desired`.
      const order = Object.keys(desired);
      const addedOrder = added.map((line) => order.indexOf(canonicalKeyword(line.keyword ?? '') ?? ''));
      expect(addedOrder).toEqual([...addedOrder].sort((a, b) => a - b));
    }
    const winners = new Map<number, string>();
    for (const [keyword, entry] of Object.entries(plan.before)) {
      if (entry.origin?.path === edit.path) winners.set(entry.origin.line - 1, keyword);
    }
    before.forEach((b, i) => {
      const a = after[i < insertAt ? i : i + inserted];
      if (a === undefined) throw new Error(`line ${i + 1} of ${edit.path} disappeared`);
      if (a.text === b.text && a.eol === b.eol) return;
      const keyword = winners.get(i);
      expect(keyword, `${edit.path}:${i + 1} changed but is no winning occurrence`).toBeDefined();
      const want = normalizeValue(keyword as string, desired[keyword as string] as string);
      expect(normalizeValue(keyword as string, b.args[0]?.value ?? '')).not.toBe(want);
      const [ba, aa] = [b.args[0], a.args[0]];
      if (ba === undefined || aa === undefined) throw new Error('a changed line lost its value');
      expect(a.text.slice(0, aa.start)).toBe(b.text.slice(0, ba.start));
      expect(a.text.slice(aa.end)).toBe(b.text.slice(ba.end));
      expect(a.eol).toBe(b.eol);
      expect(normalizeValue(keyword as string, aa.value)).toBe(want);
    });
  }
}

describe('planner laws over generated trees', () => {
  test('the promise holds: after equals effectiveValues of the edited tree, and every desired value is effective', () => {
    fc.assert(
      fc.property(generatedTree, ({ tree, desired }) => {
        const plan = planSshd(tree, desired);
        const edited = applyEdits(tree, plan.edits);
        expect(plan.after).toEqual(effectiveValues(edited, Object.keys(desired)));
        for (const [keyword, value] of Object.entries(desired)) {
          const entry = plan.after[keyword];
          expect(entry?.value ?? SSHD_DEFAULTS[keyword.toLowerCase()]).toBe(normalizeValue(keyword, value));
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('idempotence: planning the edited tree again changes nothing', () => {
    fc.assert(
      fc.property(generatedTree, ({ tree, desired }) => {
        const plan = planSshd(tree, desired);
        const again = planSshd(applyEdits(tree, plan.edits), desired);
        expect(again.edits).toEqual([]);
        expect(again.before).toEqual(plan.after);
      }),
      { numRuns: RUNS },
    );
  });

  test('minimality: only winning occurrences change (value bytes only) and additions are one block atop the main file', () => {
    fc.assert(
      fc.property(generatedTree, ({ tree, desired }) => {
        const plan = planSshd(tree, desired);
        expectMinimal(tree, plan, desired);
        const untouched = [...tree.files.keys()].filter((path) => !plan.edits.some((e) => e.path === path));
        const edited = applyEdits(tree, plan.edits);
        for (const path of untouched) expect(edited.files.get(path)).toBe(tree.files.get(path));
      }),
      { numRuns: RUNS },
    );
  });

  test('no edit when every desired value is already effective', () => {
    fc.assert(
      fc.property(generatedTree, ({ tree, desired }) => {
        const current = effectiveValues(tree, Object.keys(desired));
        const satisfied = Object.entries(desired).every(
          ([k, v]) => (current[k]?.value ?? SSHD_DEFAULTS[k.toLowerCase()]) === normalizeValue(k, v),
        );
        fc.pre(satisfied);
        expect(planSshd(tree, desired).edits).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
