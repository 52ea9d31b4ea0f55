import { describe, expect, test } from 'vitest';
import { applyEdits, planSshd, type ConfigTree } from '../../../src/core/sshd/index.js';
import type { PlanOptions } from '../../../src/core/sshd/plan.js';
import { treeFromFiles } from './fixture-tree.js';

const MAIN = '/etc/ssh/sshd_config';
const DROP_IN = '/etc/ssh/sshd_config.d/50-site.conf';
const tree = (files: Record<string, string>): ConfigTree => treeFromFiles(new Map(Object.entries(files)));
const files = (t: ConfigTree, desired: Record<string, string>, options?: PlanOptions): Record<string, string | undefined> => {
  const edited = applyEdits(t, planSshd(t, desired, options).edits);
  return Object.fromEntries([...edited.files].map(([p, text]) => [p, text]));
};

describe('single values, first value wins, in sshd -T form', () => {
  test('an equivalent value is left alone (1m = 60, all = yes, prohibit-password = without-password)', () => {
    const t = tree({ [MAIN]: 'LoginGraceTime 60\nAllowTcpForwarding yes\nPermitRootLogin without-password\nLogLevel info\n' });
    const plan = planSshd(t, { LoginGraceTime: '60', AllowTcpForwarding: 'all', PermitRootLogin: 'prohibit-password', LogLevel: 'INFO' }, { version: [9, 2] });
    expect(plan.edits).toEqual([]);
  });

  test('the first occurrence is edited in place, wherever it lives; a multi-argument value replaces every argument', () => {
    const t = tree({
      [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\nRekeyLimit default none\n',
      [DROP_IN]: 'PasswordAuthentication yes # cloud-init\nAuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2\n',
    });
    expect(files(t, { PasswordAuthentication: 'no', RekeyLimit: '1G 1h', AuthorizedKeysFile: '.ssh/authorized_keys' })).toEqual({
      [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\nRekeyLimit 1G 1h\n',
      [DROP_IN]: 'PasswordAuthentication no # cloud-init\nAuthorizedKeysFile .ssh/authorized_keys\n',
    });
  });

  test('MaxStartups: before 10.1 every line overwrites the one before, so the last is edited; from 10.1 the first', () => {
    const t = tree({ [MAIN]: 'MaxStartups 10\nMaxStartups 20:30:100\n' });
    expect(files(t, { MaxStartups: '10:30:60' }, { version: [9, 2] })[MAIN]).toBe('MaxStartups 10\nMaxStartups 10:30:60\n');
    expect(files(t, { MaxStartups: '10:30:60' }, { version: [10, 1] })[MAIN]).toBe('MaxStartups 10:30:60\nMaxStartups 20:30:100\n');
  });

  test('Subsystem is keyed by its name', () => {
    const t = tree({ [MAIN]: 'Subsystem other /bin/other\nSubsystem sftp /usr/lib/openssh/sftp-server\n' });
    expect(files(t, { Subsystem: 'sftp internal-sftp' })[MAIN]).toBe('Subsystem other /bin/other\nSubsystem sftp internal-sftp\n');
  });

  test('a keyword nothing sets is added before the first directive', () => {
    const t = tree({ [MAIN]: '# site\nInclude /etc/ssh/sshd_config.d/*.conf\n' });
    expect(files(t, { Ciphers: 'aes256-gcm@openssh.com,chacha20-poly1305@openssh.com' })[MAIN]).toBe(
      '# site\nCiphers aes256-gcm@openssh.com,chacha20-poly1305@openssh.com\nInclude /etc/ssh/sshd_config.d/*.conf\n',
    );
  });
});

describe('accumulating keywords', () => {
  const t = tree({
    [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nAcceptEnv LANG LC_*\nAcceptEnv XMODIFIERS\nMatch User backup\n  AcceptEnv TZ LANG\n',
    [DROP_IN]: 'AcceptEnv GIT_*\n',
  });

  test('an exact list becomes one line in the winning place; every other global line is commented out and reported', () => {
    const plan = planSshd(t, { AcceptEnv: 'LANG TZ' });
    expect(files(t, { AcceptEnv: 'LANG TZ' })).toEqual({
      [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\n#AcceptEnv LANG LC_*\n#AcceptEnv XMODIFIERS\nMatch User backup\n  AcceptEnv TZ LANG\n',
      [DROP_IN]: 'AcceptEnv LANG TZ\n',
    });
    expect(plan.warnings).toContain(`AcceptEnv LANG LC_* at ${MAIN}:2 is commented out: the whole list is now ${DROP_IN}:1`);
    expect(plan.after.AcceptEnv?.value).toBe('LANG TZ');
  });

  test('present adds one line with the missing members; absent removes members from every line of every file', () => {
    const plan = planSshd(t, {}, { members: { AcceptEnv: { present: ['LANG', 'COLORTERM'], absent: ['LANG_BAD', 'XMODIFIERS', 'TZ'] } } });
    expect(files(t, {}, { members: { AcceptEnv: { present: ['LANG', 'COLORTERM'], absent: ['XMODIFIERS', 'TZ'] } } })).toEqual({
      [MAIN]: 'AcceptEnv COLORTERM\nInclude /etc/ssh/sshd_config.d/*.conf\nAcceptEnv LANG LC_*\n#AcceptEnv XMODIFIERS\nMatch User backup\n  AcceptEnv LANG\n',
      [DROP_IN]: 'AcceptEnv GIT_*\n',
    });
    expect(plan.warnings).toContain(`AcceptEnv XMODIFIERS at ${MAIN}:3 is commented out: it had only members the policy removes`);
  });

  test('planning the result again changes nothing', () => {
    const options = { members: { AcceptEnv: { present: ['COLORTERM'], absent: ['XMODIFIERS'] } } };
    const once = applyEdits(t, planSshd(t, { AllowUsers: 'root deploy' }, options).edits);
    expect(planSshd(once, { AllowUsers: 'root deploy' }, options).edits).toEqual([]);
  });
});
