/**
 * Issue 12, item 5: scripts and file contents no longer travel on the remote command line.
 * A real lab host with a 100 KB sshd_config (hundreds of Match blocks) plans and applies like
 * any other (on the command line its candidate was far past the kernel's 128 KiB per argument:
 * E2BIG, reported as WRITE_FAILED), and the host proves what it was sent: root's
 * authorized_keys runs every session through a recorder (`command="…"`), which logs the
 * command line sshd received, and while the apply is paused on the host no process there shows
 * any of the script in its command line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { configSnapshot, inventoryFor, runFlags, writePolicy } from '../helpers/faults.js';
import { hostScript, pauseCommand, pausePoint, sessionPids } from '../helpers/inject.js';

let lab: Lab;
let h: LabHost;
const WANT = { ClientAliveInterval: 277, ClientAliveCountMax: 9 };
/** The command lines sshd received, one per line, as the recorder logged them (outside view). */
const commandLog = (): string => join(h.dir, 'run', 'received-commands');

/** Hundreds of site rules, each in its own Match block, after the distribution's file: ~100 KB. */
function largeConfig(base: string): string {
  const blocks: string[] = [];
  for (let i = 0; blocks.join('').length < 100_000; i++) {
    const who = i % 2 === 0 ? `User svc${String(i).padStart(4, '0')}` : `Address 10.${i % 250}.${(i * 7) % 250}.0/24`;
    const keepalive = i % 10 === 0 ? `\tClientAliveInterval ${30 + (i % 90)}\n` : '';
    blocks.push(`\n# Site rule ${i}: service account or subnet with its own limits.\nMatch ${who}\n${keepalive}\tX11Forwarding no\n\tAllowTcpForwarding no\n\tPermitTTY no\n`);
  }
  return `${base}${blocks.join('')}`;
}

beforeAll(async () => {
  lab = await startLab({ count: 1, shapes: ['debian12'], namePrefix: 'big' });
  h = lab.hosts[0]!;
  writeFileSync(join(h.etcSsh, 'sshd_config'), largeConfig(readFileSync(join(h.etcSsh, 'sshd_config'), 'utf8')));
  // Every session of root runs through the recorder, which logs what sshd was asked to run and
  // then runs it as sshd would have: the login shell with -c.
  const recorder = hostScript(h, 'record', `printf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> /run/received-commands\nexec /bin/bash -c "$SSH_ORIGINAL_COMMAND"`);
  const keys = join(h.dir, 'root', '.ssh', 'authorized_keys');
  writeFileSync(keys, readFileSync(keys, 'utf8').split('\n').map((l) => (l.trim() === '' ? l : `command="${recorder}" ${l}`)).join('\n'));
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

describe.sequential('a 100 KB sshd_config, with scripts sent on stdin', () => {
  it('the config is what the issue describes: about 100 KB, hundreds of Match blocks, valid for sshd', async () => {
    const text = readFileSync(join(h.etcSsh, 'sshd_config'), 'utf8');
    expect(text.length).toBeGreaterThan(100_000);
    expect(text.match(/^Match /gm)!.length).toBeGreaterThan(500);
    expect((await lab.exec(h, '/usr/sbin/sshd -t')).code).toBe(0);
  });

  it('plan proves the candidate on the host and exits 2; nothing changes', { timeout: 120_000 }, async () => {
    const before = configSnapshot(h);
    const policy = writePolicy(lab.dir, 'big', inventoryFor(lab, [h]), WANT);
    const run = await fleet(['plan', policy, ...runFlags(lab)]);
    const report = jsonReport(run);
    expect(report.hosts[0], run.stderr).toMatchObject({ status: 'changed', error: null });
    expect(run.code).toBe(2);
    expect(configSnapshot(h)).toEqual(before);
  });

  it('apply converges it (no process on the host shows the script meanwhile), a second apply changes nothing', { timeout: 180_000 }, async () => {
    const pause = pausePoint(h, 'big');
    const inventory = inventoryFor(lab, [h], () => ({ sshd_reload_command: `kill -HUP "$(cat /run/sshd.pid)" && ${pauseCommand('big')}` }));
    const policy = writePolicy(lab.dir, 'big-apply', inventory, WANT);
    const candidate = Buffer.from(readFileSync(join(h.etcSsh, 'sshd_config'), 'utf8')).toString('base64').slice(1000, 1060);
    const running = fleet(['apply', policy, ...runFlags(lab)], { timeoutMs: 150_000 });
    await pause.reached(120_000);
    // The host mid-apply: the session running fleet's script (and the reload it paused in).
    const cmdlines: string[] = [];
    for (const pid of await sessionPids(lab, h)) {
      try {
        cmdlines.push(readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim());
      } catch {
        // exited while we looked
      }
    }
    pause.release();
    expect(cmdlines).toContain('sh -s');
    for (const line of cmdlines) {
      expect(line.length, line).toBeLessThan(200);
      expect(line).not.toContain('@@fleet');
      expect(line).not.toContain(candidate.slice(0, 20));
    }

    const first = await running;
    expect(jsonReport(first).hosts[0], first.stderr).toMatchObject({ status: 'changed', error: null, reloaded: true });
    expect(first.code).toBe(0);
    expect(await lab.sshdT(h)).toMatchObject({ clientaliveinterval: '277', clientalivecountmax: '9' });
    const second = await fleet(['apply', policy, ...runFlags(lab)]);
    expect(jsonReport(second).hosts[0], second.stderr).toMatchObject({ status: 'unchanged', error: null, reloaded: false, changes: [] });
    expect(second.code).toBe(0);
  });

  it('sshd received nothing but the fixed, short command line, for every command of plan and both applies', () => {
    const received = readFileSync(commandLog(), 'utf8').split('\n').filter((l) => l !== '');
    // plan: facts, stage; apply: lock + facts, stage to reload, fresh login + finish; again: lock + facts, unlock.
    expect(received.length).toBeGreaterThanOrEqual(7);
    expect(new Set(received)).toEqual(new Set(['exec sh -s']));
  });
});
