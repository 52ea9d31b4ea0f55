import { describe, expect, test } from 'vitest';
import { effectiveValues, readOrder, type ConfigTree } from '../../../src/core/sshd/index.js';
import { treeFromFiles } from './fixture-tree.js';

const MAIN = '/etc/ssh/sshd_config';
const tree = (files: Record<string, string>): ConfigTree => treeFromFiles(new Map(Object.entries(files)));
const at = (path: string, line: number) => ({ path, line });

describe('first value wins', () => {
  test('the first global occurrence gives the value; later ones are shadowed', () => {
    const t = tree({ [MAIN]: 'Port 22\nClientAliveInterval 30\nclientaliveinterval=600\nClientAliveInterval 5m\n' });
    const { ClientAliveInterval: entry } = effectiveValues(t, ['clientaliveinterval']);
    expect(entry).toEqual({
      keyword: 'ClientAliveInterval',
      value: '30',
      origin: at(MAIN, 2),
      shadowed: [at(MAIN, 3), at(MAIN, 4)],
      matchOverrides: [],
    });
  });

  test('a keyword set nowhere has value null', () => {
    const entry = effectiveValues(tree({ [MAIN]: '#ClientAliveInterval 60\n' }), ['ClientAliveInterval']).ClientAliveInterval;
    expect(entry?.value).toBeNull();
    expect(entry?.origin).toBeNull();
  });

  test('an alias sets the same option: KeepAlive is TCPKeepAlive', () => {
    const entry = effectiveValues(tree({ [MAIN]: 'KeepAlive No\nTCPKeepAlive yes\n' }), ['TCPKeepAlive']).TCPKeepAlive;
    expect(entry?.value).toBe('no');
    expect(entry?.shadowed).toEqual([at(MAIN, 2)]);
  });

  test('values are normalized: times in seconds', () => {
    expect(effectiveValues(tree({ [MAIN]: 'ClientAliveInterval 4m58s\n' }), ['ClientAliveInterval']).ClientAliveInterval?.value).toBe('298');
  });
});

describe('Include', () => {
  test('drop-ins are read in place, sorted by bytes whatever order the host listed them', () => {
    const t = tree({
      [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nClientAliveInterval 1\n',
      '/etc/ssh/sshd_config.d/9-late.conf': 'ClientAliveInterval 9\n',
      '/etc/ssh/sshd_config.d/10-early.conf': 'ClientAliveInterval 10\n',
      '/etc/ssh/sshd_config.d/Z.conf': 'ClientAliveInterval 26\n',
    });
    const entry = effectiveValues(t, ['ClientAliveInterval']).ClientAliveInterval;
    // strcmp order: "10-early" < "9-late" < "Z"
    expect(entry?.origin).toEqual(at('/etc/ssh/sshd_config.d/10-early.conf', 1));
    expect(entry?.shadowed).toEqual([at('/etc/ssh/sshd_config.d/9-late.conf', 1), at('/etc/ssh/sshd_config.d/Z.conf', 1), at(MAIN, 2)]);
  });

  test('relative patterns resolve against /etc/ssh; several patterns are read in order', () => {
    const t = tree({
      [MAIN]: 'Include b.d/*.conf a.d/*.conf\n',
      '/etc/ssh/a.d/x.conf': 'ClientAliveInterval 1\n',
      '/etc/ssh/b.d/x.conf': 'ClientAliveInterval 2\n',
    });
    expect(effectiveValues(t, ['ClientAliveInterval']).ClientAliveInterval?.origin).toEqual(at('/etc/ssh/b.d/x.conf', 1));
  });

  test('a Match block in a drop-in ends at the end of the drop-in', () => {
    const t = tree({
      [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nClientAliveInterval 600\n',
      '/etc/ssh/sshd_config.d/20-deploy.conf': 'Match User deploy\n  ClientAliveInterval 30\n',
    });
    const entry = effectiveValues(t, ['ClientAliveInterval']).ClientAliveInterval;
    expect(entry?.value).toBe('600');
    expect(entry?.origin).toEqual(at(MAIN, 2));
    expect(entry?.matchOverrides).toEqual([{ origin: at('/etc/ssh/sshd_config.d/20-deploy.conf', 2), value: '30', criteria: 'User deploy' }]);
  });

  test('an Include inside a Match block is read in that Match context, nested Match included', () => {
    const t = tree({
      [MAIN]: 'Match User ops\n  Include /etc/ssh/match.d/*.conf\n',
      '/etc/ssh/match.d/ops.conf': 'ClientAliveInterval 5\nMatch all\nClientAliveCountMax 1\n',
    });
    const values = effectiveValues(t, ['ClientAliveInterval', 'ClientAliveCountMax']);
    expect(values.ClientAliveInterval?.value).toBeNull();
    expect(values.ClientAliveInterval?.matchOverrides).toEqual([{ origin: at('/etc/ssh/match.d/ops.conf', 1), value: '5', criteria: 'User ops' }]);
    // Read "syntax only" (SSHCFG_NEVERMATCH): even `Match all` does not activate in there.
    expect(values.ClientAliveCountMax?.value).toBeNull();
    expect(values.ClientAliveCountMax?.matchOverrides[0]?.criteria).toBe('all');
  });

  test('a file including itself stops at sshd depth limit and is reported', () => {
    const t = tree({ [MAIN]: 'Include /etc/ssh/sshd_config\nClientAliveInterval 7\n' });
    const order = readOrder(t);
    expect(order.problems).toEqual(['/etc/ssh/sshd_config: Include nesting deeper than 16 (sshd refuses to start)']);
    // sshd dies at the first read that deep, before any directive after the Include lines.
    expect(order.occurrences).toHaveLength(0);
  });

  test('a glob result the tree has no text for is reported', () => {
    const t: ConfigTree = { main: MAIN, files: new Map([[MAIN, 'Include /etc/ssh/x/*.conf\n']]), globs: new Map([['/etc/ssh/x/*.conf', ['/etc/ssh/x/a.conf']]]) };
    expect(readOrder(t).problems).toEqual(['/etc/ssh/x/a.conf is named by an Include but was not read from the host']);
  });
});

describe('Match all', () => {
  test('for ClientAlive* a Match all value beats an earlier global one (sshd re-applies Match per connection)', () => {
    const t = tree({ [MAIN]: 'ClientAliveInterval 60\nMatch all\n  ClientAliveInterval 15\n' });
    const entry = effectiveValues(t, ['ClientAliveInterval']).ClientAliveInterval;
    expect(entry?.value).toBe('15');
    expect(entry?.origin).toEqual(at(MAIN, 3));
    expect(entry?.shadowed).toEqual([at(MAIN, 1)]);
  });

  test('for TCPKeepAlive (global-only) the startup parse decides: Match all counts only when read first', () => {
    const first = tree({ [MAIN]: 'TCPKeepAlive yes\nMatch all\nTCPKeepAlive no\n' });
    expect(effectiveValues(first, ['TCPKeepAlive']).TCPKeepAlive?.value).toBe('yes');
    const only = tree({ [MAIN]: 'Port 22\nMatch all\nTCPKeepAlive no\n' });
    expect(effectiveValues(only, ['TCPKeepAlive']).TCPKeepAlive?.value).toBe('no');
  });

  test('other Match criteria never give the global value', () => {
    const t = tree({ [MAIN]: 'Match Address 10.0.0.0/8\nClientAliveInterval 15\n' });
    expect(effectiveValues(t, ['ClientAliveInterval']).ClientAliveInterval?.value).toBeNull();
  });
});
