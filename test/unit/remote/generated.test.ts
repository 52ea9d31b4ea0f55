/**
 * The remote side as files: src/remote/*.sh are what fleet sends (embedded at build time in
 * scripts.generated.ts), every one passes shellcheck as POSIX sh, and so does every script the
 * engine and the facts put together from them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as S from '../../../src/engine/scripts.js';
import { clientFactsScript, USER_HOME_PROBE } from '../../../src/facts/clients.js';
import { factsScript, followUpScript } from '../../../src/facts/script.js';
import { script } from '../../../src/remote/compose.js';
import { REMOTE } from '../../../src/remote/scripts.generated.js';

const root = join(import.meta.dirname, '..', '..', '..');
const shellFiles = readdirSync(join(root, 'src', 'remote')).filter((f) => f.endsWith('.sh'));

describe('src/remote/scripts.generated.ts', () => {
  it('is up to date with the .sh files (npm run build writes it)', () => {
    const res = spawnSync('node', ['scripts/gen-remote-scripts.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
  });
});

describe('shellcheck', () => {
  it.each(shellFiles)('%s passes shellcheck -s sh', (file) => {
    const res = spawnSync('shellcheck', ['-s', 'sh', join(root, 'src', 'remote', file)], { encoding: 'utf8' });
    expect(res.status, res.stdout).toBe(0);
  });

  const file = { path: "/etc/ssh/sshd_config.d/it's.conf", before: 'A 1\n', after: 'A 2\n', diff: '' };
  const composed: [string, string][] = [
    ['lock peek + facts probe', `${S.lockPeekScript(60)}\n${factsScript({ configPath: '/etc/ssh/sshd_config' })}`],
    ['follow-up probe', followUpScript(['/etc/ssh/x/*.conf'], ['/etc/ssh/y.conf'])],
    ['client facts', clientFactsScript(['alice', "o'brien"], true)],
    ['user home probe', USER_HOME_PROBE],
    [
      'apply round trip',
      S.stageScript('/usr/sbin/sshd', '/tmp/fleet-stage-r1-a', '/tmp/fleet-stage-r1-a/sshd_config', new Map([['/tmp/fleet-stage-r1-a/sshd_config', 'A 2\n']]), { ClientAliveInterval: '300' },
        [S.writeCandidatesScript([file], 'r1', '/etc/ssh/sshd_config', true), S.commitScript('/usr/sbin/sshd', '/etc/ssh/sshd_config', [{ file, backup: '/var/backups/fleet/x.fleet-1' }], 'r1', { reload: 'kill -HUP 1', promised: { ClientAliveInterval: '300' } }, true)].join('\n'),
        S.lockScript('r1 c 1', 60), { user: 'root', liveMain: '/etc/ssh/sshd_config', approved: '' }),
    ],
    ['renew', S.renewScript('r1 c 1', 60)],
    ['takeover', S.takeoverScript('r0', 'r1 c 1', 60, true)],
    ['unlock', S.unlockScript('r1 c 1')],
    ['restore', S.restoreScript('/usr/sbin/sshd', '/etc/ssh/sshd_config', 'r1 c 1', true)],
    ['abandon', S.abandonScript('r1 c 1')],
    ['finish', S.finishScript('r1 c 1', ['/etc/ssh/sshd_config'])],
  ];
  // The client file's scripts are made in engine/client.ts from the same bodies and prologue.
  composed.push(
    ['client write', script({ target: "/home/o'b/.ssh/config", dir: "/home/o'b/.ssh", temp: "/home/o'b/.ssh/.config.fleet-tmp-r1", mode: '600', create_dir: true, backup: '-', before: '-', system: false, probe_host: 'x.invalid' }, REMOTE.replace, REMOTE.clientWrite)],
    ['client restore', script({ target: '/etc/ssh/ssh_config.d/50-fleet.conf', dir: '/etc/ssh/ssh_config.d', backup: '/etc/ssh/ssh_config.d/50-fleet.conf.fleet-1' }, REMOTE.replace, REMOTE.clientRestore)],
  );
  // The prologue's values are data (a script, a login line) that shellcheck's quoting hints
  // read as code: SC2016, SC2089 and SC2090 say nothing about them.
  it.each(composed)('the %s script, as sent, passes shellcheck -s sh', (_, text) => {
    const res = spawnSync('shellcheck', ['-s', 'sh', '-e', 'SC2016,SC2089,SC2090', '-'], { input: text, encoding: 'utf8' });
    expect(res.status, res.stdout).toBe(0);
  });

  it('every body is the same bytes whatever fleet passes: only the prologue and the data calls differ', () => {
    const a = S.restoreScript('/usr/sbin/sshd', '/etc/ssh/sshd_config', 'r1 c 1');
    const b = S.restoreScript("/opt/it's/sshd", '/etc/ssh/other', '$(reboot) c 2');
    const body = (s: string): string => s.split('\n').filter((l) => !/^[a-z_]+=/.test(l)).join('\n');
    expect(body(a)).toBe(body(b));
    expect(execFileSync('sh', ['-n'], { input: b })).toBeDefined();
  });
});
