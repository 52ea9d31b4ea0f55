import { describe, expect, it } from 'vitest';
import { chooseReload, parseUnitState, parseUnitStates, type ReloadProbes } from '../../../src/facts/reload.js';

const none: ReloadProbes = { systemd: false, units: [], openrc: false, pidAlive: false, initScripts: [], serviceCommand: false };
const unit = (asked: string, id: string, loadState: string, activeState: string) => ({ asked, id, loadState, activeState });

describe('chooseReload', () => {
  it('the inventory command wins over everything', () => {
    const probes = { ...none, systemd: true, units: [unit('ssh.service', 'ssh.service', 'loaded', 'active')] };
    expect(chooseReload(probes, '/run/sshd.pid', '/usr/local/bin/reload-ssh')).toEqual({
      kind: 'custom',
      command: '/usr/local/bin/reload-ssh',
    });
  });

  it('systemd on Debian: sshd.service resolves to ssh.service', () => {
    const probes = {
      ...none,
      systemd: true,
      pidAlive: true,
      units: [unit('ssh.service', 'ssh.service', 'loaded', 'active'), unit('sshd.service', 'ssh.service', 'loaded', 'active')],
    };
    expect(chooseReload(probes, '/run/sshd.pid', undefined)).toEqual({ kind: 'systemd', command: 'systemctl reload ssh.service' });
  });

  it('systemd on RHEL: only sshd.service exists', () => {
    const probes = {
      ...none,
      systemd: true,
      units: [unit('ssh.service', 'ssh.service', 'not-found', 'inactive'), unit('sshd.service', 'sshd.service', 'loaded', 'active')],
    };
    expect(chooseReload(probes, '/run/sshd.pid', undefined).command).toBe('systemctl reload sshd.service');
  });

  it('systemd without any ssh unit falls back to the pid file', () => {
    const probes = { ...none, systemd: true, pidAlive: true, units: [unit('ssh.service', 'ssh.service', 'not-found', 'inactive')] };
    expect(chooseReload(probes, '/var/run/sshd.pid', undefined)).toEqual({ kind: 'signal', command: 'read -r pid < /var/run/sshd.pid && kill -HUP "$pid"' });
  });

  it('OpenRC (Alpine) uses rc-service sshd', () => {
    expect(chooseReload({ ...none, openrc: true, initScripts: ['sshd'] }, '/run/sshd.pid', undefined)).toEqual({
      kind: 'openrc',
      command: 'rc-service sshd reload',
    });
  });

  it('a live pid file beats an init script (containers, the lab)', () => {
    const probes = { ...none, pidAlive: true, initScripts: ['ssh'], serviceCommand: true };
    expect(chooseReload(probes, '/run/sshd.pid', undefined).kind).toBe('signal');
  });

  it('SysV only when there is an init script and no live pid', () => {
    expect(chooseReload({ ...none, initScripts: ['ssh'], serviceCommand: true }, '/run/sshd.pid', undefined)).toEqual({
      kind: 'sysv',
      command: 'service ssh reload',
    });
    expect(chooseReload({ ...none, initScripts: ['sshd'] }, '/run/sshd.pid', undefined).command).toBe('/etc/init.d/sshd reload');
  });

  it('quotes an odd pid file path in the signal command', () => {
    expect(chooseReload(none, "/run/my sshd's.pid", undefined).command).toBe(`read -r pid < '/run/my sshd'\\''s.pid' && kill -HUP "$pid"`);
  });
});

describe('parseUnitState', () => {
  it('reads systemctl show output in any order', () => {
    expect(parseUnitState('sshd.service', 'LoadState=loaded\nActiveState=active\nId=ssh.service\n')).toEqual(
      unit('sshd.service', 'ssh.service', 'loaded', 'active'),
    );
    expect(parseUnitState('x.service', '')).toEqual(unit('x.service', 'x.service', 'not-found', 'inactive'));
  });
});

describe('parseUnitStates', () => {
  it('splits one systemctl show for several units into blocks, in the order asked', () => {
    const text = 'Id=ssh.service\nLoadState=loaded\nActiveState=active\n\nId=sshd.service\nLoadState=not-found\nActiveState=inactive\n';
    expect(parseUnitStates(['ssh.service', 'sshd.service'], text)).toEqual([
      unit('ssh.service', 'ssh.service', 'loaded', 'active'),
      unit('sshd.service', 'sshd.service', 'not-found', 'inactive'),
    ]);
    expect(parseUnitStates(['ssh.service'], '')).toEqual([]);
  });
});
