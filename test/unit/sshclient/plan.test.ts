import { describe, expect, test } from 'vitest';
import { canonicalClientKeyword, planSshClient, scanClientConfig, parseSshConfig } from '../../../src/core/sshclient/index.js';

const PATH = '/home/deploy/.ssh/config';
const SAI = { ServerAliveInterval: '240' };
const after = (text: string | null, desired: Record<string, string> = SAI) => planSshClient(PATH, text, desired).edit?.after;

describe('planSshClient', () => {
  test('missing file → a new file with a Host * block', () => {
    const plan = planSshClient(PATH, null, SAI);
    expect(plan.edit).toMatchObject({ path: PATH, before: null, after: 'Host *\n  ServerAliveInterval 240\n' });
    expect(plan.edit?.diff).toContain('--- /dev/null');
    expect(plan.before.ServerAliveInterval?.value).toBeNull();
    expect(plan.after.ServerAliveInterval).toMatchObject({ value: '240', origin: { path: PATH, line: 2 } });
  });

  test('a global-scope occurrence is edited in place', () => {
    expect(after('ServerAliveInterval=0 # off\nHost x\n  User y\n')).toBe('ServerAliveInterval=240 # off\nHost x\n  User y\n');
  });

  test('a Host * occurrence is edited in place, even with specific blocks after it', () => {
    expect(after('Host *\n\tServerAliveInterval 30\nHost db\n  ServerAliveInterval 5\n')).toBe('Host *\n\tServerAliveInterval 240\nHost db\n  ServerAliveInterval 5\n');
  });

  test('already right (in other spelling) → no edit', () => {
    expect(planSshClient(PATH, 'Host *\n  serveraliveinterval 4m\n', SAI).edit).toBeNull();
    expect(planSshClient(PATH, null, { ServerAliveInterval: '0' }).edit).toBeNull();
  });

  test('appends to a last Host * block, after its last directive, with its indentation', () => {
    expect(after('Host web\n  User a\n\nHost *\n    ForwardAgent no\n# end\n')).toBe('Host web\n  User a\n\nHost *\n    ForwardAgent no\n    ServerAliveInterval 240\n# end\n');
  });

  test('otherwise appends a new Host * block at the end, CRLF and missing newline respected', () => {
    expect(after('Host web\r\n  User a')).toBe('Host web\r\n  User a\r\n\r\nHost *\r\n  ServerAliveInterval 240\r\n');
    expect(after('')).toBe('Host *\n  ServerAliveInterval 240\n');
  });

  test('a negated Host * is not universal: the value goes in a new Host * block', () => {
    const plan = planSshClient(PATH, 'Host * !bastion\n  ServerAliveInterval 30\n', SAI);
    expect(plan.edit?.after).toBe('Host * !bastion\n  ServerAliveInterval 30\n\nHost *\n  ServerAliveInterval 240\n');
    expect(plan.warnings).toEqual([`ServerAliveInterval 30 for Host * !bastion at ${PATH}:2 stays: those hosts keep their own value`]);
  });

  test('host-specific occurrences before the winner stay and are reported', () => {
    const plan = planSshClient(PATH, 'Host bastion\n  ServerAliveInterval 10\nHost *\n  ServerAliveInterval 0\n', SAI);
    expect(plan.edit?.after).toBe('Host bastion\n  ServerAliveInterval 10\nHost *\n  ServerAliveInterval 240\n');
    expect(plan.warnings).toHaveLength(1);
    expect(plan.before.ServerAliveInterval?.matchOverrides).toEqual([{ origin: { path: PATH, line: 2 }, value: '10', criteria: 'Host bastion' }]);
  });

  test('Match all counts as universal', () => {
    expect(after('Match all\n  ServerAliveInterval 15\n')).toBe('Match all\n  ServerAliveInterval 240\n');
  });

  test('several keywords appended together, in the order of desired', () => {
    expect(after('Host *\n  User me\n', { TCPKeepAlive: 'no', ServerAliveCountMax: '5', ServerAliveInterval: '60' })).toBe(
      'Host *\n  User me\n  TCPKeepAlive no\n  ServerAliveCountMax 5\n  ServerAliveInterval 60\n',
    );
  });

  test('an Include read before the winner is flagged: fleet does not read it', () => {
    const plan = planSshClient(PATH, 'Include ~/.ssh/conf.d/*\nHost *\n  ServerAliveInterval 0\n', SAI);
    expect(plan.warnings).toEqual([`Include at ${PATH}:1 is not read by fleet; a file it names may set these values first`]);
  });
});

describe('scanClientConfig', () => {
  test('classifies blocks', () => {
    const scan = scanClientConfig(parseSshConfig('User a\nHost *\nHost ** x\nHost * !y\nMatch all\nMatch host x\nhost=web\n'));
    expect(scan.blocks.map((b) => [b.kind, b.header, b.universal])).toEqual([
      ['global', '', true],
      ['host', 'Host *', true],
      ['host', 'Host ** x', true],
      ['host', 'Host * !y', false],
      ['match', 'Match all', true],
      ['match', 'Match host x', false],
      ['host', 'host=web', false],
    ]);
  });

  test('canonicalClientKeyword', () => {
    expect(canonicalClientKeyword('serveraliveinterval')).toBe('ServerAliveInterval');
    expect(canonicalClientKeyword('KeepAlive')).toBe('TCPKeepAlive');
    expect(canonicalClientKeyword('ClientAliveInterval')).toBeUndefined();
  });
});
