/**
 * The client keyword table against the real ssh installed here (OpenSSH 9.2 on Debian 12):
 * - every keyword the table says this release knows (options, aliases, deprecated and
 *   unsupported ones) is accepted by `ssh -G -F file`, with the table's sample value;
 * - every keyword the table says this release does not know is refused;
 * - `ssh -G` prints every sample, and every word of every enumeration, as the table's
 *   normalisation says (the form the proof after a write compares).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { normalizeClientValue, sshKeyword, sshKeywords, sshKnownBy, type SshKeyword } from '../../src/core/sshclient/keywords.js';
import { opensshVersion } from '../../src/core/sshd/keywords.js';
import { printedValues } from '../../src/core/printed-config.js';

const SSH = '/usr/bin/ssh';
const HOST = 'fleet-keyword-probe.invalid';
const run = promisify(execFile);
const limit = pLimit(2);
let workdir = '';
let version: [number, number] = [0, 0];
let files = 0;

beforeAll(async () => {
  if (!existsSync(SSH)) throw new Error(`${SSH} is missing: these tests need the OpenSSH client (apt-get install openssh-client)`);
  workdir = await mkdtemp(join(tmpdir(), 'fleet-ssh-keywords-'));
  const v = await run(SSH, ['-V']);
  version = opensshVersion(`${v.stderr}${v.stdout}`) ?? [0, 0];
  expect(version[0]).toBeGreaterThan(0);
});

afterAll(async () => {
  if (workdir !== '') await rm(workdir, { recursive: true, force: true });
});

/** `ssh -G` with `text` as the only configuration: exit status, output and what it prints per keyword. */
async function sshG(text: string, host = HOST): Promise<{ ok: boolean; output: string; values: Record<string, string[]> }> {
  const file = join(workdir, `config-${files++}`);
  await writeFile(file, text, { mode: 0o600 });
  try {
    const { stdout } = await limit(() => run(SSH, ['-G', '-F', file, host]));
    return { ok: true, output: stdout, values: Object.fromEntries(printedValues(stdout)) };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: string }).stderr ?? error), values: {} };
  }
}

// Samples of the options a policy cannot set (no annotation); ssh resolves the host for this one.
const UNSETTABLE_SAMPLES: Readonly<Record<string, string>> = { CanonicalizePermittedCNAMEs: '*.a.example.com:*.b.example.com' };

function sampleOf(k: SshKeyword): string {
  const target = k.aliasOf !== undefined ? sshKeyword(k.aliasOf) : k;
  return target?.annotation?.sample ?? UNSETTABLE_SAMPLES[k.name] ?? 'no';
}

const known = () => sshKeywords().filter((k) => sshKnownBy(k.name, version));
const unknown = () => sshKeywords().filter((k) => !sshKnownBy(k.name, version));

describe('the client keyword table against the real ssh -G', () => {
  test('every keyword this release knows is accepted with its sample', async () => {
    const refused: string[] = [];
    await Promise.all(
      known().map(async (k) => {
        const res = await sshG(`${k.name} ${sampleOf(k)}\n`, k.name in UNSETTABLE_SAMPLES ? 'localhost' : HOST);
        if (!res.ok) refused.push(`${k.name}: ${res.output.trim()}`);
      }),
    );
    expect(refused).toEqual([]);
    expect(known().length).toBeGreaterThan(100);
  });

  test('every keyword this release does not know is refused', async () => {
    const accepted: string[] = [];
    await Promise.all(
      unknown().map(async (k) => {
        const res = await sshG(`${k.name} ${sampleOf(k)}\n`);
        if (res.ok || !/Bad configuration option/i.test(res.output)) accepted.push(k.name);
      }),
    );
    expect(accepted).toEqual([]);
  });

  test('ssh -G prints every sample, and every enumeration word, as the table normalises it', async () => {
    const wrong: string[] = [];
    const settable = known().filter((k) => k.annotation !== undefined && k.annotation.combine !== 'structure');
    await Promise.all(
      settable.flatMap((k) => {
        const a = k.annotation!;
        const values = [a.sample, ...(a.type.kind === 'enum' || a.type.kind === 'flag' ? (a.type.kind === 'enum' ? a.type.words : ['yes', 'no']) : [])];
        return values.map(async (value) => {
          const res = await sshG(`${k.name} ${value}\n`);
          const shown = res.values[k.name.toLowerCase()];
          // A few keywords ssh -G does not print at all (Tag, LogVerbose on 9.2…): nothing to compare.
          if (shown === undefined) return;
          const expected = a.combine === 'accumulate' || (a.type.kind === 'list' && ['setenv', 'sendenv'].includes(k.name.toLowerCase())) ? shown.join(' ') : shown[0];
          if (!res.ok || expected !== normalizeClientValue(k.name, value, homedir())) wrong.push(`${k.name} ${value}: ssh -G prints ${JSON.stringify(shown)}, the table says ${JSON.stringify(normalizeClientValue(k.name, value, homedir()))}`);
        });
      }),
    );
    expect(wrong).toEqual([]);
  });
});
