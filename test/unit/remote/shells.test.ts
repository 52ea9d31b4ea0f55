/**
 * The engine's host scripts (src/remote/*.sh, as src/engine/scripts.ts puts them together) run
 * by dash, bash and busybox sh on files in a temporary folder: the lock, its lease and its
 * takeover, candidates, a commit proven by a stand-in `sshd`, a restore, the finish. The lock
 * folder is moved from /run into the temporary folder by rewriting the prologue's `lock_dir=`
 * line, the one input a test may change. Real sshd hosts run them in test/integration and
 * test/faults.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quote } from '../../../src/core/shell.js';
import * as S from '../../../src/engine/scripts.js';
import { readApplyRoundTrip, readCommitOutput, readLockPeek, readLockTakeOutput, readRelease, readRestore, readTakeover } from '../../../src/remote/results.js';

const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));
const SHELLS: [string, string[]][] = [
  ['dash', ['dash']],
  ['bash', ['bash', '--posix']],
  ...(busybox ? ([['busybox sh', [busybox, 'sh']]] as [string, string[]][]) : []),
];

const dir = mkdtempSync(join(tmpdir(), 'fleet-remote-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in sshd: `-T` prints `out` (exit 0) or fails with `-t`'s message when `out` is null. */
function fakeSshd(name: string, out: string | null, tMessage = 'line 1: Bad configuration option: Nope'): string {
  const path = join(dir, `sshd-${name}`);
  writeFileSync(`${path}.T`, `${out ?? ''}\n`);
  const T = out === null ? 'exit 255' : `cat '${path}.T'`;
  const t = out === null ? `echo '${tMessage}' >&2; exit 255` : 'exit 0';
  writeFileSync(path, `#!/bin/sh\ncase $1 in -T) ${T} ;; -t) ${t} ;; esac\n`, { mode: 0o755 });
  return path;
}

describe.each(SHELLS)('in %s', (name, argv) => {
  const root = join(dir, name.replace(' ', '-'));
  mkdirSync(root);
  const lockDir = join(root, 'fleet.lock');
  /** Runs `script` with the lock under `root`, as the engine sends it. */
  const run = (script: string): { stdout: string; names: string[]; markers: S.Markers } => {
    const text = script.replaceAll(`lock_dir=${S.LOCK_DIR}`, `lock_dir=${quote(lockDir)}`);
    const res = spawnSync(argv[0] as string, [...argv.slice(1), '-c', text], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const markers = S.parseMarkers(res.stdout);
    return { stdout: res.stdout, markers, names: markers.seen.map((s) => s.name) };
  };

  it('the lock: taken once, reported to another run with its owner and lease, renewed, removed only by its owner', () => {
    expect(run(S.lockPeekScript(60)).names).toEqual([]);
    expect(run(S.lockScript('run1 ctl 42', 60)).names).toEqual(['lock-acquired']);
    expect(readFileSync(join(lockDir, 'owner'), 'utf8')).toBe('run1 ctl 42\n');
    expect(statSync(lockDir).mode & 0o777).toBe(0o700);
    const other = run(S.lockScript('run2 ctl 43', 60));
    expect(other.names).toEqual(['lock-held', 'state', 'lease-left']);
    expect(readLockTakeOutput(other.stdout, '')).toEqual({ kind: 'held', lock: { owner: 'run1 ctl 42', runId: 'run1', state: '', leaseLeft: expect.any(Number) } });
    expect(readLockPeek(run(S.lockPeekScript(60)).stdout)?.leaseLeft).toBeGreaterThan(55);
    expect(run(S.renewScript('run1 ctl 42', 90)).names).toEqual(['renewed']);
    expect(readFileSync(join(lockDir, 'lease'), 'utf8')).toBe('90\n');
    expect(run(S.renewScript('run2 ctl 43', 90)).names).toEqual(['lock-lost']);
    expect(run(S.unlockScript('run2 ctl 43')).names).toEqual(['unlock-done']);
    expect(existsSync(lockDir)).toBe(true);
    expect(run(S.unlockScript('run1 ctl 42')).names).toEqual(['unlocked', 'unlock-done']);
    expect(existsSync(lockDir)).toBe(false);
  });

  it('a takeover: only of the dead run named, only once its lease lapsed (unless told), with its stage folders', () => {
    run(S.lockScript('dead1 ctl 1', 60));
    expect(run(S.takeoverScript('dead1', 'run3 ctl 2', 60, true)).names).toEqual(['lock-busy']);
    expect(run(S.takeoverScript('other', 'run3 ctl 2', 60, false)).names).toEqual(['lock-busy']);
    // The lease lapsed by the host's clock: its file's mtime is two minutes old.
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(lockDir, 'lease'), old, old);
    expect(readTakeover(run(S.takeoverScript('dead1', 'run3 ctl 2', 60, true)).stdout)).toEqual({ kind: 'taken' });
    expect(readFileSync(join(lockDir, 'owner'), 'utf8')).toBe('run3 ctl 2\n');
    expect(existsSync(join(lockDir, 'takeover'))).toBe(false);
    expect(run(S.takeoverScript('dead1', 'run4 ctl 3', 60, false)).names).toEqual(['lock-busy']);
    expect(readRelease(run(S.unlockScript('run3 ctl 2')).stdout)).toEqual({ unlocked: true, finished: true });
  });

  it('lock, candidates, commit and reload in one script: files replaced, backed up, journalled, the promise shown', () => {
    const etc = join(root, 'etc-ok');
    mkdirSync(etc);
    const main = join(etc, "sshd_config 'x'");
    const dropIn = join(etc, 'd', 'new.conf');
    writeFileSync(main, 'Port 22\n', { mode: 0o640 });
    const files = [
      { path: main, before: 'Port 22\n', after: 'Port 22\nClientAliveInterval 300\n', diff: '' },
      { path: dropIn, before: null, after: 'ClientAliveCountMax 3\n', diff: '' },
    ];
    const backup = `${main}.fleet-20260101T000000.000Z`;
    const sshd = fakeSshd(`${name}-ok`, 'port 22\nclientaliveinterval 300\nclientalivecountmax 3');
    const out = run([
      S.lockScript('run5 ctl 1', 60),
      S.writeCandidatesScript(files, 'run5', main, true),
      S.commitScript(sshd, main, [{ file: files[0]!, backup }, { file: files[1]!, backup: null }], 'run5', { reload: `echo "reloading 'it'"; exit 7`, promised: { ClientAliveInterval: '300', ClientAliveCountMax: '3' } }, true),
    ].join('\n'));
    expect(out.names).toEqual(['lock-acquired', 'written', 'sshd-T', 'committed', 'reloaded', 'reload-output']);
    expect(readCommitOutput(out.stdout, '')).toEqual({ kind: 'committed', effective: { port: '22', clientaliveinterval: '300', clientalivecountmax: '3' }, unprovable: '', matchRuns: new Map(), reload: { rc: '7', output: "reloading 'it'" } });
    expect(readFileSync(main, 'utf8')).toBe(files[0]!.after);
    expect(statSync(main).mode & 0o777).toBe(0o640);
    expect(readFileSync(dropIn, 'utf8')).toBe(files[1]!.after);
    expect(readFileSync(backup, 'utf8')).toBe('Port 22\n');
    expect(readFileSync(join(lockDir, 'state'), 'utf8')).toBe('committed\n');
    expect(readFileSync(join(lockDir, 'journal'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(existsSync(S.tempPathFor(main, 'run5'))).toBe(false);

    // The engine's restore after a failed proof: every file back, the new one removed, proven with -t.
    expect(readRestore(run(S.restoreScript(sshd, main, 'run5 ctl 1')).stdout)).toEqual({ kind: 'restored' });
    expect(readFileSync(main, 'utf8')).toBe('Port 22\n');
    expect(existsSync(dropIn)).toBe(false);
    expect(readFileSync(join(lockDir, 'state'), 'utf8')).toBe('restored\n');
    expect(run(S.finishScript('run5 ctl 1', [main])).names).toEqual(['unlocked', 'unlock-done']);
    expect(existsSync(lockDir)).toBe(false);
  });

  it('a promise the live config does not show: committed, but no reload', () => {
    const etc = join(root, 'etc-promise');
    mkdirSync(etc);
    const main = join(etc, 'sshd_config');
    writeFileSync(main, 'A 1\n');
    const file = { path: main, before: 'A 1\n', after: 'A 2\n', diff: '' };
    const sshd = fakeSshd(`${name}-promise`, 'clientaliveinterval 3000');
    const out = run([S.lockScript('run6 ctl 1', 60), S.writeCandidatesScript([file], 'run6', main, true), S.commitScript(sshd, main, [{ file, backup: `${main}.bak` }], 'run6', { reload: 'echo RELOADED', promised: { ClientAliveInterval: '300' } }, true)].join('\n'));
    expect(out.names).toEqual(['lock-acquired', 'written', 'sshd-T', 'committed']);
    expect(out.stdout).not.toContain('RELOADED');
    expect(run(S.restoreScript(sshd, main, 'run6 ctl 1')).names).toEqual(['restored']);
    expect(readFileSync(main, 'utf8')).toBe('A 1\n');
    run(S.unlockScript('run6 ctl 1'));
  });

  it('a live config sshd rejects after the rename: VERIFY_FAILED with its message, every file restored', () => {
    const etc = join(root, 'etc-bad');
    mkdirSync(etc);
    const main = join(etc, 'sshd_config');
    writeFileSync(main, 'A 1\n');
    const file = { path: main, before: 'A 1\n', after: 'Nope 2\n', diff: '' };
    const out = run([S.lockScript('run7 ctl 1', 60), S.writeCandidatesScript([file], 'run7', main, true), S.commitScript(fakeSshd(`${name}-bad`, null), main, [{ file, backup: `${main}.bak` }], 'run7', { reload: 'echo RELOADED', promised: {} }, true)].join('\n'));
    expect(out.names).toEqual(['lock-acquired', 'written', 'sshd-t', 'fail', 'restored']);
    expect(readCommitOutput(out.stdout, '')).toEqual({ kind: 'failed', code: 'VERIFY_FAILED', restored: true, untouched: false, said: 'line 1: Bad configuration option: Nope' });
    expect(readFileSync(main, 'utf8')).toBe('A 1\n');
    expect(existsSync(S.tempPathFor(main, 'run7'))).toBe(false);
    run(S.unlockScript('run7 ctl 1'));
  });

  it('a file changed since the facts were read: CONFLICT, nothing written, backups and lock dropped', () => {
    const etc = join(root, 'etc-conflict');
    mkdirSync(etc);
    const main = join(etc, 'sshd_config');
    writeFileSync(main, 'A 1 edited by hand\n');
    const file = { path: main, before: 'A 1\n', after: 'A 2\n', diff: '' };
    const out = run([S.lockScript('run8 ctl 1', 60), S.writeCandidatesScript([file], 'run8', main, true), S.commitScript(fakeSshd(`${name}-c`, 'a 2'), main, [{ file, backup: `${main}.bak` }], 'run8', { reload: 'echo RELOADED', promised: {} }, true)].join('\n'));
    expect(out.names).toEqual(['lock-acquired', 'written', 'conflict', 'fail', 'untouched', 'restored', 'unlocked']);
    expect(readCommitOutput(out.stdout, '')).toEqual({ kind: 'conflict', files: [main] });
    expect(readFileSync(main, 'utf8')).toBe('A 1 edited by hand\n');
    expect(existsSync(`${main}.bak`)).toBe(false);
    expect(existsSync(lockDir)).toBe(false);
  });

  it('a dead run that changed nothing: its backups and candidates go with its lock; a restore by a run that does not own it does nothing', () => {
    const etc = join(root, 'etc-abandon');
    mkdirSync(etc);
    const main = join(etc, 'sshd_config');
    writeFileSync(main, 'A 1\n');
    const file = { path: main, before: 'A 1\n', after: 'A 2\n', diff: '' };
    run([S.lockScript('run9 ctl 1', 60), S.writeCandidatesScript([file], 'run9', main, true)].join('\n'));
    writeFileSync(join(lockDir, 'state'), 'journal\n');
    expect(existsSync(S.tempPathFor(main, 'run9'))).toBe(true);
    expect(readRestore(run(S.restoreScript('/bin/false', main, 'someone else')).stdout)).toEqual({ kind: 'not-ours' });
    expect(run(S.abandonScript('run9 ctl 1')).names).toEqual(['unlocked', 'abandoned']);
    expect(existsSync(S.tempPathFor(main, 'run9'))).toBe(false);
    expect(readFileSync(main, 'utf8')).toBe('A 1\n');
    expect(existsSync(lockDir)).toBe(false);
  });

  it('stage: the candidate proven in a private folder, what follows runs only when the promise holds', () => {
    const stage = join(root, 'stage-1');
    const sshd = fakeSshd(`${name}-stage`, 'clientaliveinterval 300');
    const staged = new Map([[`${stage}/etc/ssh/sshd_config`, 'ClientAliveInterval 300\n']]);
    const ok = run(S.stageScript(sshd, stage, `${stage}/etc/ssh/sshd_config`, staged, { ClientAliveInterval: '300' }, 'echo THEN-RAN', S.lockScript('run10 ctl 1', 60)));
    expect(ok.names).toEqual(['lock-acquired', 'staged-T', 'rc']);
    expect(ok.stdout).toContain('THEN-RAN');
    // What follows the stage owns the lock from there: it was not given back.
    expect(existsSync(lockDir)).toBe(true);
    expect(existsSync(stage)).toBe(false);
    run(S.unlockScript('run10 ctl 1'));
    const broken = run(S.stageScript(sshd, stage, `${stage}/etc/ssh/sshd_config`, staged, { ClientAliveInterval: '30' }, 'echo THEN-RAN', S.lockScript('run11 ctl 1', 60)));
    expect(broken.names).toEqual(['lock-acquired', 'staged-T', 'rc', 'staged-promise-broken', 'unlocked']);
    expect(readApplyRoundTrip(broken.stdout, '', true)).toEqual({ kind: 'staged', stage: { kind: 'promise-broken', effective: { clientaliveinterval: '300' }, matchRuns: new Map() }, commit: null, unlocked: true });
    expect(broken.stdout).not.toContain('THEN-RAN');
    expect(existsSync(lockDir)).toBe(false);
  });

  it("the daemon's -o options reach every proof, and a Match proof's sshd -T -C decides as the global promise does", () => {
    const etc = join(root, 'etc-match');
    mkdirSync(etc);
    const main = join(etc, 'sshd_config');
    writeFileSync(main, 'A 1\n');
    const log = join(root, 'argv.log');
    const fake = join(root, 'sshd-argv');
    // Each run's argv on one line; -T prints maxsessions 3, and 10 for the Match connection of user bad.
    writeFileSync(fake, `#!/bin/sh\nprintf '%s|' "$@" >> '${log}'; echo >> '${log}'\ncase "$*" in *user=bad*) echo 'maxsessions 10' ;; *) echo 'maxsessions 3' ;; esac\n`, { mode: 0o755 });
    const command = S.sshdCommandOf({ sshdBinary: fake, daemon: { options: { listenaddress: '127.0.1.5', banner: "/x'y $(touch pwned)" } } });
    const good = { criteria: 'User good', spec: 'user=good,host=h,addr=192.0.2.1', promised: { MaxSessions: '3' } };
    const bad = { criteria: 'User bad', spec: 'user=bad,host=h,addr=192.0.2.1', promised: { MaxSessions: '3' } };
    const file = { path: main, before: 'A 1\n', after: 'A 2\n', diff: '' };
    const commit = (proofs: typeof good[]): string =>
      run([S.lockScript('run12 ctl 1', 60), S.writeCandidatesScript([file], 'run12', main, true), S.commitScript(command, main, [{ file, backup: `${main}.bak` }], 'run12', { reload: 'echo RELOADED', promised: { MaxSessions: '3' }, matchProofs: proofs }, true)].join('\n')).stdout;
    const out = commit([good, bad, good]);
    const result = readCommitOutput(out, '');
    expect(result).toMatchObject({ kind: 'committed', reload: null });
    // The third proof is not run: the second already refused the config.
    expect(result.kind === 'committed' && [...result.matchRuns]).toEqual([[0, { kind: 'printed', effective: { maxsessions: '3' } }], [1, { kind: 'printed', effective: { maxsessions: '10' } }]]);
    const runs = readFileSync(log, 'utf8').trim().split('\n');
    expect(runs).toHaveLength(3);
    for (const argv of runs) expect(argv).toMatch(/^-o\|listenaddress=127\.0\.1\.5\|-o\|banner=\/x'y \$\(touch pwned\)\|-T\|/);
    expect(runs[1]).toContain('-T|-C|user=good,host=h,addr=192.0.2.1|-f|');
    expect(existsSync(join(root, 'pwned'))).toBe(false);
    run(S.restoreScript(command, main, 'run12 ctl 1'));
    expect(readFileSync(log, 'utf8').trim().split('\n')[3]).toMatch(/^-o\|listenaddress=127\.0\.1\.5\|-o\|banner=.*\|-t\|-f\|/);
    run(S.unlockScript('run12 ctl 1'));
    expect(readCommitOutput(commit([good]), '')).toMatchObject({ kind: 'committed', reload: { rc: '0', output: 'RELOADED' } });
    run(S.unlockScript('run12 ctl 1'));
  });
});
