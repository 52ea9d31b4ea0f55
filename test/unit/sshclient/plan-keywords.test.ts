/**
 * The client planner for any keyword of the table: first-value keywords edited in place with all
 * their arguments, list keywords as whole lines, accumulating ones by members.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planSshClient } from '../../../src/core/sshclient/index.js';
import { check } from '../../../src/engine/client.js';
import { printedValues } from '../../../src/core/printed-config.js';

const PATH = '/home/ann/.ssh/config';
const HOME = '/home/ann';
const plan = (text: string | null, desired: Record<string, string>, members?: Record<string, { present: string[]; absent: string[] }>) =>
  planSshClient(PATH, text, desired, { home: HOME, ...(members ? { members } : {}) });

describe('planSshClient with any keyword', () => {
  test('values already right in ssh -G terms need no edit (true = yes, ControlMaster yes = true, 1m = 60)', () => {
    expect(plan('Host *\n  Compression true\n  ControlMaster yes\n  ConnectTimeout 1m\n', { Compression: 'yes', ControlMaster: 'yes', ConnectTimeout: '60' }).edit).toBeNull();
    expect(plan('UserKnownHostsFile ~/.ssh/kh\n', { UserKnownHostsFile: '/home/ann/.ssh/kh' }).edit).toBeNull();
  });

  test('a list keyword: its first line every host reads is replaced whole, in place', () => {
    const p = plan('Host *\n  UserKnownHostsFile ~/.ssh/a ~/.ssh/b # mine\n  UserKnownHostsFile /ignored\n', { UserKnownHostsFile: '~/.ssh/known_hosts /etc/ssh/extra' });
    expect(p.edit?.after).toBe('Host *\n  UserKnownHostsFile ~/.ssh/known_hosts /etc/ssh/extra # mine\n  UserKnownHostsFile /ignored\n');
  });

  test('an enumeration and an algorithm list go at the end of a trailing Host * block', () => {
    const p = plan('Host web\n  User a\n', { StrictHostKeyChecking: 'accept-new', Ciphers: 'aes256-gcm@openssh.com,chacha20-poly1305@openssh.com' });
    expect(p.edit?.after).toBe('Host web\n  User a\n\nHost *\n  StrictHostKeyChecking accept-new\n  Ciphers aes256-gcm@openssh.com,chacha20-poly1305@openssh.com\n');
  });

  test('accumulating keywords: present members appended once, absent ones removed from every universal line', () => {
    const text = 'Host *\n  SendEnv LANG TZ\n  IdentityFile ~/.ssh/old\nHost db\n  SendEnv TZ\n';
    const p = plan(text, { LocalForward: '8080 localhost:80' }, { SendEnv: { present: ['LANG', 'LC_ALL'], absent: ['TZ'] }, IdentityFile: { present: ['~/.ssh/id_ed25519'], absent: ['~/.ssh/old'] } });
    expect(p.edit?.after).toBe(
      'Host *\n  SendEnv LANG\n#  IdentityFile ~/.ssh/old\nHost db\n  SendEnv TZ\n\nHost *\n  LocalForward 8080 localhost:80\n  SendEnv LC_ALL\n  IdentityFile ~/.ssh/id_ed25519\n',
    );
    expect(p.warnings).toEqual([
      `SendEnv TZ for Host db at ${PATH}:5 stays: those hosts keep their own lines`,
      `IdentityFile ~/.ssh/old at ${PATH}:3 is commented out: it had only members the policy removes`,
    ]);
    // A forward already there in another spelling ([host]:port) is the same member.
    expect(plan('LocalForward 8080 [localhost]:80\n', { LocalForward: '8080 localhost:80' }).edit).toBeNull();
  });

  test('property: a second plan of the planned file changes nothing, for any mix of members', () => {
    const name = fc.constantFrom('LANG', 'LC_ALL', 'TZ', 'EDITOR', 'PAGER');
    const line = fc.tuple(fc.constantFrom('', 'Host *\n', 'Host db\n', 'Match all\n'), fc.array(name, { minLength: 1, maxLength: 3 })).map(([head, names]) => `${head}SendEnv ${names.join(' ')}\n`);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 5 }), fc.uniqueArray(name, { maxLength: 3 }), fc.uniqueArray(name, { maxLength: 3 }), (lines, present, absentAll) => {
        const absent = absentAll.filter((n) => !present.includes(n));
        const text = lines.join('');
        const first = plan(text, {}, { SendEnv: { present, absent } });
        const again = plan(first.edit?.after ?? text, {}, { SendEnv: { present, absent } });
        expect(again.edit).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

describe('the proof after a write compares ssh -G lines', () => {
  const shown = Object.fromEntries(printedValues('setenv A=1\nsetenv B=2\nsendenv LANG\nsendenv LC_*\nciphers aes128-ctr,aes256-ctr,aes128-cbc\ncompression yes\n'));
  test('exact values, SetEnv as all its lines', () => {
    expect(check({ promised: { compression: 'yes', setenv: 'A=1 B=2' } }, shown)).toBeNull();
    expect(check({ promised: { compression: 'no' } }, shown)).toBe('compression is yes, promised no');
  });
  test('members, split as ssh prints them', () => {
    expect(check({ promised: {}, promisedMembers: { sendenv: { present: ['LANG'], absent: ['TZ'], split: 'line' }, ciphers: { present: ['aes128-cbc'], absent: [], split: 'comma' } } }, shown)).toBeNull();
    expect(check({ promised: {}, promisedMembers: { sendenv: { present: ['TZ'], absent: ['LANG'], split: 'line' } } }, shown)).toBe(
      'sendenv lacks TZ; sendenv still has LANG (another file ssh reads, such as /etc/ssh/ssh_config, may add it)',
    );
  });
});
