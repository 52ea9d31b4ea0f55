/**
 * The planner's model against the real OpenSSH: every corpus tree and a few hundred generated
 * ones are staged with `relocate` into a temp dir, and `/usr/sbin/sshd -T` must print exactly
 * the values the planner says sshd reads today (`before`) and will read after the edits
 * (`after`), while `sshd -t` accepts the edited tree.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  applyEdits,
  canonicalKeyword,
  planSshd,
  relocate,
  SSHD_DEFAULTS,
  type ConfigTree,
  type DesiredDirectives,
  type EffectiveEntry,
} from '../../src/core/sshd/index.js';
import { firstPrintedValues } from '../../src/core/printed-config.js';
import { corpusNames, loadCorpusTree, treeFromFiles } from '../unit/sshd/fixture-tree.js';
import { generatedTree } from '../unit/sshd/generate.js';

const SSHD = '/usr/sbin/sshd';
const KEEPALIVE = ['ClientAliveInterval', 'ClientAliveCountMax', 'TCPKeepAlive'] as const;
const GENERATED = 300;
const BATCH = 60;
const SEED = Number(process.env['FLEET_VERIFY_SEED'] ?? Date.now() % 2 ** 31);

const run = promisify(execFile);
// Two sshd processes at a time: the machine (and CI) has two cores.
const limit = pLimit(2);
let workdir = '';
let staged = 0;

beforeAll(async () => {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: these tests need OpenSSH's sshd (apt-get install openssh-server)`);
  }
  // sshd -t / -T insist on the privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  workdir = await mkdtemp(join(tmpdir(), 'fleet-sshd-verify-'));
});

afterAll(async () => {
  if (workdir !== '') await rm(workdir, { recursive: true, force: true });
});

/** Writes the tree under a fresh directory; returns the staged main file. */
async function stage(tree: ConfigTree): Promise<string> {
  const root = join(workdir, String(staged++));
  const relocated = relocate(tree, root);
  for (const [path, text] of relocated.files) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  return relocated.main;
}

async function sshd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return limit(async () => {
    try {
      const { stdout, stderr } = await run(SSHD, args, { maxBuffer: 1 << 20 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
    }
  });
}

/** `sshd -T` output as lowercase keyword → value. */
async function effectiveFromSshd(main: string, context: string): Promise<Map<string, string>> {
  const result = await sshd(['-T', '-f', main]);
  expect(result.code, `sshd -T failed for ${context}: ${result.stderr}`).toBe(0);
  return new Map(Object.entries(firstPrintedValues(result.stdout)));
}

function modelled(entries: Record<string, EffectiveEntry>, keyword: string): string | undefined {
  return entries[keyword]?.value ?? SSHD_DEFAULTS[keyword.toLowerCase()];
}

function describeTree(tree: ConfigTree, desired: DesiredDirectives): string {
  const files = [...tree.files].map(([path, text]) => `--- ${path}\n${JSON.stringify(text)}`).join('\n');
  return `seed ${SEED}; desired ${JSON.stringify(desired)}\n${files}`;
}

/** Plans, then checks before/after against sshd -T and the edited tree against sshd -t. */
async function verify(tree: ConfigTree, desired: DesiredDirectives): Promise<void> {
  const context = describeTree(tree, desired);
  const plan = planSshd(tree, desired);
  const [beforeMain, afterMain] = await Promise.all([stage(tree), stage(applyEdits(tree, plan.edits))]);
  const [live, candidate, check] = await Promise.all([
    effectiveFromSshd(beforeMain, `the original tree\n${context}`),
    effectiveFromSshd(afterMain, `the edited tree\n${context}`),
    sshd(['-t', '-f', afterMain]),
  ]);
  expect(check.code, `sshd -t rejected the edited tree: ${check.stderr}\n${context}`).toBe(0);
  const keywords = [...new Set([...KEEPALIVE, ...Object.keys(desired)])];
  for (const keyword of keywords) {
    const key = keyword.toLowerCase();
    if (plan.before[keyword] !== undefined) {
      expect(live.get(key), `before: ${keyword}\n${context}`).toBe(modelled(plan.before, keyword));
    }
    if (plan.after[keyword] !== undefined) {
      expect(candidate.get(key), `after: ${keyword}\n${context}`).toBe(modelled(plan.after, keyword));
    }
  }
}

const POLICIES: DesiredDirectives[] = [
  { ClientAliveInterval: '298', ClientAliveCountMax: '3', TCPKeepAlive: 'yes' },
  { TCPKeepAlive: 'no', ClientAliveCountMax: '5', ClientAliveInterval: '4m' },
  { ClientAliveInterval: '0' },
];

describe('corpus trees against the real sshd', () => {
  test.each(corpusNames())('%s', async (name) => {
    const tree = loadCorpusTree(name);
    await Promise.all(POLICIES.map((desired) => verify(tree, desired)));
  });
});

describe('hand-written corner cases against the real sshd', () => {
  const MAIN = '/etc/ssh/sshd_config';
  const cases: [string, Record<string, string>][] = [
    ['Include in a non-matching Match: even Match all inside is read syntax-only', {
      [MAIN]: 'ClientAliveCountMax 2\nMatch User ops\n  Include /etc/ssh/m.d/*.conf\n',
      '/etc/ssh/m.d/a.conf': 'ClientAliveInterval 5\nMatch all\nClientAliveCountMax 1\n',
    }],
    ['Include inside Match all: its lines apply to everyone', {
      [MAIN]: 'ClientAliveInterval 60\nMatch all\n  Include m.d/*.conf\n',
      '/etc/ssh/m.d/a.conf': 'ClientAliveInterval 5\n',
    }],
    ['Match all in a drop-in beats the global value in the main file', {
      [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nClientAliveInterval 60\nTCPKeepAlive no\n',
      '/etc/ssh/sshd_config.d/a.conf': 'Match all\nClientAliveInterval 15\n',
    }],
    ['TCPKeepAlive after Match all counts only when nothing global came first', {
      [MAIN]: 'Port 22\nMatch all\nTCPKeepAlive no\nClientAliveCountMax 7\n',
    }],
    ['aliases, quotes, = and comments', {
      [MAIN]: 'KeepAlive=no # old\n"ClientAliveInterval" "4m58s"\nclientalivecountmax = 010\n',
    }],
    ['a Match block in an included file does not leak into the includer', {
      [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nClientAliveInterval 600\n',
      '/etc/ssh/sshd_config.d/b.conf': 'Match Group staff\nClientAliveInterval 9\n',
      '/etc/ssh/sshd_config.d/a.conf': 'Match User x\nClientAliveCountMax 9\n',
    }],
  ];
  test.each(cases)('%s', async (_name, files) => {
    const tree = treeFromFiles(new Map(Object.entries(files)));
    await Promise.all(POLICIES.map((desired) => verify(tree, desired)));
  });

  test('every keyword sshd -T prints is one canonicalKeyword knows', async () => {
    const main = await stage(treeFromFiles(new Map([['/etc/ssh/sshd_config', 'UsePAM yes\n']])));
    const printed = await effectiveFromSshd(main, 'a one-line config');
    const unknown = [...printed.keys()].filter((k) => canonicalKeyword(k) === undefined);
    expect(unknown).toEqual([]);
    expect(printed.size).toBeGreaterThan(80);
  });
});

describe('generated trees against the real sshd', () => {
  const samples = fc.sample(generatedTree, { numRuns: GENERATED, seed: SEED });
  for (let start = 0; start < samples.length; start += BATCH) {
    test(`trees ${start + 1}-${Math.min(start + BATCH, samples.length)} (seed ${SEED})`, async () => {
      await Promise.all(samples.slice(start, start + BATCH).map(({ tree, desired }) => verify(tree, desired)));
    });
  }
});
