/**
 * Hostile inputs the fuzzers found (or that fall through their cracks), each pinned down with
 * the real OpenSSH's verdict first, so the premise is proven on this machine, then fleet's.
 * Fleet must either refuse with a typed error or keep its promise; it must never crash, blow
 * up, or write back different bytes than it read.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planClients } from '../../src/core/client-plan.js';
import { FleetError, InternalError } from '../../src/core/errors.js';
import { applyEdits, planSshd, readOrder, type ConfigTree } from '../../src/core/sshd/index.js';
import { backupPathFor } from '../../src/engine/backups.js';
import { parseClientFacts } from '../../src/facts/clients.js';
import { judge, Stage } from './support/sshd.js';
import { hostTree, MAIN } from './support/trees.js';

const stage = new Stage();
beforeAll(() => stage.open());
afterAll(() => stage.dispose());

const KEEPALIVE = { ClientAliveInterval: '300', ClientAliveCountMax: '3' };

/** Runs `fn`; a typed, non-internal FleetError counts as a refusal (undefined). */
function refusedOr<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(FleetError);
    expect(error, String(error)).not.toBeInstanceOf(InternalError);
    return undefined;
  }
}

describe('sshd_config', () => {
  test('a NUL byte in a comment: the planner refuses the file or sshd really reads the values it promised', async () => {
    // sshd copies each line with strlen(): from a NUL on, the rest of the line AND its newline
    // are dropped, so the next line is glued onto the comment and ignored.
    const tree = hostTree(new Map([[MAIN, '# copied from a dump\0 with a stray byte\nPort 22\nUsePAM yes\n']]));
    const before = await stage.sshd(tree);
    expect(before.accepted, before.stderr).toBe(true);
    const plan = refusedOr(() => planSshd(tree, KEEPALIVE));
    if (plan === undefined) return;
    const after = await stage.sshd(applyEdits(tree, plan.edits));
    expect(after.accepted, after.stderr).toBe(true);
    // Fails today: the line the planner inserts before `Port 22` is swallowed by the comment.
    expect(after.values.get('clientaliveinterval'), JSON.stringify(plan.edits[0]?.after)).toBe('300');
  });

  test('a file that includes itself twice: sshd stops at once; fleet does no more work than sshd', { timeout: 30_000 }, async () => {
    const text = 'Include /etc/ssh/sshd_config\nInclude /etc/ssh/sshd_config\nPort 22\n';
    const tree: ConfigTree = { main: MAIN, files: new Map([[MAIN, text]]), globs: new Map([[MAIN, [MAIN]]]) };
    const verdict = await stage.sshd(tree);
    expect(verdict.accepted).toBe(false);
    expect(verdict.stderr).toMatch(/Too many recursive configuration includes/);
    // sshd gives up at the first read deeper than 16 levels. fleet's readOrder notes that and
    // keeps walking: 2 includes per level cost 2^17 reads (3 per level exhaust a 4 GB heap).
    const started = performance.now();
    const order = readOrder(tree);
    expect(order.problems.length, `${order.problems.length} problems, ${order.occurrences.length} occurrences in ${Math.round(performance.now() - started)} ms`).toBeLessThanOrEqual(16);
    expect(order.occurrences.length).toBeLessThanOrEqual(17);
  });

  test('an Include glob with a reversed range: sshd accepts it, and fleet picks a backup path without throwing', async () => {
    // The pattern sits in /etc/ssh itself, so it is compared with the backup name beside the file.
    const tree = hostTree(new Map([[MAIN, 'Include /etc/ssh/[z-a]*.conf\nPort 22\n']]));
    const verdict = await stage.sshd(tree);
    expect(verdict.accepted, verdict.stderr).toBe(true);
    expect(refusedOr(() => planSshd(tree, KEEPALIVE))?.edits).toHaveLength(1);
    // Fails today: core/glob.ts builds the RegExp /[z-a]/ and the SyntaxError escapes.
    expect(() => backupPathFor(MAIN, '20260101T000000Z', tree)).not.toThrow();
  });
});

describe('ssh_config', () => {
  test('an Include glob with a reversed range in the system ssh_config: ssh accepts it, fleet plans or refuses', async () => {
    const main = 'Include /etc/ssh/ssh_config.d/[z-a].conf\nHost *\n    SendEnv LANG LC_*\n';
    const verdict = await judge('ssh', ['-G', '-F', await stage.file('ssh_config', main), 'fleet-probe']);
    expect(verdict.accepted, verdict.stderr).toBe(true);
    const state = (text: string) => ({ uid: 0, gid: 0, mode: 0o644, text });
    // Failed before: client-plan.ts includesDropIn → core/glob.ts → SyntaxError.
    refusedOr(() => planClients({ users: [], system: { main: state(main), dropIn: null, dropInDirExists: true } }, { users: [], system: true, directives: { ServerAliveInterval: '60' } }));
  });

  test("a ~/.ssh/config that is not UTF-8 is refused or kept byte for byte, never re-encoded", () => {
    // A latin1 comment ("Müller" with ü = 0xFC), as on old hosts.
    const bytes = Buffer.concat([Buffer.from('# M'), Buffer.from([0xfc]), Buffer.from('ller\nHost *\n  ServerAliveInterval 0\n')]);
    // What deploy's own shell answers about the file (see facts/clients.ts), framed by root's part.
    const answer = ['@@fleet:dir 1000 1000 700', '@@fleet:config 2049:7 8180 1000 1000 1 ' + bytes.length, '@@fleet:named 2049:7 8180', '@@fleet:bytes', bytes.toString('base64'), '@@fleet:done'].join('\n');
    const stdout = ['@@fleet:u0-ent', 'deploy:x:1000:1000::/home/deploy:/bin/sh', '@@fleet:u0-home', Buffer.from(answer).toString('base64'), '@@fleet:end', ''].join('\n');
    const facts = parseClientFacts(stdout, ['deploy'], false);
    const plan = planClients(facts, { users: ['deploy'], system: false, directives: { ServerAliveInterval: '60' } });
    if (plan.refusals.length > 0) return;
    expect(plan.files).toHaveLength(1);
    // The comment line is untouched by the plan, so its bytes must be what the host had.
    // Fails today: facts/clients.ts decodes with toString('utf8'), 0xFC becomes U+FFFD (EF BF BD).
    const written = Buffer.from(plan.files[0]!.after, 'utf8');
    expect(written.subarray(0, 8)).toEqual(bytes.subarray(0, 8));
  });
});
