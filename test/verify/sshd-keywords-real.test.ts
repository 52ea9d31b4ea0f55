/**
 * The keyword table against the real sshd installed here (OpenSSH 9.2 on Debian 12):
 * - every keyword the table says this release knows is accepted by `sshd -t` with the
 *   table's sample value, in the main section;
 * - every keyword the table allows in Match is accepted there, every global-only one refused;
 * - every keyword the table says this release does not know is refused;
 * - `sshd -T` prints every sample, and every word of every enumeration, as the table's
 *   normalisation says (the form every proof compares).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allowedInMatch, knownBy, lastWins, normalizeValue, opensshVersion, sshdKeyword, sshdKeywords, type SshdKeyword } from '../../src/core/sshd/keywords.js';

const SSHD = '/usr/sbin/sshd';
const run = promisify(execFile);
const limit = pLimit(2);
let workdir = '';
let version: [number, number] = [0, 0];
let files = 0;

beforeAll(async () => {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: these tests need OpenSSH's sshd (apt-get install openssh-server)`);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  workdir = await mkdtemp(join(tmpdir(), 'fleet-sshd-keywords-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(workdir, 'host_key')]);
  const v = await run(SSHD, ['-V']).catch((e: { stderr: string }) => ({ stderr: e.stderr, stdout: '' }));
  version = opensshVersion(`${v.stderr}${v.stdout}`) ?? [0, 0];
  expect(version[0]).toBeGreaterThan(0);
});

afterAll(async () => {
  if (workdir !== '') await rm(workdir, { recursive: true, force: true });
});

/** Sample lines for a keyword: its own sample, its target's for an alias, any word for one that sets nothing. */
function sample(k: SshdKeyword): string[] {
  const target = k.aliasOf !== undefined ? sshdKeyword(k.aliasOf) : k;
  return [sampleLine(k), ...(target?.annotation?.companion !== undefined ? [target.annotation.companion] : [])];
}

function sampleLine(k: SshdKeyword): string {
  const target = k.aliasOf !== undefined ? sshdKeyword(k.aliasOf) : k;
  const value = target?.annotation?.sample ?? 'no';
  // Host keys and certificates must exist for sshd -t; the samples point into the temp dir.
  if (target?.name === 'HostKey') return `${k.name} ${join(workdir, 'host_key')}`;
  if (target?.name === 'HostCertificate') return `${k.name} ${join(workdir, 'host_key.pub')}`;
  if (target?.name === 'Include') return `${k.name} ${join(workdir, 'nothing-*.conf')}`;
  return `${k.name} ${value}`;
}

/** sshd -t on a config of the temp host key and `lines`: null when accepted, else sshd's complaint. */
async function sshdT(lines: string[]): Promise<string | null> {
  const file = join(workdir, `sshd_config.${files++}`);
  await writeFile(file, [`HostKey ${join(workdir, 'host_key')}`, ...lines, ''].join('\n'));
  return limit(async () => {
    try {
      await run(SSHD, ['-t', '-f', file]);
      return null;
    } catch (error) {
      return String((error as { stderr?: string }).stderr ?? error);
    }
  });
}

// sshd knows the keyword but this build cannot honour it (RDomain needs OpenBSD or Linux VRF support).
const PLATFORM = /not supported on this platform/;

// `Match all` is no exception: sshd accepts even global-only keywords inside it, so the scope
// test uses a real criterion.
describe('the keyword table holds against the real sshd', () => {
  const settable = (k: SshdKeyword): boolean => k.name !== 'Match' && k.status !== 'build';

  test('every keyword this release knows is accepted with its sample value', async () => {
    const known = sshdKeywords().filter((k) => knownBy(k.name, version) && k.name !== 'Match');
    expect(known.length).toBeGreaterThan(90);
    const refused = (await Promise.all(known.map(async (k) => [sample(k), await sshdT(sample(k))] as const))).filter(([, error]) => error !== null && !PLATFORM.test(error));
    expect(refused).toEqual([]);
  });

  test('inside Match, keywords allowed there are accepted and global-only ones refused', async () => {
    const known = sshdKeywords().filter((k) => knownBy(k.name, version) && settable(k) && k.status === 'option');
    const results = await Promise.all(
      known.map(async (k) => ({ line: sample(k), inMatch: allowedInMatch(k.name, version), error: await sshdT(['Match User nobody', ...sample(k).map((l) => `  ${l}`)]) })),
    );
    const wrong = results.filter((r) => (r.inMatch ? r.error !== null && !PLATFORM.test(r.error) : !/is not allowed within a Match block/.test(r.error ?? '')));
    expect(wrong).toEqual([]);
    expect(results.filter((r) => !r.inMatch).length).toBeGreaterThan(20);
  });

  test('every keyword the table says this release does not know is refused', async () => {
    const unknown = sshdKeywords().filter((k) => !knownBy(k.name, version));
    expect(unknown.length).toBeGreaterThan(0);
    const results = await Promise.all(unknown.map(async (k) => ({ line: sample(k), error: await sshdT(sample(k)) })));
    expect(results.filter((r) => !/Bad configuration option/.test(r.error ?? ''))).toEqual([]);
  });
});

/** `sshd -T` on a config of the temp host key and `lines` → its first line for `keyword`. */
async function printed(lines: string[], keyword: string): Promise<string | undefined> {
  const file = join(workdir, `sshd_config.${files++}`);
  await writeFile(file, [`HostKey ${join(workdir, 'host_key')}`, ...lines, ''].join('\n'));
  const { stdout } = await limit(() => run(SSHD, ['-T', '-f', file]));
  const prefix = `${keyword.toLowerCase()} `;
  return stdout.split('\n').find((l) => l.startsWith(prefix))?.slice(prefix.length);
}

// RDomain is unsupported by this build; ListenAddress prints address:port, the port coming
// from Port lines (fleet does not promise ListenAddress values).
const UNCOMPARED = new Set(['RDomain', 'ListenAddress']);

test('sshd -T prints each sample and each enumeration word as the table normalises it', async () => {
  const cases = sshdKeywords()
    .filter((k) => k.annotation !== undefined && knownBy(k.name, version) && k.annotation.combine !== 'structure' && !UNCOMPARED.has(k.name))
    .flatMap((k) => {
      const type = k.annotation!.type;
      const values = type.kind === 'enum' ? [...type.words, k.annotation!.sample] : type.kind === 'flag' ? ['yes', 'no', 'YES'] : [k.annotation!.sample];
      return values.map((value) => ({ keyword: k.name, value, accumulate: k.annotation!.combine === 'accumulate' }));
    });
  expect(cases.length).toBeGreaterThan(120);
  const results = await Promise.all(
    cases.map(async (c) => {
      const lines = sample(sshdKeyword(c.keyword)!).slice(1);
      const value = c.keyword === 'HostKey' ? join(workdir, 'host_key') : c.keyword === 'HostCertificate' ? join(workdir, 'host_key.pub') : c.value;
      // An accumulating keyword prints one line per argument; the first is compared.
      const want = normalizeValue(c.keyword, c.accumulate ? value.split(' ')[0]! : value, version);
      return { ...c, want, got: await printed([`${c.keyword} ${value}`, ...lines], c.keyword) };
    }),
  );
  // A `build` keyword this sshd was built without (KerberosGetAFSToken without AFS) prints nothing.
  const absent = (r: { keyword: string; got?: string }): boolean => r.got === undefined && sshdKeyword(r.keyword)?.status === 'build';
  expect(results.filter((r) => r.got !== r.want && !absent(r))).toEqual([]);
});

/** Two different values sshd accepts for a keyword, where the table's type gives them. */
function twoValues(k: SshdKeyword): [string, string] | undefined {
  const a = k.annotation!;
  const type = a.type;
  switch (type.kind) {
    case 'flag':
      return ['yes', 'no'];
    case 'enum': {
      const first = type.words[0]!;
      const other = type.words.find((w) => normalizeValue(k.name, w) !== normalizeValue(k.name, first));
      return other === undefined ? undefined : [first, other];
    }
    case 'integer':
      return [String(Math.max(type.min, Number(a.sample)) + 1), String(Math.max(type.min, Number(a.sample)) + 2)];
    case 'time':
      return ['10', '20'];
    default:
      return a.alternate === undefined ? undefined : [a.sample, a.alternate];
  }
}

test('repeated lines combine as the table says: sshd -T shows the first value, or the last where the table says the last wins', async () => {
  const cases = sshdKeywords()
    .filter((k) => k.annotation !== undefined && knownBy(k.name, version) && k.status === 'option' && k.annotation.combine === 'first')
    .flatMap((k) => {
      const values = twoValues(k);
      return values === undefined ? [] : [{ keyword: k.name, values, last: lastWins(k.name, version) }];
    });
  expect(cases.length).toBeGreaterThan(40);
  const results = await Promise.all(
    cases.map(async (c) => {
      const extra = sample(sshdKeyword(c.keyword)!).slice(1);
      const got = await printed([`${c.keyword} ${c.values[0]}`, `${c.keyword} ${c.values[1]}`, ...extra], c.keyword);
      const winner = c.last ? c.values[1] : c.values[0];
      return { ...c, got, want: normalizeValue(c.keyword, winner, version) };
    }),
  );
  expect(results.filter((r) => r.got !== r.want)).toEqual([]);
});
