import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseReload, parseUnitState, parseUnitStates, signalCommand, type ReloadProbes } from '../../../src/facts/reload.js';

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
    expect(chooseReload(probes, '/run/sshd.pid', undefined)).toEqual({ kind: 'systemd', command: 'systemctl reload ssh.service', restart: 'systemctl restart ssh.service' });
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
    expect(chooseReload(probes, '/var/run/sshd.pid', undefined)).toEqual({ kind: 'signal', command: signalCommand('/var/run/sshd.pid') });
  });

  it('a loaded but inactive unit is not chosen (ssh.socket set-ups, sshd started another way): the live pid is signalled', () => {
    const probes = {
      ...none,
      systemd: true,
      pidAlive: true,
      units: [unit('ssh.service', 'ssh.service', 'loaded', 'inactive'), unit('sshd.service', 'ssh.service', 'loaded', 'inactive')],
    };
    expect(chooseReload(probes, '/run/sshd.pid', undefined)).toEqual({ kind: 'signal', command: signalCommand('/run/sshd.pid') });
  });

  it('OpenRC (Alpine) uses rc-service sshd', () => {
    expect(chooseReload({ ...none, openrc: true, initScripts: ['sshd'] }, '/run/sshd.pid', undefined)).toEqual({
      kind: 'openrc',
      command: 'rc-service sshd reload',
      restart: 'rc-service sshd restart',
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
      restart: 'service ssh restart',
    });
    expect(chooseReload({ ...none, initScripts: ['sshd'] }, '/run/sshd.pid', undefined).command).toBe('/etc/init.d/sshd reload');
  });

  it('quotes an odd pid file path in the signal command', () => {
    expect(chooseReload(none, "/run/my sshd's.pid", undefined).command).toMatch(/^read -r pid < '\/run\/my sshd'\\''s\.pid' && /);
  });
});

describe('the signal reload, run by a real sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-reload-'));
  /** Starts a process whose name (comm) is `name`, which dies on SIGHUP. */
  const start = (name: string) => {
    const program = join(dir, name);
    copyFileSync('/bin/sleep', program);
    execFileSync('chmod', ['755', program]);
    return spawn(program, ['60'], { stdio: 'ignore' });
  };
  const reload = (pidFile: string) => {
    try {
      execFileSync('sh', ['-c', signalCommand(pidFile)], { encoding: 'utf8', stdio: 'pipe' });
      return { code: 0, stderr: '' };
    } catch (error) {
      const e = error as { status: number; stderr: string };
      return { code: e.status, stderr: e.stderr };
    }
  };
  const exited = (child: ReturnType<typeof spawn>) => new Promise<string | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));

  it('signals the pid when that process is sshd', async () => {
    const sshd = start('sshd');
    const gone = exited(sshd);
    writeFileSync(join(dir, 'sshd.pid'), `${sshd.pid}\n`);
    expect(reload(join(dir, 'sshd.pid')).code).toBe(0);
    expect(await gone).toBe('SIGHUP');
  });

  it('a pid file naming another process (a reused pid): no signal, a failure that says why', async () => {
    const other = start('backup-agent');
    writeFileSync(join(dir, 'stale.pid'), `${other.pid}\n`);
    const res = reload(join(dir, 'stale.pid'));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(new RegExp(`pid ${other.pid} in .* is backup-agent, not sshd: not signalled`));
    expect(other.exitCode).toBeNull();
    const gone = exited(other);
    other.kill('SIGTERM');
    expect(await gone).toBe('SIGTERM');
    writeFileSync(join(dir, 'junk.pid'), '1; touch pwned\n');
    expect(reload(join(dir, 'junk.pid')).stderr).toMatch(/holds no pid/);
    rmSync(dir, { recursive: true, force: true });
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
