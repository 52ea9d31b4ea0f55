import { describe, expect, test } from 'vitest';
import { applyEdits, planSshd, type ConfigTree } from '../../../src/core/sshd/index.js';
import { treeFromFiles } from './fixture-tree.js';

const MAIN = '/etc/ssh/sshd_config';
const DROP_IN = '/etc/ssh/sshd_config.d/50-site.conf';
const tree = (files: Record<string, string>): ConfigTree => treeFromFiles(new Map(Object.entries(files)));
const BACKUP = [{ criteria: 'User backup', set: { ClientAliveInterval: '900', PermitTTY: 'no' } }];

describe('keywords inside Match blocks', () => {
  test('the block with these criteria is edited in place; a keyword it lacks goes after its last directive, indented alike', () => {
    const t = tree({ [MAIN]: 'Port 22\nMatch  User backup\n    ClientAliveInterval 0\n\nMatch Group admins\n  PermitTTY yes\n' });
    const plan = planSshd(t, {}, { match: BACKUP });
    expect(plan.edits.map((e) => e.after)).toEqual(['Port 22\nMatch  User backup\n    ClientAliveInterval 900\n    PermitTTY no\n\nMatch Group admins\n  PermitTTY yes\n']);
    expect(planSshd(applyEdits(t, plan.edits), {}, { match: BACKUP }).edits).toEqual([]);
  });

  test('a block in a drop-in is found where sshd reads it', () => {
    const t = tree({ [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\n', [DROP_IN]: 'Match User backup\n\tPermitTTY yes\n' });
    const plan = planSshd(t, {}, { match: BACKUP });
    expect(plan.edits.map((e) => [e.path, e.after])).toEqual([[DROP_IN, 'Match User backup\n\tPermitTTY no\n\tClientAliveInterval 900\n']]);
  });

  test('a block no file has is appended to the main file; global lines still go on top', () => {
    const t = tree({ [MAIN]: 'Port 22' });
    const plan = planSshd(t, { PasswordAuthentication: 'no' }, { match: BACKUP });
    expect(plan.edits[0]?.after).toBe('PasswordAuthentication no\nPort 22\nMatch User backup\n  ClientAliveInterval 900\n  PermitTTY no\n');
  });

  test('an earlier Match block setting the same keyword is reported, not changed', () => {
    const t = tree({ [MAIN]: 'Match Address 10.0.0.0/8\n  PermitTTY yes\nMatch User backup\n  PermitTTY yes\n' });
    const plan = planSshd(t, {}, { match: BACKUP });
    expect(plan.edits[0]?.after).toBe('Match Address 10.0.0.0/8\n  PermitTTY yes\nMatch User backup\n  PermitTTY no\n  ClientAliveInterval 900\n');
    expect(plan.warnings).toContain(`PermitTTY is also set at ${MAIN}:2 in an earlier Match Address 10.0.0.0/8: a connection both select gets that value`);
  });

  test('two blocks in one file: inserting into the first does not move the second edit off its line', () => {
    const t = tree({ [MAIN]: 'Match User a\n  PermitTTY yes\nMatch User b\n  PermitTTY yes\n' });
    const plan = planSshd(t, {}, {
      match: [
        { criteria: 'User a', set: { PermitTTY: 'no', MaxSessions: '2' } },
        { criteria: 'User b', set: { PermitTTY: 'no', MaxSessions: '3' } },
      ],
    });
    expect(plan.edits[0]?.after).toBe('Match User a\n  PermitTTY no\n  MaxSessions 2\nMatch User b\n  PermitTTY no\n  MaxSessions 3\n');
  });

  test('a line the block gets through an Include is edited in the included file (found by the property test)', () => {
    const t = tree({
      [MAIN]: 'Subsystem sftp /usr/lib/openssh/sftp-server\nMatch Address 10.0.0.0/8\n  Include /etc/ssh/sshd_config.d/*.conf',
      '/etc/ssh/sshd_config.d/10-a.conf': 'ClientAliveInterval 0',
    });
    const plan = planSshd(t, {}, { match: [{ criteria: 'Address 10.0.0.0/8', set: { ClientAliveInterval: '30' } }] });
    expect(plan.edits.map((e) => [e.path, e.after])).toEqual([['/etc/ssh/sshd_config.d/10-a.conf', 'ClientAliveInterval 30']]);
  });
});
