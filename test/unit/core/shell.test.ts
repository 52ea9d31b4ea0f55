import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { command, quote, shScript, unquote } from '../../../src/core/shell.js';

const noNul = fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => !s.includes('\0'));

describe('quote and unquote', () => {
  it('property: a real sh reads a quoted word back as the exact string', () => {
    fc.assert(
      fc.property(noNul, (s) => {
        expect(execFileSync('sh', ['-c', `printf '%s' ${quote(s)}`], { encoding: 'utf8' })).toBe(s);
      }),
      { numRuns: 60 },
    );
  });

  it('property: unquote(quote(s)) is s', () => {
    fc.assert(
      fc.property(noNul, (s) => {
        expect(unquote(quote(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('unquote refuses what quote never writes', () => {
    for (const word of ["'a''b'", "'open", 'a b', '$(id)', "'x'y", "a'b'", '']) expect(unquote(word), word).toBeNull();
  });

  it('shScript finds the script of exactly `sh -c <word>`, nothing else', () => {
    const script = "echo 'it'\\''s'; exit 3";
    expect(shScript(command('sh', '-c', script))).toBe(script);
    expect(shScript(`sh -c ${quote(script)} extra`)).toBeNull();
    expect(shScript(`sudo -n sh -c ${quote(script)}`)).toBeNull();
    expect(shScript('sh -c x; rm -rf /')).toBeNull();
  });
});
