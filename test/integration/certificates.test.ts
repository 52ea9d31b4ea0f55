/**
 * OpenSSH certificates against real sshd hosts: hosts that accept only a CA-signed user
 * certificate (TrustedUserCAKeys, no authorized_keys) and present only a CA-signed host
 * certificate (HostCertificate), with a known_hosts that holds nothing but a @cert-authority
 * line. ssh2 supports neither side, so these hosts are reached through the OpenSSH client.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
const connectors: Connector[] = [];

const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });

beforeAll(async () => {
  lab = await startLab({ count: 3, shapes: ['debian12'], namePrefix: 'cert' });
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
