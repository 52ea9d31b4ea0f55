/**
 * Property: for generated configs (Host/Match blocks, Includes relative to ~/.ssh, the keywords
 * fleet resolves with tokens, `~` and `none`, random keyword case and separators) and
 * generated queries (inventory user/port/key/jump), fleet's resolution is exactly what the real
 * `ssh -G -F file host` prints, and fleet refuses exactly what ssh refuses. HOME is a temp dir.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSshConfig, sshEnvironment } from '../../../src/cli/ssh-config.js';
import { ConfigError } from '../../../src/core/errors.js';
import { resolveSshConfig, type SshQuery, type SshResolution } from '../../../src/core/sshconfig/index.js';

const PASSWD_HOME = userInfo().homedir;
let home: string;
let dir: string;
let n = 0;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'fleet-sshgen-home-'));
  dir = mkdtempSync(join(tmpdir(), 'fleet-sshgen-'));
  mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true, mode: 0o700 });
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

const HOSTS = ['web1', 'web-db', 'db2', 'api.example.com', 'WEB1', '10.0.0.5', 'bastion'];

const value = {
  HostName: ['%h.example.com', '10.0.0.9', 'alias-%h', 'Mixed.Case', '%h'],
  Port: ['2222', '22', '1022'],
  User: ['deploy', 'admin', 'root', 'ops'],
  IdentityFile: ['~/.ssh/id_%h', '~/.ssh/%r@%h_%p', '%d/keys/%u', '/keys/shared', '~/.ssh/id_ed25519'],
  CertificateFile: ['~/.ssh/%h-cert.pub', '/certs/c.pub'],
  IdentitiesOnly: ['yes', 'no'],
  ProxyJump: ['bastion', 'ops@jump1:2200,jump2', 'none', '[10.0.0.1]:22', 'a,b,c'],
  ProxyCommand: ['nc %h %p', 'none'],
  HostKeyAlias: ['farm', 'Alias-%h'],
  UserKnownHostsFile: ['~/.ssh/kh_%h %d/kh2', 'none', '/abs/kh'],
  GlobalKnownHostsFile: ['/etc/fleet/kh', 'none'],
  ConnectTimeout: ['5', '1m', 'none', '90s'],
  StrictHostKeyChecking: ['no', 'accept-new'],
} as const;

const keywordCase = fc.constantFrom<(k: string) => string>((k) => k, (k) => k.toLowerCase(), (k) => k.toUpperCase());
const separator = fc.constantFrom(' ', '\t', '=', ' = ');
const directive = fc
  .tuple(fc.constantFrom(...(Object.keys(value) as (keyof typeof value)[])), fc.nat(), keywordCase, separator)
  .map(([k, i, kcase, sep]) => `  ${kcase(k)}${sep}${value[k][i % value[k].length]}`);
const include = fc.constantFrom('  Include conf.d/*.conf', '  Include ~/.ssh/extra', '  Include conf.d/none-*.conf');
const header = fc.constantFrom(
  'Host *',
  'Host web* !web-db',
  'Host db? api.*',
  'Host *.example.com',
  'Host WEB1 10.0.0.*',
  'Host !bastion *',
  'Match all',
  'Match host web*,*.example.com',
  'Match originalhost web1',
  'Match user admin,ops',
  'Match !user root',
  `Match localuser ${userInfo().username}`,
  'Match canonical host *.example.com',
  'Match final host alias-*',
  'Match final',
  'Match host nomatch-* exec "exit 0"',
);
const block = fc.tuple(header, fc.array(fc.oneof({ weight: 6, arbitrary: directive }, { weight: 1, arbitrary: include }), { maxLength: 4 })).map(([h, lines]) => [h, ...lines].join('\n'));
const configText = fc.tuple(fc.array(directive, { maxLength: 2 }), fc.array(block, { minLength: 1, maxLength: 5 })).map(([globals, blocks]) => [...globals, ...blocks].join('\n') + '\n');
const includedText = fc.array(fc.oneof(directive, block), { maxLength: 3 }).map((lines) => lines.join('\n') + '\n');

const inventory = { origin: 'inventory.yml:1' };
const query = fc.record(
  {
    host: fc.constantFrom(...HOSTS),
    user: fc.constantFrom('invuser', 'root').map((v) => ({ ...inventory, value: v })),
    port: fc.constantFrom(2200, 22).map((v) => ({ ...inventory, value: v })),
    identityFile: fc.constant({ ...inventory, value: '/inventory/key' }),
    proxyJump: fc.constantFrom('inv-bastion', 'u@hop1,hop2:2022').map((v) => ({ ...inventory, value: v })),
  },
  { requiredKeys: ['host'] },
) as fc.Arbitrary<SshQuery>;

function queryArgs(q: SshQuery): string[] {
  const args: string[] = [];
  if (q.user) args.push('-o', `User=${q.user.value}`);
  if (q.port) args.push('-o', `Port=${q.port.value}`);
  if (q.identityFile) args.push('-o', `IdentityFile=${q.identityFile.value}`);
  if (q.proxyJump) args.push('-o', `ProxyJump=${q.proxyJump.value}`);
  return args;
}

const KEYS = new Set(['user', 'hostname', 'port', 'identityfile', 'certificatefile', 'identitiesonly', 'proxyjump', 'proxycommand', 'hostkeyalias', 'userknownhostsfile', 'globalknownhostsfile', 'connecttimeout']);
const homeRe = new RegExp(`${PASSWD_HOME.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![A-Za-z0-9.-])`, 'g');

function sshG(file: string, q: SshQuery): string[] | null {
  const run = spawnSync('ssh', ['-G', '-F', file, ...queryArgs(q), '--', q.host], { env: { PATH: process.env['PATH'], HOME: home }, encoding: 'utf8' });
  if (run.status !== 0) return null;
  return run.stdout
    .split('\n')
    .filter((l) => KEYS.has(l.slice(0, l.indexOf(' '))))
    .map((l) => (l.startsWith('userknownhostsfile ') ? l.replace(homeRe, home) : l));
}

function asLines(r: SshResolution): string[] {
  // In ssh -G's own order of these keywords.
  const lines = [`user ${r.user.value}`, `hostname ${r.hostname.value}`, `port ${r.port.value}`, `identitiesonly ${r.identitiesOnly.value ? 'yes' : 'no'}`];
  if (r.hostKeyAlias) lines.push(`hostkeyalias ${r.hostKeyAlias.value}`);
  lines.push(...r.identityFiles.map((k) => `identityfile ${k.raw}`), ...r.certificateFiles.map((k) => `certificatefile ${k.raw}`));
  lines.push(`globalknownhostsfile ${r.globalKnownHostsFiles.value.length === 0 ? 'none' : r.globalKnownHostsFiles.value.join(' ')}`);
  lines.push(`userknownhostsfile ${r.userKnownHostsFiles.value.length === 0 ? 'none' : r.userKnownHostsFiles.value.join(' ')}`);
  lines.push(`connecttimeout ${r.connectTimeout.value === null ? 'none' : r.connectTimeout.value}`);
  if (r.proxyJump) lines.push(`proxyjump ${r.proxyJump.text}`);
  else if (r.proxyCommand) lines.push(`proxycommand ${r.proxyCommand.value}`);
  return lines;
}

describe('generated configs resolve as ssh -G resolves them', () => {
  it('300 configs × their hosts', async () => {
    const env = sshEnvironment(home, userInfo().username);
    await fc.assert(
      fc.asyncProperty(configText, includedText, includedText, fc.array(query, { minLength: 1, maxLength: 3 }), async (text, a, extra, queries) => {
        writeFileSync(join(home, '.ssh', 'conf.d', '1.conf'), a, { mode: 0o600 });
        writeFileSync(join(home, '.ssh', 'extra'), extra, { mode: 0o600 });
        const file = join(dir, `c${++n}`);
        writeFileSync(file, text, { mode: 0o600 });
        const set = await loadSshConfig(env, file);
        for (const q of queries) {
          const expected = sshG(file, q);
          let ours: string[] | null;
          try {
            ours = asLines(resolveSshConfig(set, env, q));
          } catch (error) {
            if (!(error instanceof ConfigError)) throw error;
            ours = null;
          }
          expect(ours, `${text}\n--- conf.d/1.conf\n${a}--- extra\n${extra}--- ${JSON.stringify(q)}`).toEqual(expected === null ? null : [...expected].sort((x, y) => order(x) - order(y)));
        }
      }),
      { numRuns: Number(process.env["FLEET_SSHG_RUNS"] ?? 300), ...(process.env["FLEET_SSHG_SEED"] ? { seed: Number(process.env["FLEET_SSHG_SEED"]) } : {}) },
    );
  }, 600_000);
});

/** ssh -G prints identityfile lines together; keep its order within a keyword, ours across keywords. */
const ORDER = ['user', 'hostname', 'port', 'identitiesonly', 'hostkeyalias', 'identityfile', 'certificatefile', 'globalknownhostsfile', 'userknownhostsfile', 'connecttimeout', 'proxyjump', 'proxycommand'];
function order(line: string): number {
  return ORDER.indexOf(line.slice(0, line.indexOf(' ')));
}
