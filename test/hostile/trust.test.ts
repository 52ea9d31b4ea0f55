/**
 * Secrets and trust, against real sshd hosts (src/lab):
 *
 * - A key passphrase (FLEET_KEY_PASSPHRASE) never shows in anything fleet writes: stdout,
 *   stderr (progress, warnings), every report format, --out files, or the host's files and
 *   sshd log; neither when it is right (apply succeeds) nor when it is wrong (the host fails).
 *   fleet takes no sudo password (it runs `sudo -n`): passwords put where Ansible keeps them
 *   (inventory vars, environment) are never echoed, also not by SUDO_PASSWORD_REQUIRED.
 * - Host-key checking cannot be weakened by a policy or inventory (Ansible's knobs, ssh's
 *   options, made-up keys) or by Ansible's environment variable: an unknown host still fails
 *   HOSTKEY_UNKNOWN and known_hosts stays as it was. Only --accept-new relaxes it, only for
 *   unknown hosts (a changed key still fails), and the reports say so.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunReport } from '../../src/engine/types.js';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, type CliRun } from '../helpers/cli.js';
import { writeYaml } from './support/inputs.js';
import { checkedReport } from '../helpers/report-schema.js';

const PASSPHRASE = 'S3cret-passphrase-XYZ';
const WRONG = 'Wr0ng-passphrase-QRS';
const SUDO_SECRET = 'sudo-S3cret-password-UVW';
// Also as base64, the form in which fleet ships file contents to hosts.
const SECRETS = [PASSPHRASE, WRONG, SUDO_SECRET].flatMap((s) => [s, Buffer.from(s).toString('base64')]);
/** Where Ansible users keep passwords; fleet must neither use nor print them. */
const PASSWORD_VARS = { ansible_become_password: SUDO_SECRET, ansible_become_pass: SUDO_SECRET, ansible_ssh_pass: SUDO_SECRET, ansible_password: SUDO_SECRET };
const PASSWORD_ENV = { SUDO_PASSWORD: SUDO_SECRET, ANSIBLE_BECOME_PASS: SUDO_SECRET, SSH_AUTH_SOCK: '' };
const FORMATS = ['text', 'json', 'markdown', 'junit'] as const;

let lab: Lab;
let encryptedKey = '';
let rootHost: LabHost;
let sudoHost: LabHost;

beforeAll(async () => {
  lab = await startLab({ count: 2, namePrefix: 'trust', shapes: ['debian12'], users: ['fleetuser'] });
  [rootHost, sudoHost] = lab.hosts as [LabHost, LabHost];
  encryptedKey = join(lab.dir, 'encrypted_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'fleet-hostile', '-f', encryptedKey]);
  const pub = readFileSync(`${encryptedKey}.pub`, 'utf8');
  for (const h of lab.hosts) {
    for (const home of ['root', 'home/fleetuser']) appendFileSync(join(h.dir, home, '.ssh', 'authorized_keys'), pub);
  }
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

/** A policy over one host; `vars` are added to the host's inventory entry. */
function policyFor(name: string, host: LabHost, vars: Record<string, unknown>, sshd: Record<string, unknown> = { ClientAliveInterval: 241 }): string {
  const inventory = writeYaml(lab.dir, `${name}.inventory.yml`, { all: { vars: PASSWORD_VARS, hosts: { [host.name]: { address: host.address, ...vars } } } });
  return writeYaml(lab.dir, `${name}.policy.yml`, { inventory, sshd });
}

/** Every byte fleet produced: runs' stdout and stderr, and the --out files. */
class Outputs {
  readonly texts: string[] = [];
  add(run: CliRun): CliRun {
    this.texts.push(run.stdout, run.stderr);
    return run;
  }
  /** Runs `command` once per report format, every report to an --out file, progress on; returns the runs and reports. */
  async everyFormat(command: string, policy: string, env: Record<string, string>): Promise<{ runs: CliRun[]; reports: Map<string, string> }> {
    const runs: CliRun[] = [];
    const reports = new Map<string, string>();
    for (const format of FORMATS) {
      const out = join(lab.dir, `report-${command}-${this.texts.length}.${format}`);
      runs.push(this.add(await fleet([command, policy, '--known-hosts', lab.knownHosts, '--format', format, '--out', out], { env })));
      if (existsSync(out)) reports.set(format, readFileSync(out, 'utf8'));
      this.texts.push(reports.get(format) ?? '');
    }
    expect(reports.size, `every format wrote its --out file`).toBe(FORMATS.length);
    return { runs, reports };
  }
  expectNoSecret(): void {
    expect(this.texts.length).toBeGreaterThan(0);
    for (const secret of SECRETS) {
      for (const text of this.texts) expect(text.includes(secret), `${secret} appears in:\n${text.slice(0, 3000)}`).toBe(false);
    }
  }
}

/** Every file under a lab host's directory (its /etc/ssh, /run with sshd's log, /tmp, /root, /home). */
function hostFiles(h: LabHost): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size < 1 << 20) files.push(p);
    }
  };
  walk(h.dir);
  return files;
}

describe.sequential('secrets never appear in output', () => {
  const outputs = new Outputs();

  test('right passphrase: apply succeeds, then every report format and --out file', { timeout: 120_000 }, async () => {
    const policy = policyFor('secret-ok', rootHost, { user: 'root', identity_file: encryptedKey });
    const env = { FLEET_KEY_PASSPHRASE: PASSPHRASE, ...PASSWORD_ENV };
    const apply = outputs.add(await fleet(['apply', policy, '--known-hosts', lab.knownHosts, '--format', 'json'], { env }));
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect((await lab.sshdT(rootHost))['clientaliveinterval']).toBe('241');
    for (const run of (await outputs.everyFormat('check', policy, env)).runs) expect(run.code, run.stderr).toBe(0);
    outputs.expectNoSecret();
  });

  test('wrong passphrase: the host fails with a message that names the variable, not its value', { timeout: 120_000 }, async () => {
    const policy = policyFor('secret-wrong', rootHost, { user: 'root', identity_file: encryptedKey }, { ClientAliveInterval: 242 });
    const env = { FLEET_KEY_PASSPHRASE: WRONG, ...PASSWORD_ENV };
    const apply = outputs.add(await fleet(['apply', policy, '--known-hosts', lab.knownHosts, '--format', 'json'], { env }));
    expect(apply.code).toBe(1);
    const host = checkedReport(JSON.parse(apply.stdout)).hosts[0]!;
    expect([host.status, host.error?.code]).toEqual(['failed', 'KEY_UNREADABLE']);
    expect((await lab.sshdT(rootHost))['clientaliveinterval']).toBe('241');
    for (const run of (await outputs.everyFormat('plan', policy, env)).runs) expect(run.code).toBe(1);
    const none = outputs.add(await fleet(['plan', policy, '--known-hosts', lab.knownHosts, '--format', 'json'], { env: { FLEET_KEY_PASSPHRASE: '', ...PASSWORD_ENV } }));
    expect(none.stdout).toMatch(/FLEET_KEY_PASSPHRASE/);
    outputs.expectNoSecret();
  });

  test('sudo: fleet asks for no password (sudo -n); SUDO_PASSWORD_REQUIRED echoes no secret', { timeout: 120_000 }, async () => {
    const policy = policyFor('sudo', sudoHost, { user: 'fleetuser', become: true, identity_file: encryptedKey });
    const env = { FLEET_KEY_PASSPHRASE: PASSPHRASE, ...PASSWORD_ENV };
    const { runs, reports } = await outputs.everyFormat('plan', policy, env);
    const host = checkedReport(JSON.parse(reports.get('json') ?? '')).hosts[0]!;
    expect([host.status, host.error?.code]).toEqual(['failed', 'SUDO_PASSWORD_REQUIRED']);
    expect(host.error?.message).toMatch(/NOPASSWD/);
    for (const run of runs) expect(run.code).toBe(1);
    outputs.expectNoSecret();
  });

  test("the hosts' files and sshd logs hold no secret either", () => {
    for (const h of lab.hosts) {
      const files = hostFiles(h);
      expect(files.some((f) => f.endsWith('sshd.log'))).toBe(true);
      for (const f of files) {
        const text = readFileSync(f, 'latin1');
        for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${f}`).toBe(false);
      }
    }
  });
});

describe.sequential('host-key checking cannot be weakened by input files', () => {
  const WEAKENING_VARS = {
    ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
    ansible_ssh_extra_args: '-o StrictHostKeyChecking=accept-new',
    ansible_host_key_checking: false,
    host_key_checking: false,
    ansible_ssh_host_key_checking: 'no',
    StrictHostKeyChecking: 'no',
    UserKnownHostsFile: '/dev/null',
    accept_new: true,
    known_hosts: '/dev/null',
  };
  let knownHosts = '';

  beforeAll(() => {
    knownHosts = join(lab.dir, 'empty_known_hosts');
    writeFileSync(knownHosts, '');
  });

  test('an unknown host fails HOSTKEY_UNKNOWN whatever the inventory and environment say', { timeout: 60_000 }, async () => {
    const policy = policyFor('hostkey', rootHost, { user: 'root', identity_file: lab.clientKey, ...WEAKENING_VARS });
    const env = { ANSIBLE_HOST_KEY_CHECKING: 'False', ...PASSWORD_ENV };
    const run = await fleet(['plan', policy, '--known-hosts', knownHosts, '--format', 'json'], { env });
    const report = checkedReport(JSON.parse(run.stdout));
    expect(run.code).toBe(1);
    expect(report.accept_new).toBe(false);
    expect([report.hosts[0]?.status, report.hosts[0]?.error?.code]).toEqual(['failed', 'HOSTKEY_UNKNOWN']);
    expect(readFileSync(knownHosts, 'utf8')).toBe('');
  });

  test('a policy cannot ask for it: such keys are refused before connecting', async () => {
    for (const [key, value] of Object.entries({ accept_new: true, StrictHostKeyChecking: 'no', known_hosts: '/dev/null', host_key_checking: false })) {
      const inventory = writeYaml(lab.dir, 'pk.inventory.yml', { all: { hosts: { [rootHost.name]: { address: rootHost.address, user: 'root', identity_file: lab.clientKey } } } });
      const policy = writeYaml(lab.dir, 'pk.policy.yml', { inventory, sshd: { ClientAliveInterval: 241 }, [key]: value });
      const run = await fleet(['plan', policy, '--known-hosts', knownHosts, '--format', 'json']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`pk\\.policy\\.yml:\\d+:\\d+: ${key} is not a known policy key`));
      expect(run.stdout).toBe('');
    }
    expect(readFileSync(knownHosts, 'utf8')).toBe('');
  });

  test('--accept-new trusts and records an unknown host, and the reports say so', { timeout: 60_000 }, async () => {
    const policy = policyFor('accept', rootHost, { user: 'root', identity_file: lab.clientKey, ...WEAKENING_VARS }, { ClientAliveInterval: 243 });
    const json = await fleet(['plan', policy, '--known-hosts', knownHosts, '--accept-new', '--format', 'json'], { env: PASSWORD_ENV });
    const report = checkedReport(JSON.parse(json.stdout));
    expect(json.code, json.stderr).toBe(2);
    expect(report.accept_new).toBe(true);
    expect(report.hosts[0]?.status).toBe('changed');
    expect(readFileSync(knownHosts, 'utf8')).toContain(rootHost.address);
    const text = await fleet(['plan', policy, '--known-hosts', knownHosts, '--accept-new', '--no-progress'], { env: PASSWORD_ENV });
    expect(text.stdout).toMatch(/--accept-new was given/);
    const markdown = await fleet(['plan', policy, '--known-hosts', knownHosts, '--accept-new', '--format', 'markdown'], { env: PASSWORD_ENV });
    expect(markdown.stdout).toMatch(/--accept-new/);
    // Recorded: the next run needs no flag, and its reports say nothing was relaxed.
    const after = await fleet(['plan', policy, '--known-hosts', knownHosts, '--format', 'json'], { env: PASSWORD_ENV });
    expect(checkedReport(JSON.parse(after.stdout)).accept_new).toBe(false);
    expect(after.code).toBe(2);
  });

  test('--accept-new never accepts a changed key', { timeout: 60_000 }, async () => {
    const forged = join(lab.dir, 'forged_known_hosts');
    const otherKey = readFileSync(lab.knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${sudoHost.address} `))!.split(' ').slice(1).join(' ');
    writeFileSync(forged, `${rootHost.address} ${otherKey}\n`);
    const policy = policyFor('changed', rootHost, { user: 'root', identity_file: lab.clientKey });
    const run = await fleet(['plan', policy, '--known-hosts', forged, '--accept-new', '--format', 'json'], { env: PASSWORD_ENV });
    const report = checkedReport(JSON.parse(run.stdout));
    expect(run.code).toBe(1);
    expect([report.hosts[0]?.status, report.hosts[0]?.error?.code]).toEqual(['failed', 'HOSTKEY_MISMATCH']);
    expect(readFileSync(forged, 'utf8')).toBe(`${rootHost.address} ${otherKey}\n`);
  });
});
