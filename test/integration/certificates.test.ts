/**
 * OpenSSH certificates against real sshd hosts: hosts that accept only a CA-signed user
 * certificate (TrustedUserCAKeys, no authorized_keys) and present only a CA-signed host
 * certificate (HostCertificate), with a known_hosts that holds nothing but a @cert-authority
 * line. ssh2 supports neither side, so these hosts are reached through the OpenSSH client.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec } from '../../src/core/inventory/index.js';
import { certifyLab, startLab, type Lab, type LabCertificates, type LabHost } from '../../src/lab/index.js';
import { Connector, type ConnectOptions } from '../../src/transport/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { inventoryFor, writePolicy } from '../helpers/faults.js';

let lab: Lab;
let dir: string;
/** Two hosts set up for certificates only; the third is an ordinary lab host. */
let certA: LabHost;
let certB: LabHost;
let plain: LabHost;
let certs: LabCertificates;
/** A key whose certificate lies beside it (`<key>-cert.pub`), as ssh finds it. */
let userKey: string;
/** A key whose certificate is elsewhere, for CertificateFile. */
let otherKey: string;
let otherCert: string;
/** A key certified for the unprivileged `fleetuser` (no sudo rights in the lab). */
let userKeyOfFleetuser: string;
const connectors: Connector[] = [];

const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });

beforeAll(async () => {
  lab = await startLab({ count: 3, shapes: ['debian12'], namePrefix: 'cert', users: ['fleetuser'] });
  dir = lab.dir;
  [certA, certB, plain] = lab.hosts as [LabHost, LabHost, LabHost];
  certs = await certifyLab(lab, [certA, certB]);
  userKey = certs.userKey;
  otherKey = join(dir, 'other_key');
  keygen('-t', 'ed25519', '-N', '', '-f', otherKey);
  keygen('-s', certs.userCa, '-I', 'fleet-other', '-n', 'root', `${otherKey}.pub`);
  mkdirSync(join(dir, 'certs'));
  otherCert = join(dir, 'certs', 'other.cert');
  copyFileSync(`${otherKey}-cert.pub`, otherCert);
  rmSync(`${otherKey}-cert.pub`);
  userKeyOfFleetuser = join(dir, 'fleetuser_key');
  keygen('-t', 'ed25519', '-N', '', '-f', userKeyOfFleetuser);
  keygen('-s', certs.userCa, '-I', 'fleet-fleetuser', '-n', 'fleetuser', `${userKeyOfFleetuser}.pub`);
}, 180_000);

afterAll(async () => {
  await Promise.all(connectors.map((c) => c.closeAll()));
  await lab?.stop();
});

/** A CA line whose pattern (a wildcard and a negation) covers certA's network but not certB. */
function caOnlyKnownHosts(name: string, extra = ''): string {
  const network = certA.address.replace(/\.\d+$/, '.*');
  const path = join(dir, name);
  writeFileSync(path, `@cert-authority ${network},!${certB.address} ${certs.hostCaPublicKey}\n${extra}`);
  return path;
}

function spec(h: LabHost, extra: Partial<HostSpec> = {}): HostSpec {
  return { name: h.name, address: h.address, port: h.port, user: 'root', identityFile: userKey, become: false, sshdConfigPath: '/etc/ssh/sshd_config', groups: [], ...extra };
}

function connector(knownHostsFile: string, extra: Partial<ConnectOptions> = {}): Connector {
  const c = new Connector({ knownHostsFile, acceptNew: false, connectTimeoutMs: 15_000, commandTimeoutMs: 20_000, ...extra });
  connectors.push(c);
  return c;
}

const acceptedLogins = (h: LabHost): string[] =>
  readFileSync(h.logFile, 'utf8').split('\n').filter((l) => l.includes('Accepted publickey for root'));

describe('OpenSSH certificates', () => {
  it('logs in with the user certificate beside the key and trusts the host certificate through a @cert-authority pattern', async () => {
    const c = connector(caOnlyKnownHosts('kh-ca'));
    const t = await c.connect(spec(certA));
    const r = await t.exec('id -un; grep -q ^TrustedUserCAKeys /etc/ssh/sshd_config && echo certified');
    expect(r).toMatchObject({ stdout: 'root\ncertified\n', code: 0 });
    expect(t.serverVersion).toMatch(/^OpenSSH_/);
    await t.close();
    expect(c.stats.openSshConnections).toBe(1);
    expect(acceptedLogins(certA).at(-1)).toContain('ED25519-CERT');
  });

  it('presents a certificate named by CertificateFile (not beside the key); the bare key alone is refused', async () => {
    const kh = caOnlyKnownHosts('kh-ca-file');
    const t = await connector(kh).connect(spec(certA, { identityFile: otherKey, certificateFile: otherCert }));
    expect((await t.exec('echo ok')).stdout).toBe('ok\n');
    await t.close();
    const bare = connector(kh).connect(spec(certA, { identityFile: otherKey }));
    await expect(bare).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('refuses a host whose certificate is signed by a CA marked @revoked, before logging in', async () => {
    const logins = acceptedLogins(certA).length;
    const kh = caOnlyKnownHosts('kh-revoked', `@revoked * ${certs.hostCaPublicKey}\n`);
    const attempt = connector(kh).connect(spec(certA));
    await expect(attempt).rejects.toMatchObject({ code: 'HOSTKEY_REVOKED' });
    await expect(attempt).rejects.toThrow(/@revoked in .*kh-revoked/);
    expect(acceptedLogins(certA).length).toBe(logins);
  });

  it('refuses a certificate host key when the CA line does not cover the host (negated in its pattern)', async () => {
    const c = connector(caOnlyKnownHosts('kh-pattern'));
    // The same CA signed certB's certificate, for certB's own address: only the pattern says no.
    await expect(c.connect(spec(certB))).rejects.toMatchObject({ code: 'HOSTKEY_UNKNOWN' });
    const reached = await c.connect(spec(certA));
    expect((await reached.exec('true')).code).toBe(0);
  });

  it('finds the @cert-authority line in the system-wide known_hosts too (ssh_known_hosts), with the user’s file absent', async () => {
    const global = caOnlyKnownHosts('ssh_known_hosts');
    const c = connector(join(dir, 'no-such-known_hosts'), { globalKnownHostsFile: global });
    const t = await c.connect(spec(certA));
    expect((await t.exec('echo ok')).stdout).toBe('ok\n');
    expect(c.stats.openSshConnections).toBe(1);
  });

  it('honours a @revoked line of the system-wide known_hosts on the ssh2 path too', async () => {
    const hostKey = readFileSync(join(plain.etcSsh, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const global = join(dir, 'ssh_known_hosts-revoked');
    writeFileSync(global, `@revoked ${plain.address} ${hostKey}\n`);
    const c = connector(lab.knownHosts, { globalKnownHostsFile: global });
    const attempt = c.connect(spec(plain, { identityFile: lab.clientKey }));
    await expect(attempt).rejects.toMatchObject({ code: 'HOSTKEY_REVOKED' });
    await expect(attempt).rejects.toThrow(`@revoked in ${global}:1`);
    expect(c.stats.openSshConnections).toBe(0);
  });

  it('reaches a certificate-only host through a jump host, checking the bastion against the same known_hosts', async () => {
    // The bastion is an ordinary host: it takes the raw key under the certificate, and its plain host key is listed.
    const bastionKeys = join(plain.dir, 'root', '.ssh', 'authorized_keys');
    writeFileSync(bastionKeys, `${readFileSync(bastionKeys, 'utf8')}${readFileSync(`${userKey}.pub`, 'utf8')}`);
    const plainLine = readFileSync(lab.knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${plain.address} `));
    const via = { jump: { host: plain.address, port: 22, user: 'root' } };
    const bastionLogins = acceptedLogins(plain).length;
    const t = await connector(caOnlyKnownHosts('kh-jump', `${plainLine}\n`)).connect(spec(certA, via));
    expect((await t.exec('echo ok')).stdout).toBe('ok\n');
    await t.close();
    expect(acceptedLogins(plain).length).toBe(bastionLogins + 1);
    // Without the bastion's key in known_hosts the tunnel is refused, though the target's CA is known.
    await expect(connector(caOnlyKnownHosts('kh-jump-unknown')).connect(spec(certA, via))).rejects.toMatchObject({ code: 'HOSTKEY_UNKNOWN' });
  });

  it('an encrypted key with a certificate: FLEET_KEY_PASSPHRASE decrypts it (through SSH_ASKPASS); missing or wrong, it is KEY_UNREADABLE up front, never echoed', async () => {
    const encrypted = join(dir, 'encrypted_key');
    copyFileSync(userKey, encrypted);
    copyFileSync(`${userKey}-cert.pub`, `${encrypted}-cert.pub`);
    keygen('-p', '-P', '', '-N', "sekrit pass'1", '-f', encrypted);
    const kh = caOnlyKnownHosts('kh-encrypted');
    const t = await connector(kh, { passphrase: "sekrit pass'1" }).connect(spec(certA, { identityFile: encrypted }));
    expect((await t.exec('echo ok')).stdout).toBe('ok\n');
    await t.close();
    expect(acceptedLogins(certA).at(-1)).toContain('ED25519-CERT');

    const missing = connector(kh).connect(spec(certA, { identityFile: encrypted }));
    await expect(missing).rejects.toMatchObject({ code: 'KEY_UNREADABLE' });
    await expect(missing).rejects.toThrow(/encrypted; set FLEET_KEY_PASSPHRASE/);
    const wrong = connector(kh, { passphrase: 'not-the-sekrit' }).connect(spec(certA, { identityFile: encrypted }));
    await expect(wrong).rejects.toMatchObject({ code: 'KEY_UNREADABLE' });
    await expect(wrong).rejects.toThrow(/wrong passphrase/);
    await expect(wrong).rejects.not.toThrow(/not-the-sekrit/);
  });

  it('keeps ssh2 for a host that needs no certificate', async () => {
    const c = connector(lab.knownHosts);
    const t = await c.connect(spec(plain, { identityFile: lab.clientKey }));
    expect((await t.exec('echo plain')).stdout).toBe('plain\n');
    expect(c.stats.openSshConnections).toBe(0);
  });

  it('fleet check, apply (converging, with a fresh certificate login as proof) and check again reach the certificate-only host', async () => {
    const kh = caOnlyKnownHosts('kh-cli');
    const policy = writePolicy(dir, 'certs', inventoryFor(lab, [certA], () => ({ identity_file: userKey })), {
      ClientAliveInterval: 298,
      ClientAliveCountMax: 50,
    });
    const flags = ['--known-hosts', kh, '--format', 'json', '--no-progress'];
    const before = await fleet(['check', policy, ...flags]);
    expect(before.code, before.stdout + before.stderr).toBe(2);
    expect(jsonReport(before).hosts[0]).toMatchObject({ name: certA.name, status: 'changed', error: null });

    const logins = acceptedLogins(certA).length;
    const apply = await fleet(['apply', policy, ...flags]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(jsonReport(apply).hosts[0]).toMatchObject({ status: 'changed', reloaded: true, error: null });
    // The login proof after the reload is a new connection (a new master), not the one that applied.
    const fresh = acceptedLogins(certA).slice(logins);
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    for (const line of fresh) expect(line).toContain('ED25519-CERT');

    const after = await fleet(['check', policy, ...flags]);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(jsonReport(after).hosts[0]).toMatchObject({ status: 'unchanged' });
  });
});

/** Pids of the running `ssh` processes whose command line mentions `text`. */
function sshProcesses(text: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => / ssh /.test(` ${l.trim().split(/\s+/).slice(1, 2).join('')} `) && l.includes(text)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

describe('the Transport contract over the OpenSSH client', () => {
  it('delivers stdin byte for byte (binary, CRLF, no final newline, 1 MiB) and keeps multi-byte output whole', async () => {
    const t = await connector(caOnlyKnownHosts('kh-stdin')).connect(spec(certA));
    const bytes = Buffer.concat([Buffer.from('a\r\nb\0c\xff'), randomBytes(1 << 20), Buffer.from('no newline')]);
    const r = await t.exec('sha256sum | cut -d" " -f1', { stdin: bytes });
    expect(r.stdout.trim()).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect((await t.exec('cat', { stdin: 'x\r\ny' })).stdout).toBe('x\r\ny');
    const wide = 'é€😀'.repeat(50_000);
    expect((await t.exec('cat', { stdin: wide })).stdout).toBe(wide);
    expect(await t.exec('echo out; echo err >&2; exit 3')).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 3, signal: null });
    await t.close();
  });

  it('a command past its timeout is COMMAND_TIMEOUT, its process group is killed, and the session stays usable', async () => {
    const t = await connector(caOnlyKnownHosts('kh-timeout')).connect(spec(certA));
    const seconds = 4000 + Math.floor(Math.random() * 1000);
    await expect(t.exec(`sleep ${seconds}`, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'COMMAND_TIMEOUT' });
    expect((await t.exec('echo still-here')).stdout).toBe('still-here\n');
    let left = '';
    for (let i = 0; i < 50; i++) {
      left = (await t.exec(`pgrep -f '[s]leep ${seconds}' || true`)).stdout.trim();
      if (left === '') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe('');
    await t.close();
  });

  it('privileged commands: root runs them directly; a certified user without NOPASSWD gets SUDO_PASSWORD_REQUIRED', async () => {
    const kh = caOnlyKnownHosts('kh-sudo');
    const t = await connector(kh).connect(spec(certA, { become: true }));
    expect((await t.exec('id -u', { privileged: true })).stdout).toBe('0\n');
    const u = await connector(kh).connect(spec(certA, { user: 'fleetuser', identityFile: userKeyOfFleetuser, become: true }));
    expect((await u.exec('id -un')).stdout).toBe('fleetuser\n');
    await expect(u.exec('id -u', { privileged: true })).rejects.toMatchObject({ code: 'SUDO_PASSWORD_REQUIRED' });
  });

  it('a connection that drops mid-command is CONNECTION_LOST; a stopped host is UNREACHABLE', async () => {
    const kh = caOnlyKnownHosts('kh-drop', `@cert-authority ${certB.address} ${certs.hostCaPublicKey}\n`);
    const t = await connector(kh).connect(spec(certB));
    const running = t.exec('sleep 30').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await lab.stopHost(certB);
    expect(await running).toMatchObject({ code: 'CONNECTION_LOST' });
    await until(() => t.closed, 'the transport notices its master is gone');
    await expect(t.exec('true')).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    await expect(connector(kh).connect(spec(certB))).rejects.toMatchObject({ code: 'UNREACHABLE' });
    await lab.startHost(certB);
    await expect(connector(kh).connect(spec(certB))).resolves.toBeDefined();
  });

  it('closeAll ends every ssh it started and removes the control sockets’ directory', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('fleet-ssh-')));
    const c = connector(caOnlyKnownHosts('kh-close'));
    await Promise.all([c.connect(spec(certA)), c.connect(spec(certA))]);
    const made = readdirSync(tmpdir()).filter((n) => n.startsWith('fleet-ssh-') && !before.has(n));
    expect(made).toHaveLength(1);
    const controlDir = join(tmpdir(), made[0]!);
    expect(sshProcesses(controlDir)).toHaveLength(2);
    await c.closeAll();
    expect(existsSync(controlDir)).toBe(false);
    await until(() => sshProcesses(controlDir).length === 0, 'the masters exit');
  });

  it('a fleet killed with SIGKILL leaves no ssh master behind (each lives only as long as its stdin)', async () => {
    const kh = caOnlyKnownHosts('kh-kill');
    const transport = new URL('../../dist/transport/index.js', import.meta.url).href;
    const script =
      `const { Connector } = await import(${JSON.stringify(transport)});` +
      `const c = new Connector({ knownHostsFile: ${JSON.stringify(kh)}, acceptNew: false, connectTimeoutMs: 15000, commandTimeoutMs: 20000 });` +
      `await c.connect(${JSON.stringify(spec(certA))}); process.stdout.write('connected\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('connected') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited ${code} before connecting`)));
    });
    const masters = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    expect(masters).toHaveLength(1);
    const controlPath = readFileSync(`/proc/${masters[0]}/cmdline`, 'utf8').split('\0').find((a) => a.startsWith('ControlPath='));
    child.kill('SIGKILL');
    await until(() => !existsSync(`/proc/${masters[0]}`) || readFileSync(`/proc/${masters[0]}/stat`, 'utf8').includes(') Z'), 'the orphaned master exits');
    // A killed process cannot remove its control directory; the test removes the one it left.
    expect(controlPath).toMatch(/^ControlPath=.*fleet-ssh-/);
    rmSync(dirname(controlPath!.slice('ControlPath='.length)), { recursive: true, force: true });
  });
});
