/**
 * src/remote/client-write.sh's compare before the rename, run by dash, bash and busybox sh on a
 * temporary folder with the real `ssh -G`: a client file that changed since fleet read it (its
 * user, a dotfiles manager) is never overwritten, and the run leaves no backup or candidate.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { script } from '../../../src/remote/compose.js';
import { REMOTE } from '../../../src/remote/scripts.generated.js';
import { parseMarkers } from '../../../src/remote/markers.js';

const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));
const SHELLS: [string, string[]][] = [
  ['dash', ['dash']],
  ['bash', ['bash', '--posix']],
  ...(busybox ? ([['busybox sh', [busybox, 'sh']]] as [string, string[]][]) : []),
];

const dir = mkdtempSync(join(tmpdir(), 'fleet-client-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe.each(SHELLS)('client-write.sh in %s', (name, argv) => {
  const root = join(dir, name.replace(' ', '-'));
  mkdirSync(root);
  const write = (target: string, before: string, after: string): string[] => {
    const text = script(
      { target, dir: root, temp: join(root, '.config.fleet-tmp-run1'), mode: '600', create_dir: false, backup: `${target}.fleet-1`, before, system: true, probe_host: 'fleet-probe.invalid' },
      REMOTE.replace,
      REMOTE.clientWrite,
    );
    const res = spawnSync(argv[0] as string, [...argv.slice(1), '-c', text], { encoding: 'utf8', input: after });
    expect(res.status, res.stderr).toBe(0);
    return parseMarkers(res.stdout).seen.map((s) => s.name);
  };

  it('writes when the live file is still the one planned from', () => {
    const target = join(root, 'config');
    writeFileSync(target, 'Host *\n  ServerAliveInterval 60\n');
    expect(write(target, sha256('Host *\n  ServerAliveInterval 60\n'), 'Host *\n  ServerAliveInterval 240\n')).toEqual(['ssh-G']);
    expect(readFileSync(target, 'utf8')).toBe('Host *\n  ServerAliveInterval 240\n');
    expect(readFileSync(`${target}.fleet-1`, 'utf8')).toBe('Host *\n  ServerAliveInterval 60\n');
  });

  it('an edit since the read: conflict, the edit kept, no backup and no candidate left', () => {
    const target = join(root, 'edited');
    writeFileSync(target, 'Host *\n  ServerAliveInterval 60\n# added by the user\n');
    expect(write(target, sha256('Host *\n  ServerAliveInterval 60\n'), 'Host *\n  ServerAliveInterval 240\n')).toEqual(['conflict']);
    expect(readFileSync(target, 'utf8')).toBe('Host *\n  ServerAliveInterval 60\n# added by the user\n');
    expect(readdirSync(root).filter((f) => f.startsWith('edited.fleet-') || f.includes('fleet-tmp'))).toEqual([]);
  });

  it('a file fleet would create that appeared since the read: conflict, left as it is', () => {
    const target = join(root, 'appeared');
    writeFileSync(target, 'Host x\n');
    const text = script(
      { target, dir: root, temp: join(root, '.appeared.fleet-tmp-run1'), mode: '600', create_dir: false, backup: '-', before: '-', system: true, probe_host: 'fleet-probe.invalid' },
      REMOTE.replace,
      REMOTE.clientWrite,
    );
    const res = spawnSync(argv[0] as string, [...argv.slice(1), '-c', text], { encoding: 'utf8', input: 'Host *\n  ServerAliveInterval 240\n' });
    expect(parseMarkers(res.stdout).seen.map((s) => s.name)).toEqual(['conflict']);
    expect(readFileSync(target, 'utf8')).toBe('Host x\n');
  });
});
