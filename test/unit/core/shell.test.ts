import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { command, quote, shScript, stdinScript, unquote, withHereDocument } from '../../../src/core/shell.js';

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

describe('withHereDocument', () => {
  const lineText = fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !s.includes('\0') && !s.includes('\n'));
  const bodies = fc.array(fc.oneof(lineText, fc.constantFrom('FLEET_STDIN_END', 'FLEET_STDIN_END_1', "'FLEET_STDIN_END'", '$(id)', '}')), { maxLength: 8 }).map((ls) => ls.join('\n'));

  it('property: the command reads the body exactly, whatever its lines (even the end word), and nothing in it is expanded', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        const out = execFileSync('sh', ['-c', `${withHereDocument('cat', body)}\necho after`], { encoding: 'utf8' });
        expect(out).toBe(`${body}${body.endsWith('\n') ? '' : '\n'}after\n`);
      }),
      { numRuns: 60 },
    );
  });

  it('a script sent to a shell in a here-document runs whole, and a command in it that reads stdin reads nothing', () => {
    const script = 'printf "cat:[%s]\\n" "$(cat)"\necho "$0 last"';
    const out = execFileSync('sh', ['-c', `${withHereDocument('sh', stdinScript(script))}\necho after`], { encoding: 'utf8' });
    expect(out).toBe('cat:[]\nsh last\nafter\n');
  });
});
