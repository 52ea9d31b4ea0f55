import { describe, expect, test } from 'vitest';
import { unifiedDiff } from '../../../src/core/diff.js';
import { InternalError } from '../../../src/core/errors.js';
import { applyEdits, includePatterns, missingFiles, relocate, sortGlobMatches, writeTargets, type ConfigTree } from '../../../src/core/sshd/index.js';

const MAIN = '/etc/ssh/sshd_config';

describe('includePatterns and missingFiles', () => {
  test('every Include argument, resolved against /etc/ssh, in order, including inside Match', () => {
    const text = 'Include /etc/ssh/sshd_config.d/*.conf\n# Include /nope\nMatch User x\n  include=local.d/*.conf  other.conf\n';
    expect(includePatterns(text, MAIN)).toEqual(['/etc/ssh/sshd_config.d/*.conf', '/etc/ssh/local.d/*.conf', '/etc/ssh/other.conf']);
  });

  test('patterns named in the tree but not yet expanded are missing, until the gatherer adds them', () => {
    const files = new Map([[MAIN, 'Include /etc/ssh/sshd_config.d/*.conf\n']]);
    const tree: ConfigTree = { main: MAIN, files, globs: new Map() };
    expect(missingFiles(tree)).toEqual(['/etc/ssh/sshd_config.d/*.conf']);
    const next: ConfigTree = {
      main: MAIN,
      files: new Map([...files, ['/etc/ssh/sshd_config.d/a.conf', 'Include /etc/ssh/nested/*.conf\n']]),
      globs: new Map([['/etc/ssh/sshd_config.d/*.conf', ['/etc/ssh/sshd_config.d/a.conf']]]),
    };
    expect(missingFiles(next)).toEqual(['/etc/ssh/nested/*.conf']);
    const done: ConfigTree = { ...next, globs: new Map([...next.globs, ['/etc/ssh/nested/*.conf', []]]) };
    expect(missingFiles(done)).toEqual([]);
  });

  test('glob results sort by bytes like OpenSSH glob(3)', () => {
    expect(sortGlobMatches(['/d/b.conf', '/d/Z.conf', '/d/10.conf', '/d/9.conf', '/d/a.conf'])).toEqual(['/d/10.conf', '/d/9.conf', '/d/Z.conf', '/d/a.conf', '/d/b.conf']);
  });
});

describe('applyEdits', () => {
  const tree: ConfigTree = {
    main: MAIN,
    files: new Map([[MAIN, 'Include /etc/ssh/sshd_config.d/*.conf\n']]),
    globs: new Map([['/etc/ssh/sshd_config.d/*.conf', []]]),
  };

  test('returns the edited tree and leaves the input untouched', () => {
    const after = applyEdits(tree, [{ path: MAIN, before: 'Include /etc/ssh/sshd_config.d/*.conf\n', after: 'X 1\n', diff: '' }]);
    expect(after.files.get(MAIN)).toBe('X 1\n');
    expect(tree.files.get(MAIN)).toBe('Include /etc/ssh/sshd_config.d/*.conf\n');
  });

  test('a new file shows up in every glob that matches it', () => {
    const path = '/etc/ssh/sshd_config.d/50-fleet.conf';
    const after = applyEdits(tree, [{ path, before: null, after: 'ClientAliveInterval 298\n', diff: '' }]);
    expect(after.globs.get('/etc/ssh/sshd_config.d/*.conf')).toEqual([path]);
  });

  test('an edit planned against other text is a bug', () => {
    expect(() => applyEdits(tree, [{ path: MAIN, before: 'something else', after: '', diff: '' }])).toThrow(InternalError);
  });
});

describe('writeTargets', () => {
  const DROP_IN = '/etc/ssh/sshd_config.d/10-cloud.conf';
  const linked: ConfigTree = {
    main: MAIN,
    files: new Map([
      [MAIN, 'Include /etc/ssh/sshd_config.d/*.conf\n'],
      [DROP_IN, 'ClientAliveInterval 0\n'],
      ['/etc/ssh/sshd_config.d/20-again.conf', 'ClientAliveInterval 0\n'],
    ]),
    globs: new Map([['/etc/ssh/sshd_config.d/*.conf', [DROP_IN, '/etc/ssh/sshd_config.d/20-again.conf']]]),
    links: new Map([
      [MAIN, '/srv/managed/sshd_config'],
      [DROP_IN, '/srv/shared/cloud.conf'],
      ['/etc/ssh/sshd_config.d/20-again.conf', '/srv/shared/cloud.conf'],
    ]),
  };
  const edit = (path: string) => ({ path, before: linked.files.get(path) ?? null, after: 'ClientAliveInterval 298\n', diff: `diff of ${path}` });

  test('a symlinked file is written where the link points; everything else of the edit stays', () => {
    expect(writeTargets(linked, [edit(MAIN), edit('/etc/ssh/sshd_config.d/30-new.conf')])).toEqual([
      { ...edit(MAIN), path: '/srv/managed/sshd_config' },
      edit('/etc/ssh/sshd_config.d/30-new.conf'),
    ]);
  });

  test('two edited names of one file are refused, naming both', () => {
    expect(() => writeTargets(linked, [edit(DROP_IN), edit('/etc/ssh/sshd_config.d/20-again.conf')])).toThrow(
      /10-cloud\.conf and \/etc\/ssh\/sshd_config\.d\/20-again\.conf are the same file \(\/srv\/shared\/cloud\.conf\)/,
    );
  });

  test('applyEdits keeps the links', () => {
    expect(applyEdits(linked, [edit(MAIN)]).links).toBe(linked.links);
  });
});

describe('relocate', () => {
  const tree: ConfigTree = {
    main: MAIN,
    files: new Map([
      [MAIN, '# top\r\nHostKey /etc/ssh/ssh_host_ed25519_key\r\nInclude sshd_config.d/*.conf /etc/crypto/x.config\r\nMatch User ops\r\n\tinclude=/etc/ssh/m.d/*.conf # ops\r\n'],
      ['/etc/ssh/sshd_config.d/a.conf', 'ClientAliveInterval 5\n'],
    ]),
    globs: new Map([
      ['/etc/ssh/sshd_config.d/*.conf', ['/etc/ssh/sshd_config.d/a.conf']],
      ['/etc/crypto/x.config', []],
      ['/etc/ssh/m.d/*.conf', []],
    ]),
  };

  test('prefixes every path and rewrites only Include arguments', () => {
    const staged = relocate(tree, '/tmp/stage/');
    expect(staged.main).toBe('/tmp/stage/etc/ssh/sshd_config');
    expect(staged.files.get('/tmp/stage/etc/ssh/sshd_config')).toBe(
      '# top\r\nHostKey /etc/ssh/ssh_host_ed25519_key\r\nInclude /tmp/stage/etc/ssh/sshd_config.d/*.conf /tmp/stage/etc/crypto/x.config\r\nMatch User ops\r\n\tinclude=/tmp/stage/etc/ssh/m.d/*.conf # ops\r\n',
    );
    expect(staged.files.get('/tmp/stage/etc/ssh/sshd_config.d/a.conf')).toBe('ClientAliveInterval 5\n');
    expect([...staged.globs]).toEqual([
      ['/tmp/stage/etc/ssh/sshd_config.d/*.conf', ['/tmp/stage/etc/ssh/sshd_config.d/a.conf']],
      ['/tmp/stage/etc/crypto/x.config', []],
      ['/tmp/stage/etc/ssh/m.d/*.conf', []],
    ]);
  });

  test('a stage root with a space is quoted so sshd reads one argument', () => {
    const staged = relocate(tree, '/tmp/my stage');
    expect(staged.files.get('/tmp/my stage/etc/ssh/sshd_config')).toContain('Include "/tmp/my stage/etc/ssh/sshd_config.d/*.conf" "/tmp/my stage/etc/crypto/x.config"\r\n');
  });
});

describe('unifiedDiff', () => {
  test('a/ b/ headers with the absolute path, /dev/null for new files, no-newline marker', () => {
    expect(unifiedDiff('/etc/ssh/sshd_config', 'a\nb\n', 'a\nc\n')).toBe('--- a/etc/ssh/sshd_config\n+++ b/etc/ssh/sshd_config\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
    expect(unifiedDiff('/etc/ssh/x.conf', null, 'X 1\n')).toBe('--- /dev/null\n+++ b/etc/ssh/x.conf\n@@ -0,0 +1,1 @@\n+X 1\n');
    expect(unifiedDiff('/f', 'a', 'b')).toContain('\\ No newline at end of file');
  });
});
