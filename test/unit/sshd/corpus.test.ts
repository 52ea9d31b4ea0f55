import { describe, expect, test } from 'vitest';
import { applyEdits, effectiveValues, parseSshdConfig, planSshd, printSshdConfig, readOrder } from '../../../src/core/sshd/index.js';
import { corpusNames, loadCorpusTree } from './fixture-tree.js';

const KEEPALIVE = { ClientAliveInterval: '298', ClientAliveCountMax: '3', TCPKeepAlive: 'yes' };
const MAIN = '/etc/ssh/sshd_config';

describe.each(corpusNames())('%s', (name) => {
  const tree = loadCorpusTree(name);

  test('parses losslessly and reads completely', () => {
    for (const text of tree.files.values()) expect(printSshdConfig(parseSshdConfig(text))).toBe(text);
    expect(readOrder(tree).problems).toEqual([]);
  });

  test('the keepalive fix is idempotent and keeps its promise', () => {
    const plan = planSshd(tree, KEEPALIVE);
    const edited = applyEdits(tree, plan.edits);
    expect(effectiveValues(edited, Object.keys(KEEPALIVE))).toEqual(plan.after);
    expect(planSshd(edited, KEEPALIVE).edits).toEqual([]);
  });
});

describe('what the planner does to each distribution', () => {
  const plan = (name: string) => planSshd(loadCorpusTree(name), KEEPALIVE);

  test.each(['debian-12', 'ubuntu-22.04', 'ubuntu-24.04', 'rhel-9', 'amazon-linux-2023', 'alpine-3.19'])(
    '%s: one line added in sshd_config right before its Include, so it is read before every drop-in',
    (name) => {
      const p = plan(name);
      expect(p.edits.map((e) => e.path)).toEqual([MAIN]);
      const before = (p.edits[0]?.before ?? '').split('\n');
      const after = (p.edits[0]?.after ?? '').split('\n');
      const include = before.findIndex((l) => l.startsWith('Include /etc/ssh/sshd_config.d/*.conf'));
      expect(after.length).toBe(before.length + 1);
      expect(after[include]).toBe('ClientAliveInterval 298');
      expect(after[include + 1]).toBe(before[include]);
      expect(p.before.ClientAliveInterval?.value).toBeNull();
    },
  );

  test('ubuntu-24.04-cloudimg: the cloudimg drop-in sets 120 first, so that line is changed', () => {
    const p = plan('ubuntu-24.04-cloudimg');
    expect(p.before.ClientAliveInterval?.origin).toEqual({ path: '/etc/ssh/sshd_config.d/50-cloudimg-settings.conf', line: 1 });
    expect(p.edits.map((e) => [e.path, e.after])).toEqual([['/etc/ssh/sshd_config.d/50-cloudimg-settings.conf', 'ClientAliveInterval 298\nPasswordAuthentication no\n']]);
  });

  test('rhel-9: the crypto-policies file outside /etc/ssh is read through 50-redhat.conf', () => {
    const values = effectiveValues(loadCorpusTree('rhel-9'), ['Ciphers', 'SyslogFacility', 'KbdInteractiveAuthentication']);
    expect(values.Ciphers?.origin?.path).toBe('/etc/crypto-policies/back-ends/opensshserver.config');
    expect(values.SyslogFacility?.value).toBe('AUTHPRIV');
    expect(values.KbdInteractiveAuthentication?.value).toBe('no'); // via the ChallengeResponseAuthentication alias
  });

  test('fleet-dropin-zero: both zeros in the drop-in are fixed in place', () => {
    const p = plan('fleet-dropin-zero');
    expect(p.edits.map((e) => [e.path, e.after])).toEqual([
      ['/etc/ssh/sshd_config.d/10-keepalive.conf', '# managed by an old playbook\nClientAliveInterval 298\nClientAliveCountMax 3\n'],
    ]);
  });

  test('fleet-crlf: CRLF and the missing final newline survive', () => {
    const p = plan('fleet-crlf');
    expect(p.edits[0]?.after).toBe('# copied from a Windows share\r\nPort 22\r\nUsePAM yes\r\nClientAliveInterval 298\r\nSubsystem sftp /usr/lib/openssh/sftp-server');
  });

  test('fleet-equals-mixedcase: 4m is 240s; the first of the doubled values is edited, = and comment kept', () => {
    const p = plan('fleet-equals-mixedcase');
    expect(p.before.ClientAliveInterval).toMatchObject({ value: '240', origin: { line: 3 }, shadowed: [{ line: 6 }] });
    expect(p.before.ClientAliveCountMax?.value).toBe('5');
    const lines = p.edits[0]?.after.split('\n');
    expect(lines?.slice(2, 5)).toEqual(['clientaliveinterval=298 # about five minutes', 'CLIENTALIVECOUNTMAX = 3', 'tcpKeepAlive=yes']);
  });

  test('fleet-relative-include: relative, multi-pattern and nested includes resolve in sshd order', () => {
    const p = plan('fleet-relative-include');
    expect(p.before.ClientAliveCountMax?.origin).toEqual({ path: '/etc/ssh/nested/keepalive.conf', line: 1 });
    expect(p.before.ClientAliveInterval?.origin).toEqual({ path: '/etc/ssh/sshd_config.d/10-early.conf', line: 1 });
    expect(p.before.ClientAliveInterval?.shadowed).toEqual([{ path: '/etc/ssh/sshd_config.d/90-tuning.conf', line: 1 }]);
    expect(p.edits.map((e) => e.path)).toEqual(['/etc/ssh/nested/keepalive.conf', '/etc/ssh/sshd_config.d/10-early.conf']);
  });

  test('fleet-match-blocks: User/Group/Address exceptions stay, with warnings', () => {
    const p = plan('fleet-match-blocks');
    expect(p.warnings).toHaveLength(3);
    expect(p.warnings[0]).toBe("ClientAliveInterval 0 in Match User backup at /etc/ssh/sshd_config:9 stays as the site's exception");
    expect(p.after.ClientAliveCountMax?.matchOverrides).toEqual([{ origin: { path: MAIN, line: 19 }, value: '10', criteria: 'Address 10.0.0.0/8,192.168.0.0/16' }]);
  });

  test('fleet-match-in-dropin: the drop-in Match ends with the drop-in', () => {
    const p = plan('fleet-match-in-dropin');
    expect(p.before.ClientAliveInterval?.origin).toEqual({ path: MAIN, line: 4 });
    expect(p.before.TCPKeepAlive?.value).toBe('no');
    expect(p.edits.map((e) => e.path)).toEqual([MAIN]);
  });

  test('fleet-match-all: the Match all value wins for ClientAliveInterval and is the one edited', () => {
    const p = plan('fleet-match-all');
    expect(p.before.ClientAliveInterval).toMatchObject({ value: '15', origin: { line: 7 }, shadowed: [{ line: 2 }] });
    expect(p.edits[0]?.after.split('\n').slice(5, 8)).toEqual(['Match all', '    ClientAliveInterval 298', '    ClientAliveCountMax 3']);
  });

  test('fleet-include-in-match: included lines carry the includer Match, nested Match its own', () => {
    const p = plan('fleet-include-in-match');
    expect(p.before.ClientAliveInterval?.matchOverrides.map((m) => m.criteria)).toEqual(['User ops']);
    expect(p.before.ClientAliveCountMax?.matchOverrides.map((m) => m.criteria)).toEqual(['Address 127.0.0.1']);
  });
});
