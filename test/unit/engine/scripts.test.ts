import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchSizes } from '../../../src/engine/runner.js';
import { commitScript, finishScript, parseMarkers, sshdCommandOf, stageScript, tempPathFor, writeCandidatesScript, inSh } from '../../../src/engine/scripts.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-scripts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sh = (script: string): string => execFileSync('sh', ['-c', inSh(script)], { encoding: 'utf8' });

describe('parseMarkers', () => {
  it('splits output into marker sections with inline arguments', () => {
    const m = parseMarkers('noise\n@@fleet:sshd-t\nline 1\nline 2\n@@fleet:rc 255\n');
    expect(m.sections.get('sshd-t')).toBe('line 1\nline 2');
    expect(m.seen.map((s) => [s.name, s.arg])).toEqual([['sshd-t', ''], ['rc', '255']]);
  });
});

describe('remote scripts, run by a real sh', () => {
  it('writes candidates byte for byte, next to the target, as a dot file, with the live target\'s owner and mode', () => {
    const target = join(dir, 'it\'s $(touch pwned) `x`; "q".conf');
    writeFileSync(target, 'old\n', { mode: 0o640 });
    const after = `Port 22\r\nClientAliveInterval 298\n# tail with no newline \\n $HOME FLEET_B64_END\n${'x'.repeat(6000)}`;
    const out = sh(writeCandidatesScript([{ path: target, before: 'old\n', after, diff: '' }], 'run1', '/nonexistent/main'));
    expect(parseMarkers(out).seen.map((s) => s.name)).toEqual(['written']);
    const temp = tempPathFor(target, 'run1');
    expect(temp.startsWith(join(dir, '.'))).toBe(true);
    expect(readFileSync(temp, 'utf8')).toBe(after);
    expect(statSync(temp).mode & 0o777).toBe(0o640);
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(() => statSync(join(dir, 'pwned'))).toThrow();
  });

  it('a new file\'s candidate takes the main config\'s mode, in a folder created for it', () => {
    const target = join(dir, 'new-dir', 'sub', 'fresh.conf');
    const main = join(dir, 'main-config');
    writeFileSync(main, 'Port 22\n', { mode: 0o604 });
    const out = sh(writeCandidatesScript([{ path: target, before: null, after: 'A 1\n', diff: '' }], 'run2', main));
    expect(parseMarkers(out).seen.map((s) => s.name)).toEqual(['written']);
    const temp = tempPathFor(target, 'run2');
    expect(readFileSync(temp, 'utf8')).toBe('A 1\n');
    expect(statSync(temp).mode & 0o777).toBe(0o604);
  });

  it('a candidate whose target vanished since the facts were read is not written', () => {
    const target = join(dir, 'vanished.conf');
    const out = sh(writeCandidatesScript([{ path: target, before: 'x', after: 'y', diff: '' }], 'run3', '/nonexistent/main'));
    expect(parseMarkers(out).seen.map((s) => s.name)).toEqual(['fail']);
    expect(() => statSync(tempPathFor(target, 'run3'))).toThrow();
  });

  it('stages a tree and reports the validator exit status; the stage folder is removed', () => {
    const stage = join(dir, 'stage-a');
    const fake = join(dir, 'fake-sshd');
    writeFileSync(fake, '#!/bin/sh\necho "checked $3"; exit 3\n', { mode: 0o755 });
    const out = sh(stageScript(fake, stage, `${stage}/etc/ssh/sshd_config`, new Map([[`${stage}/etc/ssh/sshd_config`, 'X 1\n']]), {}, 'echo SHOULD-NOT-RUN'));
    const m = parseMarkers(out);
    expect(m.sections.get('staged-t')).toBe(`checked ${stage}/etc/ssh/sshd_config`);
    expect(out).not.toContain('SHOULD-NOT-RUN');
    expect(m.seen.find((s) => s.name === 'rc')?.arg).toBe('3');
    expect(() => statSync(stage)).toThrow();
  });
});

describe('stageScript: the host checks the promise before it runs what follows', () => {
  const fakeT = (output: string): string => {
    const fake = join(dir, `fake-T-${Math.random().toString(36).slice(2)}`);
    writeFileSync(`${fake}.out`, `${output}\n`);
    writeFileSync(fake, `#!/bin/sh\ncat '${fake}.out'\n`, { mode: 0o755 });
    return fake;
  };
  const staged = (root: string) => new Map([[`${root}/a/b/sshd_config`, 'X 1\n']]);

  it('every promised line present: then runs; the folders were created and are removed', () => {
    const stage = join(dir, 'stage-ok');
    const sshd = fakeT('port 22\nclientaliveinterval 300\nclientalivecountmax 3');
    const out = sh(stageScript(sshd, stage, `${stage}/a/b/sshd_config`, staged(stage), { ClientAliveInterval: '300', ClientAliveCountMax: '3' }, 'echo THEN-RAN'));
    expect(out).toContain('THEN-RAN');
    expect(parseMarkers(out).seen.map((s) => s.name)).toEqual(['staged-T', 'rc']);
    expect(() => statSync(stage)).toThrow();
  });

  it('a promised value missing or only a prefix of a line: staged-promise-broken, then does not run', () => {
    for (const output of ['port 22\nclientaliveinterval 3000', 'clientaliveinterval 0', 'x clientaliveinterval 300']) {
      const stage = join(dir, `stage-broken-${Math.random().toString(36).slice(2)}`);
      const out = sh(stageScript(fakeT(output), stage, `${stage}/a/b/sshd_config`, staged(stage), { ClientAliveInterval: '300' }, 'echo THEN-RAN'));
      expect(out, output).not.toContain('THEN-RAN');
      expect(parseMarkers(out).seen.map((s) => s.name)).toContain('staged-promise-broken');
    }
  });

  it('a stage folder that already exists (planted in /tmp) is not used', () => {
    const stage = join(dir, 'stage-planted');
    mkdirSync(stage);
    const out = sh(stageScript(fakeT('clientaliveinterval 300'), stage, `${stage}/a/b/sshd_config`, staged(stage), {}, 'echo THEN-RAN'));
    expect(parseMarkers(out).seen.map((s) => s.name)).toEqual(['stage-failed']);
    expect(out).not.toContain('THEN-RAN');
  });
});

describe('finishScript, run by a real sh', () => {
  it('keeps the newest 5 backups of each target and removes the older ones, nothing else', () => {
    const d = join(dir, 'prune');
    mkdirSync(d);
    const target = join(d, 'sshd config');
    const stamps = ['20261120T010000.000Z', '20261121T010000.000Z', '20261122T010000.000Z', '20261123T010000.000Z', '20261124T010000.000Z', '20261125T010000.000Z', '20261125T020000.000Z'];
    for (const s of stamps) writeFileSync(`${target}.fleet-${s}`, s);
    writeFileSync(target, 'live');
    writeFileSync(join(d, 'other.fleet-20261101T000000.000Z'), 'not ours');
    const out = sh(finishScript('nobody-owns-this', [target]));
    expect(parseMarkers(out).seen.map((s) => s.name)).toEqual(['unlock-done']);
    expect(readdirSync(d).sort()).toEqual(['other.fleet-20261101T000000.000Z', 'sshd config', ...stamps.slice(2).map((s) => `sshd config.fleet-${s}`)].sort());
  });

  it('with fewer than 5 backups, or none, removes nothing', () => {
    const d = join(dir, 'prune-few');
    mkdirSync(d);
    const target = join(d, 'sshd_config');
    writeFileSync(`${target}.fleet-20261125T010000.000Z`, 'b');
    sh(finishScript('nobody-owns-this', [target, join(d, 'no-backups')]));
    expect(readdirSync(d)).toEqual(['sshd_config.fleet-20261125T010000.000Z']);
  });
});

describe('batchSizes', () => {
  it('splits by count and by percentage, never empty', () => {
    expect(batchSizes(10, { kind: 'count', n: 3 })).toEqual([3, 3, 3, 1]);
    expect(batchSizes(10, { kind: 'percent', pct: 25 })).toEqual([3, 3, 3, 1]);
    expect(batchSizes(10, { kind: 'percent', pct: 100 })).toEqual([10]);
    expect(batchSizes(3, { kind: 'count', n: 50 })).toEqual([3]);
    expect(batchSizes(1, { kind: 'percent', pct: 1 })).toEqual([1]);
  });
});

describe('stageScript: the lock-out guard holds what follows when the login settings change', () => {
  const LIVE = 'port 22\npermitrootlogin without-password\npubkeyauthentication yes';
  /** A fake sshd: `-T -f` prints the staged config's values, `-T -C spec -f <file>` logs the spec and prints `live` for the live main, `candidate` else. */
  const fakeSshd = (candidate: string): { sshd: string; log: string } => {
    const fake = join(dir, `fake-C-${Math.random().toString(36).slice(2)}`);
    writeFileSync(`${fake}.live`, `${LIVE}\nclientaliveinterval 300\n`);
    writeFileSync(`${fake}.cand`, `${candidate}\nclientaliveinterval 300\n`);
    writeFileSync(fake, `#!/bin/sh\nif [ "$2" = -C ]; then echo "$3" >> '${fake}.log'; if [ "$5" = /live/sshd_config ]; then cat '${fake}.live'; else cat '${fake}.cand'; fi; else cat '${fake}.cand'; fi\n`, { mode: 0o755 });
    return { sshd: fake, log: `${fake}.log` };
  };
  const staged = (root: string) => new Map([[`${root}/sshd_config`, 'X 1\n']]);
  const run = (sshd: string, approved: string, env: NodeJS.ProcessEnv): string => {
    const stage = join(dir, `stage-guard-${Math.random().toString(36).slice(2)}`);
    const script = stageScript(sshd, stage, `${stage}/sshd_config`, staged(stage), {}, 'echo THEN-RAN', '', { user: 'root', liveMain: '/live/sshd_config', approved });
    return execFileSync('sh', ['-c', inSh(script)], { encoding: 'utf8', env });
  };
  const withConnection = { PATH: process.env.PATH, SSH_CONNECTION: '127.0.0.1 50000 127.0.1.3 22' };

  it('the same login lines as the live config: what follows runs; sshd was asked about the login in use', () => {
    const { sshd, log } = fakeSshd(LIVE);
    const out = run(sshd, '', withConnection);
    expect(out).toContain('THEN-RAN');
    const m = parseMarkers(out);
    expect(m.seen.find((s) => s.name === 'login')?.arg).toBe('127.0.0.1 50000 127.0.1.3 22');
    expect(m.sections.get('groups')).toMatch(/\broot\b/);
    expect(m.sections.get('guard-candidate')).toBe(LIVE);
    expect(m.sections.get('guard-live')).toBe(`${LIVE}\nTHEN-RAN`); // what follows prints after the last marker
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(Array(2).fill('user=root,host=127.0.0.1,addr=127.0.0.1,laddr=127.0.1.3,lport=22'));
  });

  it('changed login lines: guard-held and nothing follows, unless fleet approved exactly those lines', () => {
    const changed = 'port 22\npermitrootlogin no\npubkeyauthentication yes';
    const { sshd } = fakeSshd(changed);
    const held = run(sshd, '', withConnection);
    expect(held).not.toContain('THEN-RAN');
    expect(parseMarkers(held).seen.map((s) => s.name)).toContain('guard-held');
    expect(parseMarkers(held).sections.get('guard-candidate')).toBe(changed);
    expect(run(sshd, 'port 22\npermitrootlogin yes', withConnection)).not.toContain('THEN-RAN');
    expect(run(sshd, changed, withConnection)).toContain('THEN-RAN');
  });

  it('changed login lines: which live AuthorizedKeysFile paths hold a file for the user, expanded as sshd does', () => {
    const me = userInfo();
    mkdirSync(join(dir, 'keys', me.username), { recursive: true });
    writeFileSync(join(dir, 'keys', me.username, String(me.uid)), 'ssh-ed25519 AAAA\n');
    const fake = join(dir, `fake-K-${Math.random().toString(36).slice(2)}`);
    const liveKeys = `authorizedkeysfile ${dir}/keys/%u/%U ${dir}/keys/%u/none %h/.fleet-no-such-file`;
    writeFileSync(fake, `#!/bin/sh\nif [ "$5" = /live/sshd_config ]; then echo '${liveKeys}'; else echo 'authorizedkeysfile none'; fi\n`, { mode: 0o755 });
    const stage = join(dir, `stage-keys-${Math.random().toString(36).slice(2)}`);
    const script = stageScript(fake, stage, `${stage}/sshd_config`, staged(stage), {}, 'echo THEN-RAN', '', { user: me.username, liveMain: '/live/sshd_config', approved: '' });
    const out = execFileSync('sh', ['-c', inSh(script)], { encoding: 'utf8', env: withConnection });
    const m = parseMarkers(out);
    expect(m.seen.map((x) => x.name)).toContain('guard-held');
    expect(m.seen.filter((x) => x.name === 'keyfile').map((x) => x.arg)).toEqual([`${dir}/keys/%u/%U`]);
  });

  it.skipIf(process.env.SSH_CONNECTION !== undefined)('no $SSH_CONNECTION anywhere up the process tree: guard-unknown, the guard does not hold', () => {
    const { sshd } = fakeSshd('port 22\npermitrootlogin no');
    const out = run(sshd, '', { PATH: process.env.PATH });
    expect(parseMarkers(out).seen.map((s) => s.name)).toContain('guard-unknown');
    expect(out).toContain('THEN-RAN');
  });
});

describe("proofs run sshd with the running daemon's -o options", () => {
  it('every sshd the stage and the commit start (-T, -T -C for Match) gets them, quoted, host text and all', () => {
    const stage = join(dir, 'stage-o');
    const log = join(dir, 'sshd-argv.log');
    const fake = join(dir, 'fake-sshd-o');
    // Records each run's argv, one line per run, then prints a config that keeps every promise.
    writeFileSync(fake, `#!/bin/sh\nprintf '%s|' "$@" >> '${log}'; echo >> '${log}'\necho 'maxsessions 3'\n`, { mode: 0o755 });
    const facts = { sshdBinary: fake, daemon: { options: { listenaddress: '127.0.1.5', banner: "/x'y $(touch pwned)" } } };
    const command = sshdCommandOf(facts);
    const proofs = [{ criteria: 'User backup', spec: 'user=backup,host=h,addr=192.0.2.1', promised: { MaxSessions: '3' } }];
    sh(stageScript(command, stage, `${stage}/sshd_config`, new Map([[`${stage}/sshd_config`, 'MaxSessions 3\n']]), { MaxSessions: '3' }, '', '', undefined, proofs));
    const runs = readFileSync(log, 'utf8').trim().split('\n');
    // the staged -T and -T -C
    expect(runs).toHaveLength(2);
    for (const argv of runs) expect(argv).toContain("-o|listenaddress=127.0.1.5|-o|banner=/x'y $(touch pwned)|");
    expect(runs[1]).toContain('-C|user=backup,host=h,addr=192.0.2.1|');
    expect(() => statSync(join(dir, 'pwned'))).toThrow();
    // The commit needs the host's lock folder to run (test/unit/remote/shells.test.ts runs it
    // against a fake with the lock moved): it starts every sshd (-T, -T -C, and -t for the
    // reason) through sshd.sh's sshd_run, as the stage does, from one quoted binary and option list.
    const file = { path: join(dir, 'live-o'), before: 'MaxSessions 2\n', after: 'MaxSessions 3\n', diff: '' };
    const commit = commitScript(command, file.path, [{ file, backup: null }], 'runo', { reload: 'true', promised: { MaxSessions: '3' }, matchProofs: proofs });
    expect(commit.split(fake).length - 1).toBe(1);
    expect(commit).toContain(`\nsshd_options='listenaddress=127.0.1.5\nbanner=/x'\\''y $(touch pwned)'\n`);
    expect(commit.match(/sshd_run -[TtC]/g)).toHaveLength(3);
  });
});
