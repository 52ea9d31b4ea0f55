import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalClientKeyword, parseSshConfig, planSshClient, printSshConfig, SSH_CLIENT_DEFAULTS, type ClientPlan } from '../../../src/core/sshclient/index.js';
import { normalizeValue } from '../../../src/core/sshd/index.js';
import { generatedClientConfig } from './generate.js';

const PATH = '/home/deploy/.ssh/config';
const RUNS = 400;

test('round trip over generated files and arbitrary strings', () => {
  fc.assert(
    fc.property(generatedClientConfig, fc.string({ unit: 'binary' }), ({ text }, junk) => {
      for (const x of [text ?? '', junk]) expect(printSshConfig(parseSshConfig(x))).toBe(x);
    }),
    { numRuns: 1000 },
  );
});

/**
 * The edit is: the winning lines changed in their value only, plus one contiguous run of new
 * lines (desired directives, and possibly `Host *` and a blank separator).
 */
function expectMinimal(text: string | null, plan: ClientPlan, desired: Record<string, string>): void {
  if (plan.edit === null) return;
  const before = parseSshConfig(text ?? '').lines;
  const after = parseSshConfig(plan.edit.after).lines;
  const winners = new Set(Object.values(plan.before).flatMap((e) => (e.origin ? [e.origin.line - 1] : [])));
  const added = after.length - before.length;
  const isNewLine = (i: number): boolean => {
    const line = after[i];
    if (line === undefined) return false;
    if (line.keyword === null) return line.text.trim() === '';
    if (line.key === 'host') return line.args.length === 1 && line.args[0]?.value === '*';
    const keyword = canonicalClientKeyword(line.keyword) ?? '';
    return desired[keyword] !== undefined && line.args[0]?.value === desired[keyword];
  };
  const fits = (at: number): boolean => {
    for (let i = at; i < at + added; i++) if (!isNewLine(i)) return false;
    return before.every((b, i) => {
      const a = after[i < at ? i : i + added];
      if (a === undefined) return false;
      // A last line without a newline gains one (CRLF files: `\r\n`) when something follows it.
      const terminated = b.eol === '' && added > 0 && i === before.length - 1;
      const aText = terminated && !b.text.endsWith('\r') && a.text.endsWith('\r') ? a.text.slice(0, -1) : a.text;
      if (a.eol !== b.eol && !terminated) return false;
      if (aText === b.text) return true;
      if (!winners.has(i)) return false;
      const [ba, aa] = [b.args[0], a.args[0]];
      return ba !== undefined && aa !== undefined && aText.slice(0, aa.start) === b.text.slice(0, ba.start) && aText.slice(aa.end) === b.text.slice(ba.end);
    });
  };
  const positions = Array.from({ length: before.length + 1 }, (_, i) => i);
  expect(positions.some(fits), `edit is not minimal:\n${plan.edit.diff}`).toBe(true);
}

describe('client planner laws', () => {
  test('the promise: every desired value holds for an arbitrary host after the edit', () => {
    fc.assert(
      fc.property(generatedClientConfig, ({ text, desired }) => {
        const plan = planSshClient(PATH, text, desired);
        for (const [keyword, value] of Object.entries(desired)) {
          const entry = plan.after[keyword];
          expect(entry?.value ?? SSH_CLIENT_DEFAULTS[keyword.toLowerCase()]).toBe(normalizeValue(keyword, value));
        }
        const replanned = planSshClient(PATH, plan.edit?.after ?? text, desired);
        expect(replanned.before).toEqual(plan.after);
      }),
      { numRuns: RUNS },
    );
  });

  test('idempotence: planning the edited file again changes nothing', () => {
    fc.assert(
      fc.property(generatedClientConfig, ({ text, desired }) => {
        const plan = planSshClient(PATH, text, desired);
        expect(planSshClient(PATH, plan.edit?.after ?? text, desired).edit).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  test('minimality: winners change in their value only, new lines form one contiguous run', () => {
    fc.assert(
      fc.property(generatedClientConfig, ({ text, desired }) => {
        expectMinimal(text, planSshClient(PATH, text, desired), desired);
      }),
      { numRuns: RUNS },
    );
  });
});
