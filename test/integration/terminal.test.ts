/**
 * The live display as a user sees it: fleet runs in a real pseudo-terminal of 100×30 (util-linux
 * `script`), and what it wrote is replayed through a terminal emulator (@xterm/headless) with a
 * scrollback, which is what stays on the user's screen and above it. 500 hosts: 3 real lab
 * hosts and 497 addresses where nothing listens (refused at once, so the failure list is long).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import xterm from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { CLI } from '../helpers/cli.js';
import { inventoryFor, writePolicy } from '../helpers/faults.js';

const COLS = 100;
const ROWS = 30;
const HOSTS = 500;
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 3, namePrefix: 'tty' });
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

/** What a terminal shows after `bytes`: every line, scrollback first, and where the screen starts. */
function emulate(bytes: Buffer): Promise<{ lines: string[]; screenTop: number }> {
  const term = new xterm.Terminal({ cols: COLS, rows: ROWS, scrollback: 1_000_000, allowProposedApi: true });
  return new Promise((resolve) =>
    term.write(new Uint8Array(bytes), () => {
      const buf = term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
      resolve({ lines, screenTop: buf.baseY });
    }),
  );
}

describe('progress on a terminal', () => {
  it(`at ${HOSTS} hosts leaves one summary and a bounded list in the scrollback, and ends with the report on screen`, async () => {
    const unreachable = Array.from({ length: HOSTS - lab.hosts.length }, (_, i) => `    down${String(i).padStart(3, '0')}: { address: 127.0.${200 + Math.floor(i / 250)}.${1 + (i % 250)}, user: root, identity_file: ${JSON.stringify(lab.clientKey)} }`);
    const inventory = `${inventoryFor(lab, lab.hosts)}${unreachable.join('\n')}\n`;
    const policy = writePolicy(lab.dir, 'tty', inventory, { ClientAliveInterval: 300 });
    const typescript = join(lab.dir, 'tty.typescript');
    const command = `stty cols ${COLS} rows ${ROWS}; exec ${process.execPath} ${CLI} check ${policy} --known-hosts ${lab.knownHosts} --timeout 5`;
    const run = spawnSync('script', ['-q', '-e', '-c', command, typescript], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, TERM: 'xterm-256color' } });
    // check: 3 hosts drift (exit 2) but 497 are unreachable, so exit 1.
    expect(run.status, run.stderr).toBe(1);

    // `script` wraps the session in a line of its own before and after.
    const raw = readFileSync(typescript);
    const body = raw.subarray(raw.indexOf(10) + 1, raw.lastIndexOf(Buffer.from('\nScript done')) + 1);
    const { lines, screenTop } = await emulate(body);
    writeFileSync(`${typescript}.txt`, lines.join('\n'));

    const titles = lines.filter((l) => /fleet check: \d+\/\d+ hosts/.test(l));
    expect(titles, 'the live summary, drawn once').toHaveLength(1);
    expect(titles[0]).toContain(`${HOSTS}/${HOSTS} hosts`);
    const inFlight = lines.filter((l) => /^\s*(›\s*)?[\w-]+: (queued|connect|lock|facts|plan|stage|write|commit|reload|login|client|rollback)$/.test(l) || /more in flight/.test(l));
    expect(inFlight, 'no frame of hosts in flight is left behind').toEqual([]);
    const listed = lines.slice(0, lines.findIndex((l) => /Failed and unreachable hosts/.test(l))).filter((l) => l.includes('✖'));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length, 'the failures shown live are a bounded list').toBeLessThanOrEqual(8);

    // The report (stdout) comes after the display and fills the last screen, ending in its summary.
    const screen = lines.slice(screenTop).filter((l) => l.trim() !== '');
    // The report went to the terminal, so its diffs are in colour (a file or a pipe gets none).
    expect(raw.includes('\x1b[32m+ClientAliveInterval 300\x1b[0m')).toBe(true);
    expect(screen.at(-1)).toMatch(new RegExp(`^fleet check: ${HOSTS} hosts · 3 drifted · 0 unchanged · 0 failed · ${HOSTS - 3} unreachable`));
  }, 400_000);
});
