/**
 * A user races fleet's read of their ~/.ssh/config: a process running as that user on a real
 * lab host renames a symlink to a root-only file and a regular file over ~/.ssh/config in a
 * loop. Checked as root and then read as root, the link would hand fleet the root-only file
 * (issue 12, item 1: 29 of 40 plans leaked it on a real host). Read as the user, it can only
 * ever yield what the user could read anyway.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../src/core/shell.js';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet } from '../helpers/cli.js';
import { checkedReport } from '../helpers/report-schema.js';

const USER = 'fleetswap';
/** Only in the planted root-only file: any output holding it is the leak. */
const MARKER = 'FLEET-ROOT-ONLY-7f3c9a1e';
const PLANS = 40;

let lab: Lab;
let host: LabHost;
let policyFile: string;

beforeAll(async () => {
  lab = await startLab({ count: 1, namePrefix: 'sw', users: [USER], shapes: ['debian12'] });
  host = lab.hosts[0]!;
  const inv = join(lab.dir, 'swap.inv.yml');
  writeFileSync(inv, `all:\n  vars:\n    user: root\n    identity_file: ${lab.clientKey}\n  hosts:\n    ${host.name}:\n      address: ${host.address}\n`);
  policyFile = join(lab.dir, 'swap.policy.yml');
  writeFileSync(policyFile, `inventory: ${inv}\nsshd:\n  ClientAliveInterval: 297\nclient:\n  users: [${USER}]\n  ServerAliveInterval: 240\n`);
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

/** Starts the swap loop as the user inside the host; it ends when the stop file appears. */
async function startSwapLoop(stopFile: string): Promise<void> {
  const loop = [
    'cd "$HOME/.ssh" || exit 1',
    `printf 'Host *\\n  ServerAliveInterval 10\\n' > plain`,
    // Swapping without a pause, fleet's check of the opened file nearly always sees a swap and
    // refuses; a short rest with the plain file every 30 swaps lets some plans read it too, so
    // the test shows both outcomes on a fast machine as on a loaded one.
    'i=0',
    `while [ ! -e ${stopFile} ]; do`,
    '  ln -sfn /root/secret link.tmp && mv -f link.tmp config',
    '  cp plain plain.tmp && mv -f plain.tmp config',
    '  i=$((i + 1)); [ $((i % 30)) -ne 0 ] || sleep 0.4',
    'done',
  ].join('\n');
  const res = await lab.exec(host, `su -s /bin/sh ${USER} -c ${quote(loop)} </dev/null >/dev/null 2>&1 & echo $!`);
  expect(res.code, res.stderr).toBe(0);
}

describe.sequential('a user swapping a link to a root-only file over ~/.ssh/config', () => {
  it(`never shows the root-only file's text in ${PLANS} plans`, { timeout: 900_000 }, async () => {
    writeFileSync(join(host.dir, 'root', 'secret'), `${MARKER} this line is root's alone\n`, { mode: 0o600 });
    const stopFile = '/tmp/fleet-swap-stop';
    await startSwapLoop(stopFile);
    const outcomes: string[] = [];
    const leaks: number[] = [];
    try {
      // The loop is running: the config flips between a link and a file.
      for (let i = 1; i <= PLANS; i++) {
        const run = await fleet(['plan', policyFile, '--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress']);
        const all = `${run.stdout}\n${run.stderr}`;
        // base64 of the marker would be a leak too (it is how file bytes travel).
        if (all.includes(MARKER) || all.includes(Buffer.from(MARKER).toString('base64').slice(0, 16))) leaks.push(i);
        const report = checkedReport(JSON.parse(run.stdout));
        outcomes.push(`${report.hosts[0]?.status} ${report.hosts[0]?.error?.code ?? ''}`.trim());
      }
    } finally {
      writeFileSync(join(host.dir, 'tmp', 'fleet-swap-stop'), '');
    }
    expect(leaks, `${leaks.length} of ${PLANS} plans show the root-only file`).toEqual([]);
    // The plans were not vacuous: fleet saw the link (refused) and the file (planned) in turns.
    expect(outcomes.some((o) => o.includes('CLIENT_UNSAFE')), outcomes.join(', ')).toBe(true);
    expect(outcomes.some((o) => !o.includes('CLIENT_UNSAFE')), outcomes.join(', ')).toBe(true);
    expect(readFileSync(join(host.dir, 'root', 'secret'), 'utf8')).toContain(MARKER);
    expect(existsSync(join(host.dir, 'tmp', 'fleet-swap-stop'))).toBe(true);
  });
});
