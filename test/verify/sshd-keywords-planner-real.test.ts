/**
 * The planner over any keyword against the real sshd 9.2: random policies of typed values, exact
 * lists and members on generated trees; the edited tree passes `sshd -t`, and `sshd -T` shows
 * every promised value (in the form planHost promises it) and every exact list and member.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import pLimit from 'p-limit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { printedValues } from '../../src/core/printed-config.js';
import { applyEdits, knownBy, normalizeValue, planSshd, relocate, type ConfigTree } from '../../src/core/sshd/index.js';
import { generatedTree } from '../unit/sshd/generate.js';
import { desiredOf, exact, members, single, VERSION } from '../unit/sshd/keyword-policies.js';

const SSHD = '/usr/sbin/sshd';
const run = promisify(execFile);
const limit = pLimit(2);
const SEED = Number(process.env['FLEET_VERIFY_SEED'] ?? Date.now() % 2 ** 31);
let workdir = '';
let staged = 0;

// Left out of the random policies: keywords sshd -t only accepts with a partner line
// (AuthorizedKeysCommand), that this build refuses (RDomain), that must name real files
// (HostKey), that the build lacks (`build` keywords -T may not print), that depend on other
// settings (AuthenticationMethods needs its methods enabled), and those whose -T line fleet
// does not promise (Subsystem, prefixed algorithm lists are not generated).
const pool = single.filter(
  (k) => knownBy(k.name, VERSION) && k.status === 'option' && k.annotation!.companion === undefined && !['RDomain', 'AuthenticationMethods', 'Subsystem'].includes(k.name),
);

beforeAll(async () => {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: these tests need OpenSSH's sshd`);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  workdir = await mkdtemp(join(tmpdir(), 'fleet-sshd-keywords-plan-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(workdir, 'host_key')]);
});
afterAll(async () => {
  if (workdir !== '') await rm(workdir, { recursive: true, force: true });
});

/** The tree under a fresh directory, with the temp host key first in the main file. */
async function stage(tree: ConfigTree): Promise<string> {
  const relocated = relocate(tree, join(workdir, String(staged++)));
  for (const [path, text] of relocated.files) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, path === relocated.main ? `HostKey ${join(workdir, 'host_key')}\n${text}` : text);
  }
  return relocated.main;
}

test(`random policies on generated trees: sshd -t accepts the result and sshd -T shows what was planned (seed ${SEED})`, async () => {
  const samples = fc.sample(fc.tuple(generatedTree, desiredOf(pool), exact, members), { numRuns: 80, seed: SEED });
  await Promise.all(
    samples.map(async ([{ tree }, wanted, lists, memberWanted], i) => {
      const onlyMembers = Object.fromEntries(Object.entries(memberWanted).filter(([k]) => !(k in lists)));
      const all = { ...wanted, ...Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.join(' ')])) };
      const context = `sample ${i} (seed ${SEED}): ${JSON.stringify({ all, onlyMembers })}\n${[...tree.files].map(([p, t]) => `--- ${p}\n${t}`).join('\n')}`;
      const plan = planSshd(tree, all, { members: onlyMembers, version: VERSION });
      const main = await stage(applyEdits(tree, plan.edits));
      const check = await limit(() => run(SSHD, ['-t', '-f', main]).then(() => '', (e: { stderr?: string }) => e.stderr ?? 'failed'));
      expect(check, `sshd -t: ${context}`).toBe('');
      const { stdout } = await limit(() => run(SSHD, ['-T', '-f', main]));
      const lines = printedValues(stdout);
      for (const [keyword, value] of Object.entries(wanted)) {
        expect(lines.get(keyword.toLowerCase())?.[0], `${keyword}: ${context}`).toBe(normalizeValue(keyword, value, VERSION));
      }
      for (const [keyword, list] of Object.entries(lists)) expect(lines.get(keyword.toLowerCase()), `${keyword}: ${context}`).toEqual(list);
      for (const [keyword, { present, absent }] of Object.entries(onlyMembers)) {
        const got = lines.get(keyword.toLowerCase()) ?? [];
        expect(present.filter((m) => !got.includes(m)), `${keyword} present: ${context}`).toEqual([]);
        expect(absent.filter((m) => got.includes(m)), `${keyword} absent: ${context}`).toEqual([]);
      }
    }),
  );
});
