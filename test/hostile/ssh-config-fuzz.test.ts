/**
 * Arbitrary text as the controller's ~/.ssh/config (and as a file it includes): resolving a
 * host either gives an answer or a ConfigError naming a file, never another exception, and
 * stays cheap on long lines and many lines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { applySshConfig, lexSshConfig, resolveSshConfig, type SshConfigSet, type SshEnvironment } from '../../src/core/sshconfig/index.js';

const env: SshEnvironment = { home: '/home/op', localUser: 'op', uid: 1000, hostname: 'ctl', env: { HOME: '/home/op' } };
const MAIN = '/home/op/.ssh/config';
const INCLUDED = '/home/op/.ssh/conf.d/a.conf';

function set(main: string, included: string): SshConfigSet {
  return {
    roots: [{ path: MAIN, user: true, checkPermissions: true }],
    files: new Map([
      [MAIN, { path: MAIN, display: '~/.ssh/config', lines: lexSshConfig(main) }],
      [INCLUDED, { path: INCLUDED, display: '~/.ssh/conf.d/a.conf', lines: lexSshConfig(included) }],
    ]),
    globs: new Map([['/home/op/.ssh/conf.d/*.conf', [INCLUDED]]]),
  };
}

const words = fc.constantFrom('Host', 'Match', 'Include conf.d/*.conf', 'HostName', 'User', 'Port', 'IdentityFile', 'ProxyJump', 'ProxyCommand', 'UserKnownHostsFile', 'ConnectTimeout', 'exec', 'host', 'final', 'all', '!', '*', '%h', '%', '${', '"', '=', ',', '@', ':', '[', ']', '#', ' ', '\t', '\n', '\r\n', 'web', '22', 'none');
const configish = fc.oneof(fc.string({ maxLength: 300 }), fc.array(words, { maxLength: 80 }).map((w) => w.join(' ')), fc.array(words, { maxLength: 80 }).map((w) => w.join('')));

function outcome(run: () => unknown): 'ok' | 'refused' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.diagnostics[0]?.file).toMatch(/^(~\/\.ssh\/config|~\/\.ssh\/conf\.d\/a\.conf|inventory)/);
    return 'refused';
  }
}

describe('arbitrary ssh_config text', () => {
  it('resolves or is refused with a ConfigError naming the file', () => {
    fc.assert(
      fc.property(configish, configish, fc.constantFrom('web', 'WEB', '10.0.0.1', 'a,b'), (main, included, host) => {
        const s = set(`Include conf.d/*.conf\n${main}`, included);
        outcome(() => resolveSshConfig(s, env, { host }));
        outcome(() => applySshConfig({ name: host, address: host, port: 22, user: 'op', become: false, sshdConfigPath: '/etc/ssh/sshd_config', groups: [] }, s, env));
      }),
      { numRuns: 3000 },
    );
  });

  it('long lines and many lines stay cheap (every host reads every line)', () => {
    const long = `Host ${'w*'.repeat(20_000)}x\n  HostName ${'%h'.repeat(10_000)}\n`;
    const many = Array.from({ length: 20_000 }, (_, i) => `Host h${i}\n  User u${i}\n`).join('');
    const s = set(long + many, '');
    expect(resolveSshConfig(s, env, { host: 'h19999' }).user.value).toBe('u19999');
  });
});
