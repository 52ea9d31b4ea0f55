/**
 * The client planner against the real OpenSSH client: `ssh -G -F <file> <host>` prints the
 * configuration ssh would use (lowercase keywords, times in seconds). For generated files and a
 * few hand-written ones, it must show the planner's `before` for the original file and its
 * `after` for the edited one.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { firstPrintedValues } from '../../src/core/printed-config.js';
import { planSshClient, SSH_CLIENT_DEFAULTS } from '../../src/core/sshclient/index.js';
import type { DesiredDirectives, EffectiveEntry } from '../../src/core/sshd/index.js';
import { generatedClientConfig, PROBE_HOST } from '../unit/sshclient/generate.js';

const SSH = '/usr/bin/ssh';
const GENERATED = 400;
const SEED = Number(process.env['FLEET_VERIFY_SEED'] ?? Date.now() % 2 ** 31);
const run = promisify(execFile);
const limit = pLimit(2);
let workdir = '';
let written = 0;

beforeAll(async () => {
  if (!existsSync(SSH)) throw new Error(`${SSH} is missing: these tests need the OpenSSH client (apt-get install openssh-client)`);
  workdir = await mkdtemp(join(tmpdir(), 'fleet-ssh-verify-'));
});

afterAll(async () => {
  if (workdir !== '') await rm(workdir, { recursive: true, force: true });
});

/** `ssh -G` for `host` with only `text` as configuration (`null`: no file at all). */
async function sshG(text: string | null, host: string): Promise<Map<string, string>> {
  let file = '/dev/null';
  if (text !== null) {
    file = join(workdir, `config-${written++}`);
    await writeFile(file, text, { mode: 0o600 });
  }
  const { stdout } = await limit(() => run(SSH, ['-G', '-F', file, host]));
  return new Map(Object.entries(firstPrintedValues(stdout)));
}

function modelled(entries: Record<string, EffectiveEntry>, keyword: string): string | undefined {
  return entries[keyword]?.value ?? SSH_CLIENT_DEFAULTS[keyword.toLowerCase()];
}

async function verify(text: string | null, desired: DesiredDirectives): Promise<void> {
  const context = `seed ${SEED}; desired ${JSON.stringify(desired)}; file ${JSON.stringify(text)}`;
  const plan = planSshClient('/root/.ssh/config', text, desired);
  const [before, after] = await Promise.all([sshG(text, PROBE_HOST), sshG(plan.edit?.after ?? text, PROBE_HOST)]);
  for (const keyword of Object.keys(desired)) {
    expect(before.get(keyword.toLowerCase()), `before: ${keyword}\n${context}`).toBe(modelled(plan.before, keyword));
    expect(after.get(keyword.toLowerCase()), `after: ${keyword}\n${context}`).toBe(modelled(plan.after, keyword));
  }
}

const KEEPALIVE_POLICY = { ServerAliveInterval: '240', ServerAliveCountMax: '3', TCPKeepAlive: 'yes' };

describe('hand-written ssh_config files against ssh -G', () => {
  const cases: [string, string | null][] = [
    ['no file', null],
    ['empty file', ''],
    ['Debian ~/.ssh/config habits', 'Host github.com\n  User git\n\nHost *\n  ForwardAgent no\n'],
    ['global value set to 0', 'ServerAliveInterval 0\nHost bastion\n  ServerAliveInterval 30\n'],
    ['host-specific value first', 'Host bastion\n  ServerAliveInterval 30\nHost *\n  ServerAliveInterval 10\n'],
    ['negated Host * is not universal', 'Host * !fleet-probe\n  ServerAliveInterval 99\n'],
    ['CRLF without final newline', 'Host *\r\n  Compression yes\r\n  serveraliveinterval=5m'],
    ['Match all', 'Match all\n  ServerAliveInterval 15\n'],
  ];
  test.each(cases)('%s', async (_name, text) => {
    await verify(text, KEEPALIVE_POLICY);
    await verify(text, { ServerAliveInterval: '60' });
  });

  test('a host-specific value before the winner really wins for that host (the warning is true)', async () => {
    const text = 'Host bastion\n  ServerAliveInterval 30\n';
    const plan = planSshClient('/root/.ssh/config', text, { ServerAliveInterval: '240' });
    expect(plan.warnings.join('\n')).toContain('Host bastion');
    const bastion = await sshG(plan.edit?.after ?? text, 'bastion');
    expect(bastion.get('serveraliveinterval')).toBe('30');
  });
});

describe('generated ssh_config files against ssh -G', () => {
  const samples = fc.sample(generatedClientConfig, { numRuns: GENERATED, seed: SEED });
  test(`${GENERATED} files (seed ${SEED})`, async () => {
    await Promise.all(samples.map(({ text, desired }) => verify(text, desired)));
  });
});

