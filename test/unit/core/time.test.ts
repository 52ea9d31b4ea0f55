import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convtime, formatDuration, isPlainTime, MAX_TIME_SECONDS, parseOpenSshTime } from '../../../src/core/time.js';

const UNIT_SECONDS = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
type Unit = keyof typeof UNIT_SECONDS;

/** A time as someone writes one: number-unit parts, any case, a bare number only last. */
const writtenTime = fc
  .array(fc.tuple(fc.nat({ max: 5000 }), fc.constantFrom<Unit>('s', 'm', 'h', 'd', 'w'), fc.boolean()), { maxLength: 5 })
  .chain((parts) => fc.tuple(fc.constant(parts), fc.option(fc.nat({ max: 100_000 }), { nil: undefined })))
  .filter(([parts, bare]) => parts.length > 0 || bare !== undefined)
  .map(([parts, bare]) => ({
    text: parts.map(([n, unit, upper]) => `${n}${upper ? unit.toUpperCase() : unit}`).join('') + (bare === undefined ? '' : String(bare)),
    seconds: parts.reduce((sum, [n, unit]) => sum + n * UNIT_SECONDS[unit], 0) + (bare ?? 0),
  }));

describe('OpenSSH times: one reader', () => {
  it('property: a written time reads back as the sum of its parts, or not at all above INT_MAX', () => {
    fc.assert(
      fc.property(writtenTime, ({ text, seconds }) => {
        const expected = seconds <= MAX_TIME_SECONDS ? seconds : undefined;
        expect(isPlainTime(text)).toBe(true);
        expect(parseOpenSshTime(text)).toBe(expected);
        expect(convtime(text)).toBe(expected ?? null);
      }),
      { numRuns: 500 },
    );
  });

  it('property: formatDuration → parseOpenSshTime gives the seconds back (to the minute from an hour on)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 * 604_800 }), (seconds) => {
        expect(parseOpenSshTime(formatDuration(seconds))).toBe(seconds < 3600 ? seconds : seconds - (seconds % 60));
      }),
      { numRuns: 500 },
    );
  });

  it('property: the plain form is a part of what sshd reads, with the same value', () => {
    const anyText = fc.string({ unit: fc.constantFrom(...'0123456789smhdwSMHDW +-\t'.split('')), maxLength: 12 });
    fc.assert(
      fc.property(anyText, (text) => {
        const plain = parseOpenSshTime(text);
        if (plain !== undefined) expect(convtime(text)).toBe(plain);
        if (!isPlainTime(text)) expect(plain).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('sshd reads more than the plain form: leading blanks and a sign, as strtol() does', () => {
    expect(convtime(' 5m')).toBe(300);
    expect(convtime('+5m')).toBe(300);
    expect(convtime('-0')).toBe(0);
    for (const text of [' 5m', '+5m', '-0']) expect(parseOpenSshTime(text)).toBeUndefined();
  });

  it('refuses a long non-time quickly (no backtracking blow-up)', () => {
    const started = Date.now();
    expect(parseOpenSshTime(`${'1m'.repeat(20_000)}x`)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
