/**
 * The CLI's guards of issue 12, item 10, through the built CLI: a bad `--out` or `--identity` is
 * one clear error before any host is touched (a tripwire every host points at sees no
 * connection), the report file is 0600 and never written through a symlink, and
 * `fleet putty --interval` outside PuTTY's range is a message, not a stack trace.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fleet, type CliRun } from '../helpers/cli.js';
import { Tripwire, writeYaml } from '../hostile/support/inputs.js';
import { checkedReport } from '../helpers/report-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-guards-'));
const wire = new Tripwire();
const key = join(dir, 'id_ed25519');
const encrypted = join(dir, 'encrypted_ed25519');
let policy = '';

beforeAll(async () => {
  await wire.open();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', encrypted]);
  const host = { address: '127.0.0.1', port: wire.port, user: 'root', identity_file: key };
  const inventory = writeYaml(dir, 'inventory.yml', { all: { hosts: { web1: host, web2: host, web3: host } } });
  policy = writeYaml(dir, 'policy.yml', { inventory, sshd: { ClientAliveInterval: 240 } });
});
afterAll(async () => {
  await wire.close();
  rmSync(dir, { recursive: true, force: true });
});

const RUN = ['--known-hosts', join(dir, 'known_hosts'), '--no-progress', '--timeout', '2'];
const STACK = /^\s+at /m;

/** Runs `args`; returns the run and how many connections the tripwire saw meanwhile. */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun & { connections: number }> {
  const before = wire.connections;
  const result = await fleet(args, { env: { SSH_AUTH_SOCK: '', FLEET_KEY_PASSPHRASE: '', ...env } });
  return { ...result, connections: wire.connections - before };
}

describe('--out', () => {
  test.each([
    ['a missing folder', () => join(dir, 'no-such-folder', 'report.json'), /cannot write the report into .*no-such-folder: no such folder/],
    ['a folder under a file', () => join(dir, 'inventory.yml', 'report.json'), /cannot write the report into .*inventory\.yml: a part of the path is not a folder/],
    ['a folder', () => dir, /is a folder; name a file/],
  ])('%s is one error before any host (exit 1, no stack trace)', async (_what, out, message) => {
    for (const command of ['plan', 'apply', 'check']) {
      const r = await run([command, policy, ...RUN, '--format', 'json', '--out', out()]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.connections, 'a host was contacted').toBe(0);
      expect(r.stdout).toBe('');
    }
  });

  test('the report is 0600 whatever the umask, written through no symlink, leaving no temp file', async () => {
    const folder = join(dir, 'reports');
    mkdirSync(folder);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n', { mode: 0o644 });
    const out = join(folder, 'report.json');
    symlinkSync(victim, out);
    const old = process.umask(0o022);
    let r;
    try {
      r = await run(['plan', policy, ...RUN, '--format', 'json', '--out', out]);
    } finally {
      process.umask(old);
    }
    expect(r.code, r.stderr).toBe(1); // the tripwire is no sshd
    expect(r.connections).toBeGreaterThan(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    const stat = lstatSync(out);
    expect(stat.isSymbolicLink()).toBe(false);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(checkedReport(JSON.parse(readFileSync(out, 'utf8'))).summary.hosts).toBe(3);
    expect(readdirSync(folder)).toEqual(['report.json']);
  });

  test('report merge -o checks its folder the same way', async () => {
    const shard = join(dir, 'shard.json');
    const r0 = await run(['plan', policy, ...RUN, '--format', 'json', '--out', shard]);
    expect(existsSync(shard), r0.stderr).toBe(true);
    const r = await run(['report', 'merge', shard, '-o', join(dir, 'missing', 'merged.md'), '--format', 'markdown']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--out .*merged\.md: cannot write the report into .*missing: no such folder/);
    expect(r.stderr).not.toMatch(STACK);
    const merged = join(dir, 'merged.md');
    const ok = await run(['report', 'merge', shard, '-o', merged, '--format', 'markdown']);
    expect(ok.code).toBe(1); // the merged plan has unreachable hosts
    expect(lstatSync(merged).mode & 0o777).toBe(0o600);
    expect(readFileSync(merged, 'utf8')).toMatch(/^### fleet plan/);
  });
});

describe('--identity', () => {
  test.each([
    ['a missing file', () => join(dir, 'no-such-key'), {}, /--identity: private key .*no-such-key cannot be read: ENOENT/],
    ['a file that is no key', () => policy, {}, /--identity: private key .*policy\.yml cannot be used/],
    ['an encrypted key without FLEET_KEY_PASSPHRASE', () => encrypted, {}, /--identity: private key .*encrypted_ed25519 cannot be used: it is encrypted; set FLEET_KEY_PASSPHRASE/],
    ['an encrypted key with a wrong passphrase', () => encrypted, { FLEET_KEY_PASSPHRASE: 'wrong' }, /--identity: private key .*encrypted_ed25519 cannot be used/],
  ])('%s is one error for the run, not one per host', async (_what, identity, env, message) => {
    const r = await run(['check', policy, ...RUN, '--format', 'json', '--identity', identity()], env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stdout, 'no per-host report').toBe('');
    expect(r.connections).toBe(0);
  });

  test('a good --identity still runs (control)', async () => {
    const r = await run(['check', policy, ...RUN, '--format', 'json', '--identity', encrypted], { FLEET_KEY_PASSPHRASE: 'a passphrase' });
    expect(r.code).toBe(1); // the tripwire is no sshd
    expect(r.connections).toBeGreaterThan(0);
    expect(checkedReport(JSON.parse(r.stdout)).hosts).toHaveLength(3);
  });
});

describe('fleet putty --interval', () => {
  test.each(['99999999999', '2147484', '-1', '1.5', '0x10', ''])('%j is refused with PuTTY\'s range, no stack trace', async (interval) => {
    const r = await run(['putty', '--interval', interval]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--interval.*must be a whole number of seconds from 0 \(off\) to 2147483/);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stdout).toBe('');
  });

  test('the largest interval PuTTY keeps is written', async () => {
    const r = await run(['putty', '--interval', '2147483']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"PingIntervalSecs"=dword:0020c49b\r\n');
  });
});

describe('report merge errors', () => {
  test('a host name from a saved report is printed without its escapes', async () => {
    const name = 'web\u001b]8;;http://evil.example/\u0007x\u001b[2J';
    const saved = (shard: string): string => {
      const file = join(dir, `dup-${shard.replace('/', 'of')}.json`);
      const host = { name, address: '127.0.0.1', status: 'unchanged', changes: [], effective: {}, explain: [], warnings: [], error: null, rolled_back: false, reloaded: false, duration_ms: 1 };
      writeFileSync(file, JSON.stringify({ version: 1, command: 'check', started_at: '2026-12-02T07:00:00Z', duration_ms: 1, accept_new: false, shard, summary: { hosts: 1, changed: 0, unchanged: 1, failed: 0, unreachable: 0 }, hosts: [host] }));
      return file;
    };
    const r = await run(['report', 'merge', saved('1/2'), saved('2/2')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/host web\]8;;http:\/\/evil\.example\/x\[2J appears in more than one report/);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
