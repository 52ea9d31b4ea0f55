import { describe, expect, test } from 'vitest';
import { applyEdits, planSshd, type ConfigTree } from '../../../src/core/sshd/index.js';
import { treeFromFiles } from './fixture-tree.js';

const MAIN = '/etc/ssh/sshd_config';
const DROP_IN = '/etc/ssh/sshd_config.d/10-keepalive.conf';
const tree = (files: Record<string, string>): ConfigTree => treeFromFiles(new Map(Object.entries(files)));
const KEEPALIVE = { ClientAliveInterval: '298', ClientAliveCountMax: '3', TCPKeepAlive: 'yes' };

function afterText(t: ConfigTree, desired: Record<string, string>, path = MAIN): string | undefined {
  return applyEdits(t, planSshd(t, desired).edits).files.get(path);
}

describe('editing the winning occurrence in place', () => {
  test('keeps keyword spelling, separator, indentation, trailing comment and CRLF', () => {
    const t = tree({ [MAIN]: 'Port 22\r\n  clientaliveinterval = 0   # old playbook\r\nUsePAM yes\r\n' });
    expect(afterText(t, { ClientAliveInterval: '298' })).toBe('Port 22\r\n  clientaliveinterval = 298   # old playbook\r\nUsePAM yes\r\n');
  });

  test('edits the drop-in that wins, not the main file', () => {
    const t = tree({
      [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nClientAliveInterval 600\n',
      [DROP_IN]: 'ClientAliveInterval\t0\n',
    });
    const plan = planSshd(t, { ClientAliveInterval: '298' });
    expect(plan.edits.map((e) => e.path)).toEqual([DROP_IN]);
    expect(plan.edits[0]?.after).toBe('ClientAliveInterval\t298\n');
    expect(plan.before.ClientAliveInterval?.shadowed).toEqual([{ path: MAIN, line: 2 }]);
    expect(plan.after.ClientAliveInterval?.origin).toEqual({ path: DROP_IN, line: 1 });
  });

  test('a quoted value stays quoted; Keyword=value stays glued; no final newline stays missing', () => {
    const t = tree({ [MAIN]: 'ClientAliveInterval "0"\nClientAliveCountMax=0' });
    expect(afterText(t, { ClientAliveInterval: '298', ClientAliveCountMax: '3' })).toBe('ClientAliveInterval "298"\nClientAliveCountMax=3');
  });

  test('only the first occurrence changes; shadowed ones stay as they are', () => {
    const t = tree({ [MAIN]: 'ClientAliveInterval 30\nClientAliveInterval 600\n' });
    expect(afterText(t, { ClientAliveInterval: '298' })).toBe('ClientAliveInterval 298\nClientAliveInterval 600\n');
  });

  test('KeepAlive (alias) is edited as the TCPKeepAlive occurrence it is', () => {
    const t = tree({ [MAIN]: 'KeepAlive no\n' });
    expect(afterText(t, { TCPKeepAlive: 'yes' })).toBe('KeepAlive yes\n');
  });
});

describe('adding a directive nothing sets', () => {
  test('goes right before the first directive of the main file, after the leading comments', () => {
    const t = tree({ [MAIN]: '# header\n\n# more\nInclude /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n' });
    expect(afterText(t, { ClientAliveInterval: '298', ClientAliveCountMax: '5' })).toBe(
      '# header\n\n# more\nClientAliveInterval 298\nClientAliveCountMax 5\nInclude /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n',
    );
  });

  test('several keywords form one block in the order of `desired`', () => {
    const t = tree({ [MAIN]: 'UsePAM yes\n' });
    expect(afterText(t, { TCPKeepAlive: 'no', ClientAliveCountMax: '5', ClientAliveInterval: '60' })).toBe(
      'TCPKeepAlive no\nClientAliveCountMax 5\nClientAliveInterval 60\nUsePAM yes\n',
    );
  });

  test('uses the file line ending', () => {
    const t = tree({ [MAIN]: '# hi\r\nUsePAM yes\r\n' });
    expect(afterText(t, { ClientAliveInterval: '298' })).toBe('# hi\r\nClientAliveInterval 298\r\nUsePAM yes\r\n');
  });

  test('a file with only comments gets it at the end, terminating the last line first', () => {
    expect(afterText(tree({ [MAIN]: '# nothing here' }), { ClientAliveInterval: '298' })).toBe('# nothing here\nClientAliveInterval 298\n');
    expect(afterText(tree({ [MAIN]: '' }), { ClientAliveInterval: '298' })).toBe('ClientAliveInterval 298\n');
  });

  test('a missing main file becomes a new file (before: null)', () => {
    const t: ConfigTree = { main: MAIN, files: new Map(), globs: new Map() };
    const plan = planSshd(t, { ClientAliveInterval: '298' });
    expect(plan.edits).toEqual([
      expect.objectContaining({ path: MAIN, before: null, after: 'ClientAliveInterval 298\n', diff: expect.stringContaining('--- /dev/null') }),
    ]);
  });

  test('is read before a drop-in that sets something else, and outside any Match block', () => {
    const t = tree({ [MAIN]: 'Match User x\n  X11Forwarding no\n' });
    const plan = planSshd(t, { ClientAliveInterval: '298' });
    expect(plan.edits[0]?.after).toBe('ClientAliveInterval 298\nMatch User x\n  X11Forwarding no\n');
    expect(plan.after.ClientAliveInterval?.value).toBe('298');
  });
});

describe('no edit when the effective value is already right', () => {
  test.each([
    ['ClientAliveInterval 4m58s\n', { ClientAliveInterval: '298' }],
    ['ClientAliveInterval 298\n', { ClientAliveInterval: '4m58s' }],
    ['TCPKeepAlive Yes\n', { TCPKeepAlive: 'yes' }],
    ['ClientAliveCountMax 03\n', { ClientAliveCountMax: '3' }],
    ['# nothing set\n', { ClientAliveCountMax: '3', TCPKeepAlive: 'yes', ClientAliveInterval: '0' }],
  ])('%j with %j', (text, desired) => {
    expect(planSshd(tree({ [MAIN]: text }), desired).edits).toEqual([]);
  });

  test('but a default-valued keyword is still added when something would otherwise win', () => {
    const t = tree({ [MAIN]: 'ClientAliveCountMax 0\n' });
    expect(afterText(t, { ClientAliveCountMax: '3' })).toBe('ClientAliveCountMax 3\n');
  });
});

describe('Match blocks', () => {
  test('values in Match blocks are left alone and reported as the site exceptions', () => {
    const text = 'UsePAM yes\nMatch User backup\n\tClientAliveInterval 0\nMatch Group sftponly\n    ClientAliveInterval 900\n';
    const plan = planSshd(tree({ [MAIN]: text }), { ClientAliveInterval: '298' });
    expect(plan.edits[0]?.after).toBe(`ClientAliveInterval 298\n${text}`);
    expect(plan.warnings).toEqual([
      'ClientAliveInterval 0 in Match User backup at /etc/ssh/sshd_config:3 stays as the site\'s exception',
      'ClientAliveInterval 900 in Match Group sftponly at /etc/ssh/sshd_config:5 stays as the site\'s exception',
    ]);
    expect(plan.after.ClientAliveInterval?.matchOverrides.map((m) => m.origin.line)).toEqual([4, 6]);
  });

  test('a Match all value applies to every connection: it is the one edited, with a warning', () => {
    const t = tree({ [MAIN]: 'ClientAliveInterval 60\nMatch all\n  ClientAliveInterval 15\n' });
    const plan = planSshd(t, { ClientAliveInterval: '298' });
    expect(plan.edits[0]?.after).toBe('ClientAliveInterval 60\nMatch all\n  ClientAliveInterval 298\n');
    expect(plan.warnings).toEqual(['ClientAliveInterval is set for every connection by Match all at /etc/ssh/sshd_config:3; that line is the one changed']);
    expect(plan.after.ClientAliveInterval?.value).toBe('298');
  });
});

describe('plan shape', () => {
  test('the main file comes first, then the others by path; each edit carries its diff', () => {
    const t = tree({
      [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n',
      '/etc/ssh/sshd_config.d/20-b.conf': 'ClientAliveCountMax 0\n',
      [DROP_IN]: 'ClientAliveInterval 0\n',
    });
    const plan = planSshd(t, { TCPKeepAlive: 'no', ClientAliveCountMax: '3', ClientAliveInterval: '298' });
    expect(plan.edits.map((e) => e.path)).toEqual([MAIN, DROP_IN, '/etc/ssh/sshd_config.d/20-b.conf']);
    expect(plan.edits[1]?.diff).toBe(
      `--- a${DROP_IN}\n+++ b${DROP_IN}\n@@ -1,1 +1,1 @@\n-ClientAliveInterval 0\n+ClientAliveInterval 298\n`,
    );
    expect(Object.keys(plan.before)).toEqual(['TCPKeepAlive', 'ClientAliveCountMax', 'ClientAliveInterval']);
  });

  test('desired keywords in any case are keyed by their canonical spelling', () => {
    const plan = planSshd(tree({ [MAIN]: 'UsePAM yes\n' }), { clientaliveinterval: '298' });
    expect(Object.keys(plan.after)).toEqual(['ClientAliveInterval']);
    expect(plan.edits[0]?.after).toBe('ClientAliveInterval 298\nUsePAM yes\n');
  });

  test('idempotent on the typical keepalive fix', () => {
    const t = tree({ [MAIN]: '# c\nInclude /etc/ssh/sshd_config.d/*.conf\n', [DROP_IN]: 'ClientAliveInterval 0\n' });
    const once = applyEdits(t, planSshd(t, KEEPALIVE).edits);
    expect(planSshd(once, KEEPALIVE).edits).toEqual([]);
  });
});
