/**
 * fleet's ssh_config resolution against the real `ssh -G -F file host` (Debian's OpenSSH 9.2)
 * on hand-written and generated configs: Host patterns with negation and wildcards, Match
 * host/originalhost/user/localuser/all/canonical/final, Include globs relative to ~/.ssh, first
 * value wins, tokens, `~`, several IdentityFile lines, ProxyJump chains and `none`. IdentityFile
 * expansion, which `ssh -G` prints unexpanded, is checked against the paths `ssh -v` opens.
 *
 * Never reads the machine's ~/.ssh: HOME is a temp dir and every config is given with -F.
 * ssh takes `~` and `%d` from the passwd entry (/root here) where fleet takes $HOME, so ssh's
 * paths under the passwd home are read as paths under HOME before comparing.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSshConfig, sshEnvironment } from '../../../src/cli/ssh-config.js';
import { ConfigError } from '../../../src/core/errors.js';
import { printedValues } from '../../../src/core/printed-config.js';
import { resolveSshConfig, type SshQuery, type SshResolution } from '../../../src/core/sshconfig/index.js';

const PASSWD_HOME = userInfo().homedir;
let home: string;
let dir: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'fleet-sshg-home-'));
  dir = mkdtempSync(join(tmpdir(), 'fleet-sshg-'));
  mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true, mode: 0o700 });
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

/** The keywords fleet resolves, as `ssh -G` prints them. */
const KEYWORDS = ['user', 'hostname', 'port', 'identityfile', 'certificatefile', 'identitiesonly', 'proxyjump', 'proxycommand', 'hostkeyalias', 'userknownhostsfile', 'globalknownhostsfile', 'connecttimeout'] as const;
type Dump = Partial<Record<(typeof KEYWORDS)[number], string[]>>;

/** ssh's paths under the passwd home (from `~` or `%d`, anywhere in a value) stand for the same paths under HOME. */
function underHome(value: string): string {
  return value.replace(new RegExp(`${PASSWD_HOME.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![A-Za-z0-9.-])`, 'g'), home);
}

function queryArgs(q: SshQuery): string[] {
  const args: string[] = [];
  if (q.user) args.push('-o', `User=${q.user.value}`);
  if (q.port) args.push('-o', `Port=${q.port.value}`);
  if (q.identityFile) args.push('-o', `IdentityFile=${q.identityFile.value}`);
  if (q.proxyJump) args.push('-o', `ProxyJump=${q.proxyJump.value}`);
  if (q.connectTimeout) args.push('-o', `ConnectTimeout=${q.connectTimeout.value}`);
  return args;
}

/** `ssh -G`, or null when ssh refuses the config. */
function sshG(config: string, q: SshQuery): { dump: Dump | null; stderr: string } {
  const run = spawnSync('ssh', ['-G', '-F', config, ...queryArgs(q), '--', q.host], { env: { PATH: process.env['PATH'], HOME: home }, encoding: 'utf8' });
  if (run.status !== 0) return { dump: null, stderr: run.stderr };
  const dump: Dump = {};
  for (const [keyword, values] of printedValues(run.stdout)) {
    const key = keyword as (typeof KEYWORDS)[number];
    if (KEYWORDS.includes(key)) dump[key] = key === 'userknownhostsfile' ? values.map(underHome) : values;
  }
  return { dump, stderr: run.stderr };
}

/** fleet's resolution printed as `ssh -G` prints those keywords. */
function asDump(r: SshResolution): Dump {
  const dump: Dump = {
    user: [r.user.value],
    hostname: [r.hostname.value],
    port: [String(r.port.value)],
    identitiesonly: [r.identitiesOnly.value ? 'yes' : 'no'],
    identityfile: r.identityFiles.map((k) => k.raw),
    globalknownhostsfile: [r.globalKnownHostsFiles.value.length === 0 ? 'none' : r.globalKnownHostsFiles.value.join(' ')],
    userknownhostsfile: [r.userKnownHostsFiles.value.length === 0 ? 'none' : r.userKnownHostsFiles.value.join(' ')],
    connecttimeout: [r.connectTimeout.value === null ? 'none' : String(r.connectTimeout.value)],
  };
  if (r.certificateFiles.length > 0) dump.certificatefile = r.certificateFiles.map((k) => k.raw);
  if (r.proxyJump) dump.proxyjump = [r.proxyJump.text];
  else if (r.proxyCommand) dump.proxycommand = [r.proxyCommand.value];
  if (r.hostKeyAlias) dump.hostkeyalias = [r.hostKeyAlias.value];
  return dump;
}

async function fleetG(config: string, q: SshQuery): Promise<{ dump: Dump | null; error?: ConfigError }> {
  const env = sshEnvironment(home, userInfo().username);
  try {
    const set = await loadSshConfig(env, config);
    return { dump: asDump(resolveSshConfig(set, env, q)) };
  } catch (error) {
    if (error instanceof ConfigError) return { dump: null, error };
    throw error;
  }
}

let configCount = 0;
function config(text: string): string {
  const file = join(dir, `config${++configCount}`);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

async function expectSameAsSsh(file: string, q: SshQuery): Promise<Dump | null> {
  const ssh = sshG(file, q);
  const ours = await fleetG(file, q);
  if (ssh.dump === null) {
    expect(ours.error, `ssh refused ${file} for ${q.host} (${ssh.stderr.trim()}); fleet must refuse too`).toBeInstanceOf(ConfigError);
    return null;
  }
  expect(ours.error, `fleet refused what ssh accepts: ${ours.error?.message}`).toBeUndefined();
  expect(ours.dump, `${file} for ${q.host} ${JSON.stringify(queryArgs(q))}`).toEqual(ssh.dump);
  return ours.dump;
}

const given = <T>(value: T) => ({ value, origin: 'inventory.yml:1' });

describe('resolution equals ssh -G', () => {
  it('Host patterns: wildcards, negation, several patterns, case; first value wins', async () => {
    const file = config(`# global values come first for every host
Port 2201
Host web* !web-db
  HostName %h.example.com
  User deploy
Host web-db db?
  HostName 10.0.0.%%
  User dba
  Port 5522
Host *.example.com WEB1
  User late
  IdentityFile ~/.ssh/k_%h_%p_%r
Host *
  User everyone
  HostName fallback.example.org
`);
    for (const host of ['web1', 'web-db', 'db1', 'db12', 'x.example.com', 'WEB1', 'other']) await expectSameAsSsh(file, { host });
  });

  it('Match host / originalhost / user / localuser / all / negation, and canonical / final (a second pass)', async () => {
    const file = config(`Host alias
  HostName Real.Example.NET
Match host real.example.net user admin
  Port 2022
Match originalhost alias !user root
  IdentityFile ~/.ssh/alias_%u
Match localuser ${userInfo().username} host *.net
  HostKeyAlias Alias-Key
Match canonical host real.*
  ConnectTimeout 9
Match final host *.example.net
  UserKnownHostsFile ~/.ssh/kh_%h %d/kh_final
Host real.example.net
  User fromfinal
Match all
  IdentitiesOnly yes
Match !all
  User never
`);
    await expectSameAsSsh(file, { host: 'alias' });
    await expectSameAsSsh(file, { host: 'alias', user: given('admin') });
    await expectSameAsSsh(file, { host: 'other' });
  });

  it('Match exec after a criterion that failed is never run, and does not stop the resolution', async () => {
    const file = config(`Match host nomatch exec "exit 0"
  User fromexec
Match !host nomatch
  User plain
`);
    await expectSameAsSsh(file, { host: 'web1' });
  });

  it('Include: globs relative to ~/.ssh, ~ paths, in byte order; Match inside an include does not leak', async () => {
    writeFileSync(join(home, '.ssh', 'conf.d', '20-b.conf'), 'Host web*\n  User from-b\n  IdentityFile ~/.ssh/b\n', { mode: 0o600 });
    writeFileSync(join(home, '.ssh', 'conf.d', '10-a.conf'), 'Host web1\n  Port 1010\n  IdentityFile ~/.ssh/a\nMatch host nothing\n', { mode: 0o600 });
    writeFileSync(join(home, '.ssh', 'conf.d', 'skip.txt'), 'User never\n', { mode: 0o600 });
    writeFileSync(join(home, '.ssh', 'extra'), 'ProxyJump jump1,ops@jump2:2222\n', { mode: 0o600 });
    const file = config(`Host web*
  Include conf.d/*.conf
  HostName %h.lan
Host db*
  Include ~/.ssh/extra
Host *
  IdentityFile ~/.ssh/last
`);
    for (const host of ['web1', 'web2', 'db1', 'x']) await expectSameAsSsh(file, { host });
  });

  it('several IdentityFile and CertificateFile lines accumulate, duplicates once; tokens and ~', async () => {
    const file = config(`IdentityFile ~/.ssh/id_%h
Host web1
  IdentityFile ~/.ssh/id_%h
  IdentityFile %d/.ssh/%r@%h:%p_%%
  CertificateFile ~/.ssh/id_%h-cert.pub
  IdentityFile /keys/shared
Host *
  IdentityFile /keys/shared
  CertificateFile /certs/all-cert.pub
`);
    await expectSameAsSsh(file, { host: 'web1', user: given('ops'), port: given(2200), identityFile: given('/inventory/key') });
    await expectSameAsSsh(file, { host: 'web2' });
  });

  it('ProxyJump: several hops, ssh:// and [v6], none, and a command-line jump that wins', async () => {
    const file = config(`Host a
  ProxyJump none
  ProxyCommand nc %h %p
Host b
  ProxyJump u1@hop1,ssh://u2@hop2:2022,[2001:db8::1]:2200
Host c
  ProxyJump 127.0.0.1
Host *
  ProxyJump bastion
`);
    for (const host of ['a', 'b', 'c', 'd']) await expectSameAsSsh(file, { host });
    await expectSameAsSsh(file, { host: 'b', proxyJump: given('ops@inventory-bastion:2222') });
  });

  it('known_hosts files, HostKeyAlias, ConnectTimeout (none, then a value), StrictHostKeyChecking ignored', async () => {
    const file = config(`Host web*
  ConnectTimeout none
  UserKnownHostsFile ~/.ssh/kh_%h_%p %d/second "/with space/kh"
  GlobalKnownHostsFile /etc/fleet/known_hosts
  HostKeyAlias WebFarm
  StrictHostKeyChecking no
Host *
  ConnectTimeout 1m30s
  UserKnownHostsFile none
  GlobalKnownHostsFile none
`);
    await expectSameAsSsh(file, { host: 'web1' });
    await expectSameAsSsh(file, { host: 'db1' });
    await expectSameAsSsh(file, { host: 'web1', connectTimeout: given(4) });
  });

  it('what ssh refuses, fleet refuses with the file and line', async () => {
    const cases = ['Nonsense yes\n', 'Port 0\n', 'HostName a b\n', 'Host web\n  HostName %p\n', 'Match host\n', 'Match all host x\n', 'Match foo bar\n', 'IdentitiesOnly maybe\n', 'Include\n', 'ProxyJump a@\n'];
    for (const text of cases) {
      const file = config(text);
      const ssh = sshG(file, { host: 'web' });
      expect(ssh.dump, text).toBeNull();
      const ours = await fleetG(file, { host: 'web' });
      expect(ours.error?.message, text).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}:\\d+:\\d+: `));
    }
  });
});

describe('unsafe files', () => {
  it('an included file writable by others is refused, as ssh refuses it', async () => {
    const included = join(home, '.ssh', 'conf.d', 'loose.conf');
    writeFileSync(included, 'User loose\n');
    chmodSync(included, 0o666);
    const file = config('Include conf.d/loose.conf\n');
    expect(sshG(file, { host: 'web' }).dump).toBeNull();
    expect((await fleetG(file, { host: 'web' })).error?.message).toBe('~/.ssh/conf.d/loose.conf: bad owner or permissions (owner uid 0, mode 0666); ssh refuses this file too');
    rmSync(included);
  });
});

describe('what fleet does not support is refused, naming the line', () => {
  it('Match exec whose outcome would decide', async () => {
    const file = config('Host *\n  User a\nMatch host web* exec "test -e /tmp"\n  User b\n');
    const ours = await fleetG(file, { host: 'web1' });
    expect(ours.error?.message).toBe(`${file}:3:1: Match exec "test -e /tmp" is not supported by fleet (it would run a local command to decide for host web1); use Host or Match host/user patterns, or --ssh-config to point at a file without it`);
    // The same line for a host another criterion already rules out needs no command.
    expect((await fleetG(file, { host: 'db1' })).error).toBeUndefined();
    // Nor does one in a file included from a block that does not apply.
    writeFileSync(join(home, '.ssh', 'exec.conf'), 'Match exec "test -e /tmp"\n  User c\n', { mode: 0o600 });
    const nested = config('Host nomatch\n  Include exec.conf\nHost *\n  User d\n');
    expect(await expectSameAsSsh(nested, { host: 'web1' })).toMatchObject({ user: ['d'] });
  });

  it('CanonicalizeHostname yes', async () => {
    const file = config('Host web*\n  CanonicalizeHostname yes\n');
    expect((await fleetG(file, { host: 'web1' })).error?.message).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}:2:1: CanonicalizeHostname yes is not supported by fleet`));
    expect((await fleetG(file, { host: 'db1' })).error).toBeUndefined();
  });
});

describe('IdentityFile and CertificateFile expansion equals the files ssh opens (ssh -v)', () => {
  it('%h %p %r %u %d %% %C %L %l %n %k %i, ${VAR} and ~', async () => {
    const file = config(`Host web1
  HostName web1.internal
  HostKeyAlias Farm
  IdentityFile ~/.ssh/k_%h_%p_%r_%u_%d_%%_%C_%L_%l_%n_%k_%i
  IdentityFile \${FLEET_TEST_KEYDIR}/x
  CertificateFile ~/c-%h
`);
    const q: SshQuery = { host: 'web1', user: given('ops'), port: given(2200) };
    // ProxyCommand=true: ssh "connects" at once, lists the key files it would offer, then fails the handshake.
    const run = spawnSync('ssh', ['-v', '-F', file, '-o', 'ProxyCommand=true', '-o', 'BatchMode=yes', ...queryArgs(q), 'web1', 'true'], {
      env: { PATH: process.env['PATH'], HOME: home, FLEET_TEST_KEYDIR: '/keys/dir' },
      encoding: 'utf8',
    });
    const opened = [...run.stderr.matchAll(/^debug1: (identity|certificate) file (.*) type -?\d+$/gm)].filter((m) => !m[2]!.endsWith('-cert')).map((m) => `${m[1]} ${underHome(m[2]!)}`);
    expect(opened.length).toBeGreaterThan(0);
    const env = { ...sshEnvironment(home, userInfo().username), env: { FLEET_TEST_KEYDIR: '/keys/dir' } };
    const r = resolveSshConfig(await loadSshConfig(env, file), env, q);
    expect([...r.identityFiles.map((k) => `identity ${k.path}`), ...r.certificateFiles.map((k) => `certificate ${k.path}`)]).toEqual(opened);
  });
});
