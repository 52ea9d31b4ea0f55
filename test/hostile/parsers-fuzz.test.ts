/**
 * The sshd_config and ssh_config parsers and planners over hostile text: arbitrary strings
 * (any UTF-16, bytes decoded as latin1 and UTF-8) and mutated real configs. Whatever the input:
 *
 * - no crash: a call returns, or throws one of fleet's typed errors, never an InternalError
 *   (a bug by definition), a TypeError or a RangeError;
 * - no hang: every call is timed; the guard is hundreds of times what a call takes (a few
 *   milliseconds), so it only trips on runaway work, and the per-test timeout backs it up;
 * - parsing is lossless, and a plan, once applied, needs no further edit (idempotence).
 *
 * Trees that include themselves more than once are left to sshd-corner-cases.test.ts, where
 * the cost of fleet's include walk is a known bug (see support/trees.ts `includeVisits`).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planClients } from '../../src/core/client-plan.js';
import { FleetError, InternalError } from '../../src/core/errors.js';
import { parseSshConfig, planSshClient, printSshConfig } from '../../src/core/sshclient/index.js';
import { applyEdits, effectiveValues, parseSshdConfig, planSshd, printSshdConfig, type ConfigTree, type DesiredDirectives } from '../../src/core/sshd/index.js';
import { arbitraryClientText, clientDesired, mutatedClientConfig } from './support/client.js';
import { arbitraryTree, desiredValues, mutatedTree } from './support/trees.js';

/** A call that takes this long is runaway work, not a slow machine (calls take ~1-20 ms). */
const HANG_GUARD_MS = 3000;
const CLIENT_PATH = '/home/deploy/.ssh/config';

/** Runs `fn`, allowing only fleet's typed, non-internal errors, within the hang guard. */
function bounded<T>(what: string, fn: () => T): T | undefined {
  const started = performance.now();
  try {
    return fn();
  } catch (error) {
    expect(error, `${what} threw ${String(error)}`).toBeInstanceOf(FleetError);
    expect(error, `${what} threw an InternalError (a bug): ${(error as Error).message}`).not.toBeInstanceOf(InternalError);
    return undefined;
  } finally {
    expect(performance.now() - started, `${what} ran away`).toBeLessThan(HANG_GUARD_MS);
  }
}

function sshdLaws(tree: ConfigTree, desired: DesiredDirectives): void {
  for (const text of tree.files.values()) expect(printSshdConfig(parseSshdConfig(text))).toBe(text);
  bounded('effectiveValues', () => effectiveValues(tree, Object.keys(desired)));
  const plan = bounded('planSshd', () => planSshd(tree, desired));
  if (plan === undefined) return;
  const again = bounded('planSshd of its own output', () => planSshd(applyEdits(tree, plan.edits), desired));
  expect(again?.edits, 'a second plan still edits').toEqual([]);
}

function clientLaws(text: string | null, desired: DesiredDirectives): void {
  if (text !== null) expect(printSshConfig(parseSshConfig(text))).toBe(text);
  const plan = bounded('planSshClient', () => planSshClient(CLIENT_PATH, text, desired));
  if (plan?.edit == null) return;
  const after = plan.edit.after;
  const again = bounded('planSshClient of its own output', () => planSshClient(CLIENT_PATH, after, desired));
  expect(again?.edit ?? null, 'a second plan still edits').toBeNull();
}

describe('sshd_config parser and planner', () => {
  test('arbitrary text, alone or with an included drop-in', { timeout: 60_000 }, () => {
    fc.assert(fc.property(arbitraryTree, desiredValues, (tree, desired) => sshdLaws(tree, desired)), { numRuns: 1500 });
  });

  test('mutated distro configs', { timeout: 60_000 }, () => {
    fc.assert(fc.property(mutatedTree, ({ tree, desired }) => sshdLaws(tree, desired)), { numRuns: 1000 });
  });

  test('very long lines and very many lines stay cheap', { timeout: 30_000 }, () => {
    const desired = { ClientAliveInterval: '300', ClientAliveCountMax: '3', TCPKeepAlive: 'yes' };
    const long = `ClientAliveInterval ${'9'.repeat(200_000)}\n# ${'#'.repeat(500_000)}\nPort 22 ${'"a" '.repeat(50_000)}\n`;
    const many = 'Match User x\nClientAliveInterval 5\n'.repeat(20_000) + 'Match all\nTCPKeepAlive no\n';
    for (const text of [long, many]) sshdLaws({ main: '/etc/ssh/sshd_config', files: new Map([['/etc/ssh/sshd_config', text]]), globs: new Map() }, desired);
  });
});

describe('ssh_config parser and planner', () => {
  test('arbitrary text, or no file', { timeout: 60_000 }, () => {
    fc.assert(fc.property(arbitraryClientText, clientDesired, (text, desired) => clientLaws(text, desired)), { numRuns: 1500 });
  });

  test('mutated real ssh_config files', { timeout: 60_000 }, () => {
    fc.assert(fc.property(mutatedClientConfig, ({ text, desired }) => clientLaws(text, desired)), { numRuns: 1000 });
  });

  test('planClients over arbitrary system and user files', { timeout: 60_000 }, () => {
    const facts = fc.record({
      main: arbitraryClientText,
      dropIn: arbitraryClientText,
      dropInDirExists: fc.boolean(),
      user: arbitraryClientText,
      system: fc.boolean(),
      directives: clientDesired,
    });
    fc.assert(
      fc.property(facts, (f) => {
        const file = (text: string | null) => (text === null ? null : { uid: 1000, gid: 1000, mode: 0o644, text });
        const plan = bounded('planClients', () =>
          planClients(
            {
              users: [{ user: 'deploy', exists: true, uid: 1000, gid: 1000, home: '/home/deploy', sshDir: 'dir', config: file(f.user), unsafe: null }],
              system: { main: file(f.main), dropIn: file(f.dropIn), dropInDirExists: f.dropInDirExists },
            },
            { users: ['deploy'], system: f.system, directives: f.directives },
          ),
        );
        // A user's file is never planned looser than 0600, whatever mode it had.
        for (const planned of plan?.files ?? []) if (planned.owner.kind === 'user') expect(planned.mode & 0o077).toBe(0);
      }),
      { numRuns: 800 },
    );
  });
});
