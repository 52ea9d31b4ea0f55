import { describe, expect, it, test } from 'vitest';
import { FleetError } from '../../../src/core/errors.js';
import { explainEntry, planHost } from '../../../src/core/host-plan.js';
import type { HostFacts } from '../../../src/facts/index.js';
import { treeFromFiles } from '../sshd/fixture-tree.js';

const MAIN = '/etc/ssh/sshd_config';

function facts(text: string, version: string, effective: Record<string, string> | null = null): HostFacts {
  return {
    sshdBinary: '/usr/sbin/sshd',
    sshdVersion: version,
    tree: treeFromFiles(new Map([[MAIN, text]])),
    effective,
    configError: null,
    effectiveError: null,
    pidFile: '/run/sshd.pid',
    reload: { kind: 'signal', command: 'kill -HUP 1' },
  };
}

describe('planning a host with any keyword', () => {
  test('a keyword the host sshd does not know fails the host, naming the releases that know it', () => {
    const plan = (): unknown => planHost(facts('Port 22\n', 'OpenSSH_8.4p1'), { sshd: { ModuliFile: '/etc/ssh/moduli', PasswordAuthentication: 'no' } });
    expect(plan).toThrow(FleetError);
    expect(plan).toThrow("this host's sshd (OpenSSH_8.4p1) does not know ModuliFile (known to OpenSSH 8.6+); nothing was changed");
    expect(() => planHost(facts('Port 22\n', 'OpenSSH_8.6p1'), { sshd: { ModuliFile: '/etc/ssh/moduli' } })).not.toThrow();
  });

  test('promises are in the form this release of sshd -T prints', () => {
    const policy = { sshd: { PermitRootLogin: 'prohibit-password', LoginGraceTime: '60', MaxStartups: '10', AcceptEnv: 'LANG LC_*', Ciphers: '+aes128-cbc' } };
    expect(planHost(facts('Port 22\n', 'OpenSSH_9.2p1'), policy).promised).toEqual({
      PermitRootLogin: 'without-password',
      LoginGraceTime: '60',
      MaxStartups: '10:30:10',
      // sshd -T prints one line per member; the first is the one promised.
      AcceptEnv: 'LANG',
    });
    expect(planHost(facts('Port 22\n', 'OpenSSH_10.1p1'), policy).promised['PermitRootLogin']).toBe('prohibit-password');
  });

  test('drift is read from sshd -T in its own form', () => {
    const live = { permitrootlogin: 'without-password', maxstartups: '10:30:100', acceptenv: 'LANG' };
    const text = 'PermitRootLogin prohibit-password\nMaxStartups 10:30:100\nAcceptEnv LANG\n';
    const plan = planHost(facts(text, 'OpenSSH_9.2p1', live), {
      sshd: { PermitRootLogin: 'prohibit-password', MaxStartups: '10:30:100' },
      sshdMembers: { AcceptEnv: { present: ['LANG'], absent: [] } },
    });
    expect(plan.drift).toEqual([]);
    expect(plan.files).toEqual([]);
    expect(plan.warnings).toEqual([]);
  });

  test('members the files lack are planned and explained, and named nowhere as an unprovable promise', () => {
    const plan = planHost(facts('AcceptEnv LANG XMODIFIERS\n', 'OpenSSH_9.2p1', { acceptenv: 'LANG' }), {
      sshd: { Ciphers: '+aes128-cbc' },
      sshdMembers: { AcceptEnv: { present: ['LANG', 'COLORTERM'], absent: ['XMODIFIERS'] } },
    });
    expect(plan.explain).toEqual([
      'Ciphers (default) sshd default (not set) → +aes128-cbc',
      'AcceptEnv LANG XMODIFIERS from /etc/ssh/sshd_config:1 → +COLORTERM -XMODIFIERS',
    ]);
    expect(plan.files[0]?.after).toBe('Ciphers +aes128-cbc\nAcceptEnv COLORTERM\nAcceptEnv LANG\n');
    expect(plan.promised).toEqual({});
    expect(plan.drift).toEqual([]);
  });

  test('a keyword this release does not allow inside Match fails the host at plan time', () => {
    const policy = { sshd: {}, sshdMatch: [{ criteria: 'User backup', set: { Subsystem: 'sftp internal-sftp' } }] };
    expect(() => planHost(facts('Port 22\n', 'OpenSSH_9.2p1'), policy)).toThrow(
      "this host's sshd (OpenSSH_9.2p1) does not allow Subsystem (in Match from OpenSSH 9.5+) inside Match; nothing was changed",
    );
    expect(planHost(facts('Port 22\n', 'OpenSSH_9.5p1'), policy).files[0]?.after).toBe('Port 22\nMatch User backup\n  Subsystem sftp internal-sftp\n');
  });
});

describe('explain', () => {
  it('names a default the table does not hold by what the host\'s sshd -T prints', () => {
    const entry = { value: undefined, origin: null, shadowed: [], matchOverrides: [] } as unknown as Parameters<typeof explainEntry>[1];
    expect(explainEntry('PermitTunnel', entry, 'no', 'sshd', 'no')).toBe('PermitTunnel no sshd default (not set) (ok)');
    expect(explainEntry('PermitTunnel', entry, 'no')).toBe('PermitTunnel (default) sshd default (not set) → no');
  });
});
