/**
 * The lock-out guard's verdict on `sshd -T -C` outputs recorded from the real sshd (OpenSSH
 * 9.2, the lines of LOGIN_KEYWORDS only): the login fleet uses is root with a key from
 * 127.0.0.1 onto 127.0.1.3 port 22 unless a case says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { lockoutReason, mayChangeLogin, parseConnection, type LoginInUse } from '../../../src/core/lockout.js';

/** `HostKey …` alone: the defaults. */
const DEFAULTS = `port 22
listenaddress [::]:22
listenaddress 0.0.0.0:22
permitrootlogin without-password
pubkeyauthentication yes
authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2
authenticationmethods any`;

/** ListenAddress 127.0.1.3:22 and :2222, AllowUsers root@127.0.0.0/8 deploy, DenyGroups wheel adm, two method lists, a second key file; Match User root Address 127.0.0.1 → PermitRootLogin no. */
const MATCHED = `port 22
listenaddress 127.0.1.3:22
listenaddress 127.0.1.3:2222
permitrootlogin no
pubkeyauthentication yes
authorizedkeysfile .ssh/authorized_keys /etc/ssh/keys/%u
allowusers root@127.0.0.0/8
allowusers deploy
denygroups wheel
denygroups adm
authenticationmethods publickey,password publickey`;

const ROOT: LoginInUse = { user: 'root', groups: ['root'], clientAddr: '127.0.0.1', serverAddr: '127.0.1.3', serverPort: '22' };
const DEPLOY: LoginInUse = { user: 'deploy', groups: ['deploy', 'sudo'], clientAddr: '10.0.0.7', serverAddr: '127.0.1.3', serverPort: '22' };

/** DEFAULTS with `keyword value` lines replaced (or added). */
function withLines(base: string, ...set: string[]): string {
  const keys = new Set(set.map((l) => l.split(' ')[0]));
  return [...base.split('\n').filter((l) => !keys.has(l.split(' ')[0])), ...set].join('\n');
}

describe('lockoutReason', () => {
  it('lets the defaults in, for root and for another user', () => {
    expect(lockoutReason(DEFAULTS, DEFAULTS, ROOT)).toBeNull();
    expect(lockoutReason(DEFAULTS, DEFAULTS, DEPLOY)).toBeNull();
  });

  it('refuses PermitRootLogin no (here from a Match block) and forced-commands-only for root only', () => {
    expect(lockoutReason(MATCHED, DEFAULTS, ROOT)).toBe("PermitRootLogin no would refuse fleet's own login as root from 127.0.0.1");
    expect(lockoutReason(withLines(DEFAULTS, 'permitrootlogin forced-commands-only'), DEFAULTS, ROOT)).toMatch(/^PermitRootLogin forced-commands-only/);
    expect(lockoutReason(withLines(DEFAULTS, 'permitrootlogin no'), DEFAULTS, DEPLOY)).toBeNull();
  });

  it('AllowUsers: user@CIDR and plain patterns, the host part matched on the controller address', () => {
    const allowed = MATCHED.replace('permitrootlogin no', 'permitrootlogin without-password').replace(/denygroups.*\n/g, '');
    expect(lockoutReason(allowed, allowed, ROOT)).toBeNull();
    const open = allowed.replace(/allowusers.*\n/g, '');
    expect(lockoutReason(allowed, open, { ...ROOT, clientAddr: '10.1.1.1' })).toMatch(/^AllowUsers root@127\.0\.0\.0\/8 deploy would refuse fleet's own login as root from 10\.1\.1\.1/);
    expect(lockoutReason(allowed, allowed, { ...DEPLOY, groups: ['deploy'] })).toBeNull();
    expect(lockoutReason(withLines(DEFAULTS, 'allowusers dep*'), DEFAULTS, DEPLOY)).toBeNull();
    expect(lockoutReason(withLines(DEFAULTS, 'allowusers d?ploy@10.0.0.*'), DEFAULTS, DEPLOY)).toBeNull();
  });

  it('DenyUsers and the group lists against every group of the user', () => {
    expect(lockoutReason(withLines(DEFAULTS, 'denyusers ro*'), DEFAULTS, ROOT)).toBe("DenyUsers ro* would refuse fleet's own login as root from 127.0.0.1");
    expect(lockoutReason(withLines(DEFAULTS, 'denyusers root@10.0.0.0/8'), DEFAULTS, ROOT)).toBeNull();
    expect(lockoutReason(withLines(DEFAULTS, 'denygroups sudo'), DEFAULTS, DEPLOY)).toMatch(/^DenyGroups sudo would refuse fleet's own login as deploy .*\(groups deploy sudo\)/);
    expect(lockoutReason(withLines(DEFAULTS, 'allowgroups admins'), DEFAULTS, DEPLOY)).toMatch(/^AllowGroups admins would refuse/);
    expect(lockoutReason(withLines(DEFAULTS, 'allowgroups su*'), DEFAULTS, DEPLOY)).toBeNull();
  });

  it('PubkeyAuthentication no, and AuthenticationMethods with no list publickey alone satisfies', () => {
    expect(lockoutReason(withLines(DEFAULTS, 'pubkeyauthentication no'), DEFAULTS, ROOT)).toMatch(/^PubkeyAuthentication no would refuse/);
    expect(lockoutReason(withLines(DEFAULTS, 'authenticationmethods publickey,password'), DEFAULTS, ROOT)).toMatch(/^AuthenticationMethods publickey,password would refuse .*publickey alone/);
    expect(lockoutReason(withLines(DEFAULTS, 'authenticationmethods publickey,password publickey'), DEFAULTS, ROOT)).toBeNull();
    expect(lockoutReason(withLines(DEFAULTS, 'authenticationmethods keyboard-interactive'), DEFAULTS, ROOT)).toMatch(/^AuthenticationMethods/);
  });

  it('AuthorizedKeysFile may drop only live paths that hold no file for the user', () => {
    const keys = withLines(DEFAULTS, 'authorizedkeysfile .ssh/authorized_keys .ssh/fleet_keys');
    expect(lockoutReason(keys, DEFAULTS, ROOT, new Set(['.ssh/authorized_keys']))).toBeNull();
    expect(lockoutReason(keys, DEFAULTS, ROOT, new Set(['.ssh/authorized_keys', '.ssh/authorized_keys2']))).toMatch(/^AuthorizedKeysFile \.ssh\/authorized_keys \.ssh\/fleet_keys would drop \.ssh\/authorized_keys2, which exists for fleet's own login as root/);
    expect(lockoutReason(withLines(DEFAULTS, 'authorizedkeysfile /etc/ssh/keys/%u'), DEFAULTS, ROOT, new Set(['.ssh/authorized_keys']))).toMatch(/would drop \.ssh\/authorized_keys,/);
  });

  it('AuthorizedKeysFile without knowing which files exist must keep every live path (reordered or grown is fine)', () => {
    expect(lockoutReason(withLines(DEFAULTS, 'authorizedkeysfile .ssh/authorized_keys'), DEFAULTS, ROOT)).toMatch(/^AuthorizedKeysFile \.ssh\/authorized_keys would drop \.ssh\/authorized_keys2/);
    expect(lockoutReason(withLines(DEFAULTS, 'authorizedkeysfile none'), DEFAULTS, ROOT)).toMatch(/^AuthorizedKeysFile none would drop/);
    expect(lockoutReason(withLines(DEFAULTS, 'authorizedkeysfile .ssh/authorized_keys2 .ssh/x .ssh/authorized_keys'), DEFAULTS, ROOT)).toBeNull();
  });

  it('Port and ListenAddress must still take the connection: its port, on its address or a wildcard', () => {
    const moved = withLines(DEFAULTS, 'port 2222', 'listenaddress [::]:2222', 'listenaddress 0.0.0.0:2222');
    expect(lockoutReason(moved.replace(/listenaddress .*:22\n/g, ''), DEFAULTS, ROOT)).toMatch(/^Port 2222 would drop port 22/);
    const elsewhere = withLines(DEFAULTS, 'listenaddress 127.0.1.9:22');
    expect(lockoutReason(elsewhere, DEFAULTS, ROOT)).toMatch(/^ListenAddress 127\.0\.1\.9:22 would drop 127\.0\.1\.3 port 22/);
    const noMatch = MATCHED.replace('permitrootlogin no', 'permitrootlogin yes').replace(/denygroups.*\n/g, '');
    expect(lockoutReason(noMatch, noMatch, ROOT)).toBeNull();
    expect(lockoutReason(noMatch, noMatch, { ...ROOT, serverPort: '2222' })).toBeNull();
    expect(lockoutReason(noMatch, `${noMatch}\nlistenaddress 127.0.1.3:2200`, { ...ROOT, serverPort: '2200' })).toMatch(/would drop port 2200/);
  });

  it('a check the live config fails too is not held against the candidate (the login got in by what sshd -T does not show)', () => {
    // sshd started with -o ListenAddress=127.0.1.3: the files alone say 127.0.1.9.
    const live = withLines(DEFAULTS, 'listenaddress 127.0.1.9:22');
    expect(lockoutReason(withLines(live, 'denyusers nobody'), live, ROOT)).toBeNull();
    expect(lockoutReason(withLines(live, 'denyusers root'), live, ROOT)).toMatch(/^DenyUsers root/);
  });
});

describe('parseConnection', () => {
  it('reads $SSH_CONNECTION, and nothing else', () => {
    expect(parseConnection('127.0.0.1 53412 127.0.1.3 22\n')).toEqual({ clientAddr: '127.0.0.1', serverAddr: '127.0.1.3', serverPort: '22' });
    expect(parseConnection('::1 40000 ::1 2222')).toEqual({ clientAddr: '::1', serverAddr: '::1', serverPort: '2222' });
    expect(parseConnection('')).toBeNull();
    expect(parseConnection('a b c')).toBeNull();
  });
});

describe('when the guard has something to judge', () => {
  it('only policies that name a login keyword (or a Match block) can change the login lines', () => {
    expect(mayChangeLogin({ sshd: { ClientAliveInterval: '298', ClientAliveCountMax: '50' } })).toBe(false);
    expect(mayChangeLogin({ sshd: { PermitRootLogin: 'no' } })).toBe(true);
    expect(mayChangeLogin({ sshd: {}, sshdMembers: { DenyUsers: {} } })).toBe(true);
    expect(mayChangeLogin({ sshd: { Port: '22' } })).toBe(true);
    expect(mayChangeLogin({ sshd: { X11Forwarding: 'no' }, sshdMatch: [{ criteria: 'User backup', set: { PermitTTY: 'no' } }] })).toBe(true);
  });
});
