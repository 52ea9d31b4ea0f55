/**
 * Mutated ssh_config files against the real OpenSSH client: whenever `ssh -G -F FILE` accepts
 * a damaged or hand-edited file, it also accepts the planner's output, and an arbitrary host
 * gets the values the planner promised (unless the planner itself warned that an Include it
 * cannot read may set them first).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FleetError } from '../../src/core/errors.js';
import { planSshClient, SSH_CLIENT_DEFAULTS } from '../../src/core/sshclient/index.js';
import { mutatedClientConfig, PROBE_HOST, type MutatedClientConfig } from './support/client.js';
import { judge, SEED, Stage } from './support/sshd.js';

const SAMPLES = Number(process.env['FLEET_FUZZ_SAMPLES'] ?? 300);
const BATCH = 100;
const SSH = 'ssh';

const stage = new Stage();
let accepted = 0;
let judged = 0;

beforeAll(() => stage.open());
afterAll(() => stage.dispose());

async function verify({ corpus, text, desired }: MutatedClientConfig): Promise<void> {
  const context = `seed ${SEED}, corpus ${corpus}, desired ${JSON.stringify(desired)}\n${JSON.stringify(text)}`;
  let plan;
  try {
    plan = planSshClient('/root/.ssh/config', text, desired);
  } catch (error) {
    // The one refusal allowed: a NUL byte, which makes ssh drop the next line (see corner cases).
    expect(error, context).toBeInstanceOf(FleetError);
    expect((error as FleetError).code, context).toBe('CONFIG_UNSUPPORTED');
    expect(text.includes('\0'), context).toBe(true);
    judged++;
    return;
  }
  const before = await judge(SSH, ['-G', '-F', await stage.file('config', text), PROBE_HOST]);
  judged++;
  if (!before.accepted) return;
  accepted++;
  const afterText = plan.edit?.after ?? text;
  const after = await judge(SSH, ['-G', '-F', await stage.file('config', afterText), PROBE_HOST]);
  expect(after.accepted, `ssh -G accepted the file but rejected the planner's output: ${after.stderr}\n${context}\n=== after\n${JSON.stringify(afterText)}`).toBe(true);
  if (plan.warnings.some((w) => w.startsWith('Include'))) return;
  for (const keyword of Object.keys(desired)) {
    const key = keyword.toLowerCase();
    const promised = plan.after[keyword]?.value ?? SSH_CLIENT_DEFAULTS[key];
    expect(after.values.get(key), `after: ${keyword}\n${context}`).toBe(promised);
  }
}

describe(`mutated ssh_config files against the real ssh -G (seed ${SEED}; FLEET_FUZZ_SEED=${SEED} repeats it)`, () => {
  const samples = fc.sample(mutatedClientConfig, { numRuns: SAMPLES, seed: SEED });
  for (let start = 0; start < samples.length; start += BATCH) {
    test(`files ${start + 1}-${Math.min(start + BATCH, samples.length)}`, { timeout: 60_000 }, async () => {
      await Promise.all(samples.slice(start, start + BATCH).map(verify));
    });
  }

  test('the sample is not vacuous: ssh accepted a fair share of the mutated files', () => {
    expect(judged).toBe(SAMPLES);
    expect(accepted / judged, `${accepted} of ${judged} accepted`).toBeGreaterThan(0.2);
  });
});
