/**
 * Issue 5, "Secrets and trust", against real sshd hosts through the real CLI:
 * - a key passphrase and any sudo/ssh password written into the inventory never show up in
 *   anything fleet prints or writes, on the controller or on the hosts, in any format or error;
 * - nothing in a policy or inventory can weaken host-key checking; only `--accept-new` does,
 *   and then every report says so;
 * - backups, candidates, stage folders and the journal are created with the target's mode or
 *   stricter, never readable by others.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport, type CliRun } from '../helpers/cli.js';
import { backupsOf, configSnapshot, inventoryFor, runFlags, writePolicy } from '../helpers/faults.js';
import { hostScript, pauseCommand, pausePoint, wrapProgram } from '../helpers/inject.js';
import { checkedReport } from '../helpers/report-schema.js';

const PASSPHRASE = 'Pp-7f3e91c2-key-passphrase';
const WRONG_PASSPHRASE = 'Ww-52ab07d4-wrong-passphrase';
const SUDO_PASSWORD = 'Sx-9d14e6a8-sudo-password';
const SSH_PASSWORD = 'Sy-0c7b3f55-ssh-password';
const SECRETS = [PASSPHRASE, WRONG_PASSPHRASE, SUDO_PASSWORD, SSH_PASSWORD];
const BECOME_USER = 'fleetuser';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 7, namePrefix: 'trust', shapes: ['debian12'], users: [BECOME_USER] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

/** Every regular file under `dir`, recursively (symlinks and the test's own fault scripts skipped). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== '.fault') out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe.sequential('secrets never leave the places they were put', () => {
  it('passphrases and sudo/ssh passwords appear in no output, report, error, log or host file', async () => {
    const [good1, good2, become, down] = lab.hosts as [LabHost, LabHost, LabHost, LabHost];
    const encrypted = join(lab.dir, 'encrypted_key');
    copyFileSync(lab.clientKey, encrypted);
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', PASSPHRASE, '-f', encrypted]);
    // Ansible inventories carry passwords in vars fleet does not read; fleet must not echo them either.
    const inventory = inventoryFor(lab, [good1, good2, become, down], (h) => ({
      identity_file: encrypted,
      ansible_become_password: SUDO_PASSWORD,
      ansible_become_pass: SUDO_PASSWORD,
      ansible_ssh_pass: SSH_PASSWORD,
      ansible_password: SSH_PASSWORD,
      ...(h === become ? { user: BECOME_USER, become: 'true' } : {}),
      // A port nothing listens on: refused like a stopped sshd, and the address stays the lab's.
      ...(h === down ? { port: 2 } : {}),
    }));
    const policy = writePolicy(lab.dir, 'secrets', inventory, { ClientAliveInterval: 481 });
    const env = { FLEET_KEY_PASSPHRASE: PASSPHRASE };
    const outFiles = ['json', 'markdown', 'junit', 'text'].map((f) => join(lab.dir, `secrets-report.${f}`));
    const runs: CliRun[] = [];
    const go = async (args: string[], e: NodeJS.ProcessEnv = env): Promise<CliRun> => {
      const run = await fleet(args, { env: e });
      runs.push(run);
      return run;
    };
    const base = ['--known-hosts', lab.knownHosts, '--timeout', '3'];

    await go(['validate', policy]);
    // Progress on (plain lines: stderr is not a terminal), text report on stdout.
    await go(['plan', policy, ...base, '--format', 'text']);
    const applied = await go(['apply', policy, ...base, '--format', 'json', '--out', outFiles[0]!]);
    await go(['check', policy, ...base, '--format', 'markdown', '--out', outFiles[1]!, '--no-progress']);
    await go(['check', policy, ...base, '--format', 'junit', '--out', outFiles[2]!, '--no-progress']);
    await go(['apply', policy, ...base, '--format', 'text', '--out', outFiles[3]!]);
    const wrong = await go(['apply', policy, ...base, '--format', 'json', '--no-progress'], { FLEET_KEY_PASSPHRASE: WRONG_PASSPHRASE });
    await go(['report', 'merge', outFiles[0]!, '--format', 'text']);

    // The runs did use the passphrase, met the sudo refusal and the dead host, and the wrong one failed.
    const report = checkedReport(JSON.parse(readFileSync(outFiles[0]!, 'utf8')));
    const status = (name: string) => report.hosts.find((r) => r.name === name);
    expect(applied.code).toBe(1);
    expect([status(good1.name)?.status, status(good2.name)?.status]).toEqual(['changed', 'changed']);
    expect(status(become.name)?.error?.code).toBe('SUDO_PASSWORD_REQUIRED');
    expect(status(down.name)?.status).toBe('unreachable');
    expect(jsonReport(wrong).hosts.find((r) => r.name === good1.name)?.error?.code).toBe('KEY_UNREADABLE');

    const places: [string, string][] = runs.flatMap((r, i): [string, string][] => [
      [`run ${i} stdout`, r.stdout],
      [`run ${i} stderr`, r.stderr],
    ]);
    for (const f of outFiles) places.push([f, readFileSync(f, 'utf8')]);
    // On the hosts: sshd's log, the configs and backups, /run, /tmp and the homes fleet could touch.
    for (const h of lab.hosts) for (const f of filesUnder(h.dir)) places.push([f, readFileSync(f, 'latin1')]);
    expect(places.length).toBeGreaterThan(40);
    for (const [where, text] of places) for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
  }, 120_000);
});

describe.sequential('host-key checking cannot be weakened by a file, only by --accept-new', () => {
  it('a policy that tries to turn it off is refused before any connection', async () => {
    const h = lab.hosts[4]!;
    for (const extra of ['host_key_checking: false', 'accept_new: true', 'rollout:\n  accept_new: true', 'rollout:\n  host_key_checking: false']) {
      const policy = writePolicy(lab.dir, 'weak-policy', inventoryFor(lab, [h]), { ClientAliveInterval: 482 });
      writeFileSync(policy, `${readFileSync(policy, 'utf8')}${extra}\n`);
      const run = await fleet(['apply', policy, '--known-hosts', join(lab.dir, 'none_known'), '--format', 'json', '--no-progress']);
      expect(run.code, extra).toBe(1);
      expect(run.stdout, 'no run, no report').toBe('');
      expect(run.stderr).toMatch(/accept_new|host_key_checking/);
    }
  });

  it('inventory vars that would turn it off in Ansible are ignored: an unknown key is refused and not recorded', async () => {
    const h = lab.hosts[4]!;
    const knownHosts = join(lab.dir, 'empty_known_hosts');
    writeFileSync(knownHosts, '');
    const before = configSnapshot(h);
    const inventory = inventoryFor(lab, [h], () => ({
      ansible_host_key_checking: 'false',
      host_key_checking: 'false',
      ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
      ansible_ssh_extra_args: '-o StrictHostKeyChecking=no',
    }));
    const policy = writePolicy(lab.dir, 'weak-inventory', inventory, { ClientAliveInterval: 483 });
    for (const format of ['json', 'text']) {
      const run = await fleet(['apply', policy, '--known-hosts', knownHosts, '--format', format, '--no-progress']);
      expect(run.code).toBe(1);
      if (format === 'json') {
        const report = jsonReport(run);
        expect([report.accept_new, report.hosts[0]?.status, report.hosts[0]?.error?.code]).toEqual([false, 'failed', 'HOSTKEY_UNKNOWN']);
      } else expect(run.stdout).not.toMatch(/accept-new was given/);
    }
    expect(readFileSync(knownHosts, 'utf8'), 'nothing was trusted').toBe('');
    expect(configSnapshot(h)).toEqual(before);
  });

  it('--accept-new trusts and records the key, and the JSON, text and Markdown reports all say so', async () => {
    const h = lab.hosts[4]!;
    const knownHosts = join(lab.dir, 'first_use_known_hosts');
    writeFileSync(knownHosts, '');
    const policy = writePolicy(lab.dir, 'accept-new', inventoryFor(lab, [h]), { ClientAliveInterval: 484 });
    const json = await fleet(['apply', policy, '--known-hosts', knownHosts, '--accept-new', '--format', 'json', '--no-progress']);
    const report = jsonReport(json);
    expect([json.code, report.accept_new, report.hosts[0]?.status]).toEqual([0, true, 'changed']);
    const recorded = readFileSync(knownHosts, 'utf8').trim();
    const lab_line = readFileSync(lab.knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${h.address} `));
    expect(recorded).toBe(lab_line);
    const text = await fleet(['check', policy, '--known-hosts', knownHosts, '--accept-new', '--format', 'text', '--no-progress']);
    expect(text.stdout).toMatch(/note: --accept-new was given/);
    const md = await fleet(['check', policy, '--known-hosts', knownHosts, '--accept-new', '--format', 'markdown', '--no-progress']);
    expect(md.stdout).toMatch(/`--accept-new` was given/);
  });
});

describe.sequential('backups and temp files are never more readable than their target', () => {
  const modeOf = (p: string): number => statSync(p).mode & 0o777;

  it('a 0600 sshd_config: candidate, stage folder, journal and backup are all 0600/0700', async () => {
    const h = lab.hosts[5]!;
    const main = join(h.etcSsh, 'sshd_config');
    execFileSync('chmod', ['600', main]);
    const stage = pausePoint(h, 'modes-stage');
    const written = pausePoint(h, 'modes-write');
    const journal = pausePoint(h, 'modes-journal');
    const sshd = hostScript(h, 'sshd-modes', `case "$*" in *fleet-stage-*) ${pauseCommand('modes-stage')};; esac\nexec /usr/sbin/sshd "$@"`);
    const undoCp = await wrapProgram(lab, h, '/usr/bin/cp', `"$REAL" "$@"; rc=$?\ncase "$*" in *.fleet-tmp-*) ${pauseCommand('modes-write')};; esac\nexit $rc`);
    const undoSync = await wrapProgram(lab, h, '/usr/bin/sync', `${pauseCommand('modes-journal')}\nexec "$REAL" "$@"`);
    try {
      const policy = writePolicy(lab.dir, 'modes', inventoryFor(lab, [h], () => ({ sshd_binary: sshd })), { ClientAliveInterval: 485 });
      const running = fleet(['apply', policy, ...runFlags(lab)]);

      await stage.reached();
      const stageDir = readdirSync(join(h.dir, 'tmp')).find((n) => n.startsWith('fleet-stage-'))!;
      const staged = filesUnder(join(h.dir, 'tmp', stageDir));
      expect(modeOf(join(h.dir, 'tmp', stageDir))).toBe(0o700);
      expect(staged.length).toBeGreaterThan(0);
      for (const f of staged) expect(modeOf(f) & 0o077, f).toBe(0);
      stage.release();

      // The candidate exists before its content is written: it has the target's mode (0600) from the first byte.
      await written.reached();
      const temp = readdirSync(h.etcSsh).find((n) => n.includes('.fleet-tmp-'))!;
      expect(modeOf(join(h.etcSsh, temp))).toBe(0o600);
      written.release();

      await journal.reached();
      const lock = join(h.dir, 'run', 'fleet.lock');
      expect(modeOf(lock)).toBe(0o700);
      expect(modeOf(join(lock, 'journal')) & 0o077).toBe(0);
      expect(modeOf(join(h.etcSsh, temp))).toBe(0o600);
      const [backup] = backupsOf(h, 'sshd_config');
      expect(modeOf(backup!)).toBe(0o600);
      journal.release();

      const run = await running;
      expect(jsonReport(run).hosts[0]?.status, run.stdout).toBe('changed');
      expect(modeOf(main)).toBe(0o600);
      expect(backupsOf(h, 'sshd_config').map(modeOf)).toEqual([0o600]);
      expect(statSync(backupsOf(h, 'sshd_config')[0]!).uid).toBe(0);
    } finally {
      for (const p of [stage, written, journal]) p.release();
      await undoCp();
      await undoSync();
    }
  });

  it('a 0640 sshd_config and a 0600 ~/.ssh/config: each backup keeps its own file\'s mode', async () => {
    const h = lab.hosts[6]!;
    execFileSync('chmod', ['640', join(h.etcSsh, 'sshd_config')]);
    const clientConfig = join(h.dir, 'root', '.ssh', 'config');
    writeFileSync(clientConfig, 'Host *\n    ServerAliveInterval 10\n', { mode: 0o600 });
    const policy = writePolicy(lab.dir, 'modes-client', inventoryFor(lab, [h]), { ClientAliveInterval: 486 });
    writeFileSync(policy, `${readFileSync(policy, 'utf8')}client:\n  users: [root]\n  ServerAliveInterval: 31\n`);
    const run = await fleet(['apply', policy, ...runFlags(lab)]);
    const r = jsonReport(run).hosts[0]!;
    expect(r.status, JSON.stringify(r.error)).toBe('changed');
    expect(r.changes.map((c) => c.file).sort()).toEqual(['/etc/ssh/sshd_config', '/root/.ssh/config']);
    expect(backupsOf(h, 'sshd_config').map(modeOf)).toEqual([0o640]);
    const clientBackups = readdirSync(join(h.dir, 'root', '.ssh')).filter((n) => n.startsWith('config.fleet-2'));
    expect(clientBackups.map((n) => modeOf(join(h.dir, 'root', '.ssh', n)))).toEqual([0o600]);
    expect(existsSync(clientConfig) && modeOf(clientConfig)).toBe(0o600);
    // No candidate was left next to either file.
    expect([...readdirSync(h.etcSsh), ...readdirSync(join(h.dir, 'root', '.ssh'))].filter((n) => n.includes('fleet-tmp'))).toEqual([]);
  });
});
