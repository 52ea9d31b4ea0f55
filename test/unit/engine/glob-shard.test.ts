import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { globMatches } from '../../../src/core/glob.js';
import { inShard, parseShard, shardOf } from '../../../src/core/shard.js';
import { backupPathFor } from '../../../src/engine/backups.js';

describe('globMatches (glob(3) as sshd Include uses it)', () => {
  it('matches within one path segment only', () => {
    expect(globMatches('/etc/ssh/sshd_config.d/*.conf', '/etc/ssh/sshd_config.d/50-cloud-init.conf')).toBe(true);
    expect(globMatches('/etc/ssh/sshd_config.d/*.conf', '/etc/ssh/sshd_config.d/sub/a.conf')).toBe(false);
    expect(globMatches('/etc/ssh/*', '/etc/ssh/sshd_config.d/a.conf')).toBe(false);
  });
  it('does not match dot files with a wildcard (no GLOB_PERIOD)', () => {
    expect(globMatches('/etc/ssh/sshd_config.d/*', '/etc/ssh/sshd_config.d/.a.conf.fleet-tmp-x')).toBe(false);
    expect(globMatches('/etc/ssh/sshd_config.d/.*', '/etc/ssh/sshd_config.d/.a')).toBe(true);
  });
  it('supports ? and bracket classes', () => {
    expect(globMatches('/x/a?.conf', '/x/ab.conf')).toBe(true);
    expect(globMatches('/x/[0-4]*.conf', '/x/50.conf')).toBe(false);
    expect(globMatches('/x/[!0-4]*.conf', '/x/50.conf')).toBe(true);
  });
  it('treats regex metacharacters literally', () => {
    expect(globMatches('/x/a+(b).conf', '/x/a+(b).conf')).toBe(true);
    expect(globMatches('/x/a.conf', '/x/abconf')).toBe(false);
  });
});

describe('backupPathFor', () => {
  const tree = (globs: string[]) => ({ main: '/etc/ssh/sshd_config', files: new Map(), globs: new Map(globs.map((g) => [g, []])) });
  it('puts the backup next to the file when no Include glob would read it', () => {
    expect(backupPathFor('/etc/ssh/sshd_config.d/50-cloud-init.conf', '20261125T120000.000Z', tree(['/etc/ssh/sshd_config.d/*.conf']))).toBe(
      '/etc/ssh/sshd_config.d/50-cloud-init.conf.fleet-20261125T120000.000Z',
    );
  });
  it('moves it to /var/backups/fleet when an Include glob would read it as config', () => {
    expect(backupPathFor('/etc/ssh/sshd_config.d/50-cloud-init.conf', '20261125T120000.000Z', tree(['/etc/ssh/sshd_config.d/*']))).toBe(
      '/var/backups/fleet/etc_ssh_sshd_config.d_50-cloud-init.conf.fleet-20261125T120000.000Z',
    );
  });
});

describe('shards', () => {
  it('parses K/N and refuses nonsense', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['0/3', '4/3', 'a/b', '1/0', '1-3']) expect(() => parseShard(bad)).toThrow();
  });
  it('splits any set of names into disjoint shares that cover it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), (names, count) => {
        const owners = names.map((n) => Array.from({ length: count }, (_, i) => i + 1).filter((k) => inShard(n, { index: k, count })));
        return owners.every((o) => o.length === 1 && o[0] === shardOf(names[owners.indexOf(o)] as string, count));
      }),
    );
  });
});
