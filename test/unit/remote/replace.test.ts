/**
 * src/remote/replace.sh, the one "replace a file" step set that server files (commit.sh,
 * journal.sh's restore) and client files (client-write.sh, client-restore.sh) share, run by
 * dash, bash and busybox sh on files in a temporary folder. The proofs (sshd -T, ssh -G) are
 * the callers'; real hosts run them in test/integration.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, script } from '../../../src/remote/compose.js';
import { REMOTE } from '../../../src/remote/scripts.generated.js';

const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));
const SHELLS: [string, string[]][] = [
  ['dash', ['dash']],
  ['bash', ['bash', '--posix']],
  ...(busybox ? ([['busybox sh', [busybox, 'sh']]] as [string, string[]][]) : []),
];

const dir = mkdtempSync(join(tmpdir(), 'fleet-replace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe.each(SHELLS)('replace.sh in %s', (name, argv) => {
  const root = join(dir, name.replace(' ', '-'));
  mkdirSync(root);
  /** Runs one step and says whether it succeeded; a caller's `dir` must survive it. */
  const step = (fn: string, ...args: string[]): boolean => {
    const text = script({ dir: 'kept' }, REMOTE.replace, `if ${call(fn, ...args)}; then echo ok; else echo no; fi`, 'echo "$dir"');
    const res = spawnSync(argv[0] as string, [...argv.slice(1), '-c', text], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const [said, kept] = res.stdout.split('\n');
    expect(kept).toBe('kept');
    return said === 'ok';
  };

  it('backs up with mode kept, into a folder made when missing; a failed copy leaves no backup', () => {
    const target = join(root, 'sshd_config');
    writeFileSync(target, 'A 1\n');
    chmodSync(target, 0o640);
    const backup = join(root, 'backups', 'deep', 'sshd_config.fleet-1');
    expect(step('replace_back_up', target, backup)).toBe(true);
    expect(readFileSync(backup, 'utf8')).toBe('A 1\n');
    expect(statSync(backup).mode & 0o777).toBe(0o640);
    const lost = join(root, 'backups', 'lost.fleet-1');
    expect(step('replace_back_up', join(root, 'missing'), lost)).toBe(false);
    expect(existsSync(lost)).toBe(false);
  });

  it('compares the live bytes with the plan: same sum, changed file, a new file still missing (not even a dangling link)', () => {
    const target = join(root, 'compare.conf');
    writeFileSync(target, 'A 1\n');
    expect(step('replace_unchanged', target, sha256('A 1\n'))).toBe(true);
    expect(step('replace_unchanged', target, sha256('A 2\n'))).toBe(false);
    expect(step('replace_unchanged', target, '-')).toBe(false);
    expect(step('replace_unchanged', join(root, 'new.conf'), '-')).toBe(true);
    expect(step('replace_unchanged', join(root, 'new.conf'), sha256(''))).toBe(false);
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling.conf'));
    expect(step('replace_unchanged', join(root, 'dangling.conf'), '-')).toBe(false);
  });

  it('renames the candidate over the target, then restores from the backup or removes a created file', () => {
    const target = join(root, 'live.conf');
    const backup = join(root, 'live.conf.fleet-1');
    const candidate = join(root, '.live.conf.fleet-tmp-r1');
    writeFileSync(target, 'old\n');
    chmodSync(target, 0o600);
    expect(step('replace_back_up', target, backup)).toBe(true);
    writeFileSync(candidate, 'new\n');
    expect(step('replace_rename', candidate, target)).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new\n');
    expect(existsSync(candidate)).toBe(false);
    expect(step('replace_restore', target, backup)).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(existsSync(`${target}.fleet-restore`)).toBe(false);
    const created = join(root, 'created.conf');
    writeFileSync(created, 'x\n');
    expect(step('replace_restore', created, '-')).toBe(true);
    expect(existsSync(created)).toBe(false);
    expect(step('replace_rename', join(root, '.missing.fleet-tmp-r1'), target)).toBe(false);
    expect(step('replace_restore', target, join(root, 'no-backup'))).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('old\n');
  });
});
