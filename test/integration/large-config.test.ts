/**
 * Issue 12, item 5: scripts and file contents no longer travel on the remote command line.
 * A real lab host with a 100 KB sshd_config (hundreds of Match blocks) plans and applies like
 * any other (on the command line its candidate was far past the kernel's 128 KiB per argument:
 * E2BIG, reported as WRITE_FAILED), and the host proves what it was sent: root's
 * authorized_keys runs every session through a recorder (`command="…"`), which logs the
 * command line sshd received, and while the apply is paused on the host no process there shows
 * any of the script in its command line. A second host does the same as a `become` user
 * through the real `sudo -n`, whose own log shows the command it ran.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { configSnapshot, inventoryFor, runFlags, writePolicy } from '../helpers/faults.js';
import { hostScript, pauseCommand, pausePoint, sessionPids } from '../helpers/inject.js';
import { grantSudo } from '../helpers/sudo.js';

let lab: Lab;
let h: LabHost;
/** The host worked on as SUDO_USER with `become`. */
let hs: LabHost;
const SUDO_USER = 'fleetsudo';
/** Removes the passwordless sudo (for the lab's own user only, logged without line wrapping to the host's /run). */
let revokeSudo: () => void = () => undefined;
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

/** Makes every login of the user whose authorized_keys is at `keys` (outside view) run through `recorder` (inside path). */
function forceThrough(keys: string, recorder: string): void {
  writeFileSync(keys, readFileSync(keys, 'utf8').split('\n').map((l) => (l.trim() === '' ? l : `command="${recorder}" ${l}`)).join('\n'));
}

beforeAll(async () => {
  lab = await startLab({ count: 2, shapes: ['debian12'], namePrefix: 'big', users: [SUDO_USER] });
  [h, hs] = lab.hosts as [LabHost, LabHost];
  for (const host of [h, hs]) writeFileSync(join(host.etcSsh, 'sshd_config'), largeConfig(readFileSync(join(host.etcSsh, 'sshd_config'), 'utf8')));
  // Every session of root runs through the recorder, which logs what sshd was asked to run and
  // then runs it as sshd would have: the login shell with -c.
  forceThrough(join(h.dir, 'root', '.ssh', 'authorized_keys'), hostScript(h, 'record', `printf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> /run/received-commands\nexec /bin/bash -c "$SSH_ORIGINAL_COMMAND"`));
  // The same for the sudo user, whose login shell is /bin/sh and who cannot write /run.
  const userRecorder = join(hs.dir, 'home', SUDO_USER, 'record');
  writeFileSync(userRecorder, `#!/bin/sh\nprintf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> /tmp/received-commands\nexec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n`);
  chmodSync(userRecorder, 0o755);
  forceThrough(join(hs.dir, 'home', SUDO_USER, '.ssh', 'authorized_keys'), `/home/${SUDO_USER}/record`);
  revokeSudo = grantSudo(SUDO_USER, `Defaults:${SUDO_USER} logfile=/run/sudo.log, loglinelen=0\n`);
}, 180_000);
afterAll(async () => {
  revokeSudo();
  await lab?.stop();
});

describe.sequential('a 100 KB sshd_config, with scripts sent on stdin', () => {
  it('the config is what the issue describes: about 100 KB, hundreds of Match blocks, valid for sshd', async () => {
    const text = readFileSync(join(h.etcSsh, 'sshd_config'), 'utf8');
    expect(text.length).toBeGreaterThan(100_000);
    expect(text.match(/^Match /gm)!.length).toBeGreaterThan(500);
    for (const host of [h, hs]) expect((await lab.exec(host, '/usr/sbin/sshd -t')).code).toBe(0);
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
    // plan: facts, stage; apply: facts, lock + stage to reload, fresh login + finish; again: facts.
    expect(received.length).toBeGreaterThanOrEqual(6);
    expect(new Set(received)).toEqual(new Set(['exec sh -s']));
  });

  it('as a become user through the real sudo -n: plan, apply and a second apply; sudo logged only `sh -s`, sshd received only the fixed sudo line', { timeout: 180_000 }, async () => {
    const policy = writePolicy(lab.dir, 'big-sudo', inventoryFor(lab, [hs], () => ({ user: SUDO_USER, become: 'true' })), WANT);
    const plan = await fleet(['plan', policy, ...runFlags(lab)]);
    expect(jsonReport(plan).hosts[0], plan.stderr).toMatchObject({ status: 'changed', error: null });
    const first = await fleet(['apply', policy, ...runFlags(lab)]);
    expect(jsonReport(first).hosts[0], first.stderr).toMatchObject({ status: 'changed', error: null, reloaded: true });
    expect(await lab.sshdT(hs)).toMatchObject({ clientaliveinterval: '277', clientalivecountmax: '9' });
    const second = await fleet(['apply', policy, ...runFlags(lab)]);
    expect(jsonReport(second).hosts[0], second.stderr).toMatchObject({ status: 'unchanged', error: null, changes: [] });

    const received = readFileSync(join(hs.dir, 'tmp', 'received-commands'), 'utf8').split('\n').filter((l) => l !== '');
    expect(received.length).toBeGreaterThanOrEqual(6);
    expect(new Set(received)).toEqual(new Set([`exec sh -c 'printf "\\036fleet-pgid %s\\n" "$$" >&2; exec sudo -n sh -s'`]));
    const sudoCommands = [...readFileSync(join(hs.dir, 'run', 'sudo.log'), 'utf8').matchAll(/COMMAND=(.*)$/gm)].map((m) => m[1]);
    expect(sudoCommands.length).toBe(received.length);
    expect(new Set(sudoCommands)).toEqual(new Set(['/usr/bin/sh -s']));
  });
});
