/**
 * The connection fleet synthesises for a Match block's criteria, against the real sshd: for
 * every criteria line (hand-written shapes from real fleets, and generated ones), a config whose
 * only setting is inside `Match <criteria>` prints that setting for `sshd -T -C <spec>`, so the
 * engine's Match proofs ask sshd about a connection the block really selects. Criteria fleet
 * cannot synthesise (Group, Exec) say why instead.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addressListMatches, connectionFor } from '../../src/core/sshd/match-connection.js';

const SSHD = '/usr/sbin/sshd';
const run = promisify(execFile);
let workdir = '';
let files = 0;

beforeAll(async () => {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: these tests need OpenSSH's sshd (apt-get install openssh-server)`);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  workdir = await mkdtemp(join(tmpdir(), 'fleet-match-connection-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(workdir, 'host_key')]);
});

afterAll(async () => {
  if (workdir !== '') await rm(workdir, { recursive: true, force: true });
});

/** MaxSessions as sshd prints it for `spec`, with MaxSessions 7 set only inside `Match criteria`. */
async function maxSessionsFor(criteria: string, spec: string): Promise<string> {
  const file = join(workdir, `sshd_config.${files++}`);
  await writeFile(file, `HostKey ${join(workdir, 'host_key')}\nMatch ${criteria}\n    MaxSessions 7\n`);
  const { stdout } = await run(SSHD, ['-T', '-C', spec, '-f', file]);
  return /^maxsessions (\S+)$/m.exec(stdout)?.[1] ?? '(missing)';
}

function specOf(criteria: string): string {
  const c = connectionFor(criteria);
  if ('reason' in c) throw new Error(`no connection for ${criteria}: ${c.reason}`);
  return c.spec;
}

const SHAPES = [
  'User backup',
  'User backup,deploy',
  'User *,!root',
  'User svc-?',
  'user sftp-*',
  'Host *.internal',
  'Host bastion,!evil.example',
  'Address 10.0.0.0/8',
  'Address 192.168.*,!192.168.1.*',
  'Address 172.16.0.0/12,!172.16.0.0/16',
  'Address 2001:db8::1',
  'LocalPort 2222',
  'LocalAddress 127.0.0.0/8',
  'User git Address 10.1.2.0/24',
  'User deploy LocalPort 2200 Host ci-*',
  'All',
];

describe('the synthesised connection selects the block, by the real sshd -T -C', () => {
  for (const criteria of SHAPES) {
    test(`Match ${criteria}`, async () => {
      expect(await maxSessionsFor(criteria, specOf(criteria))).toBe('7');
    });
  }

  test('generated criteria: user, host and address lists with wildcards, CIDR and negation', async () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
    const wild = fc.tuple(name, fc.constantFrom('', '*', '?')).map(([n, w]) => `${n}${w}`);
    const list = fc.tuple(fc.array(wild, { minLength: 1, maxLength: 3 }), fc.array(name, { maxLength: 2 })).map(([pos, neg]) => [...pos, ...neg.map((n) => `!${n}`)].join(','));
    const octet = fc.integer({ min: 1, max: 254 });
    const address = fc.oneof(
      // sshd refuses a network with host bits set (10.1.0.0/8): only proper networks.
      fc.tuple(octet, octet, octet, fc.constantFrom(8, 16, 24)).map(([a, b, c, bits]) => (bits === 8 ? `${a}.0.0.0/8` : bits === 16 ? `${a}.${b}.0.0/16` : `${a}.${b}.${c}.0/24`)),
      fc.tuple(octet, octet).map(([a, b]) => `${a}.${b}.*`),
    );
    const criteria = fc.tuple(fc.option(list, { nil: undefined }), fc.option(list, { nil: undefined }), fc.option(address, { nil: undefined }))
      .filter(([u, h, a]) => u !== undefined || h !== undefined || a !== undefined)
      .map(([u, h, a]) => [u && `User ${u}`, h && `Host ${h}`, a && `Address ${a}`].filter(Boolean).join(' '));
    await fc.assert(
      fc.asyncProperty(criteria, async (c) => {
        const conn = connectionFor(c);
        // A list whose positive patterns all fall under its negations selects nothing: nothing to prove.
        if ('reason' in conn) return;
        expect(await maxSessionsFor(c, conn.spec), `Match ${c} with ${conn.spec}`).toBe('7');
      }),
      { numRuns: 60 },
    );
  });
});

describe('what fleet cannot synthesise, it says', () => {
  test.each([
    ['Group admins', /real member of the group/],
    ['Exec "/bin/true"', /runs a command/],
    ['User !root', /no user that !root selects/],
    ['LocalPort http', /not a port number/],
  ])('Match %s', (criteria, reason) => {
    const c = connectionFor(criteria);
    expect('reason' in c && c.reason).toMatch(reason);
  });

  test('address lists: CIDR and wildcards, negation wins', () => {
    expect(addressListMatches('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(addressListMatches('10.1.2.3', '10.0.0.0/8,!10.1.0.0/16')).toBe(false);
    expect(addressListMatches('192.168.5.1', '192.168.*')).toBe(true);
    expect(addressListMatches('192.169.5.1', '192.168.*')).toBe(false);
  });
});
