/**
 * Certificate-only lab hosts: each presents only a CA-signed host certificate (HostCertificate)
 * and lets root in only with a CA-signed user certificate (TrustedUserCAKeys, no
 * authorized_keys). What a fleet run against an SSH-CA estate meets; built with ssh-keygen.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { Lab, LabHost } from './index.js';
import { hostPublicKeyOf } from './host.js';
import { runChecked } from './proc.js';
import { inventoryYaml } from './render.js';

/** The CAs and the client side of a certified lab. */
export interface LabCertificates {
  /** The host CA's public key line (`ssh-ed25519 AAAA… comment`), for @cert-authority lines. */
  hostCaPublicKey: string;
  /** The user CA's private key, to sign further user keys. */
  userCa: string;
  /** A client key with its certificate beside it (`<key>-cert.pub`, principal root), as ssh finds it. */
  userKey: string;
  /** known_hosts holding only `@cert-authority <each host's /24 as a.b.c.*> <host CA>`. */
  knownHosts: string;
  /** Inventory of the certified hosts, logging in with userKey. */
  inventory: string;
}

const CERTIFICATE_LINES =
  '# fleet lab: certificates only\nHostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub\nTrustedUserCAKeys /etc/ssh/user_ca.pub\n';

const keygen = (...args: string[]) => runChecked('ssh-keygen', ['-q', ...args]);
const newKey = (file: string, comment: string) => keygen('-t', 'ed25519', '-N', '', '-C', comment, '-f', file);

/**
 * Turns `hosts` (default all) into certificate-only hosts and restarts their sshd. The host
 * certificates name each host's address and inventory name as principals.
 */
export async function certifyLab(lab: Lab, hosts: readonly LabHost[] = lab.hosts): Promise<LabCertificates> {
  const dir = path.join(lab.dir, 'certificates');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hostCa = path.join(dir, 'host_ca');
  const userCa = path.join(dir, 'user_ca');
  const userKey = path.join(dir, 'user_key');
  await Promise.all([newKey(hostCa, 'fleet-lab host CA'), newKey(userCa, 'fleet-lab user CA'), newKey(userKey, 'fleet-lab certified client')]);
  await keygen('-s', userCa, '-I', 'fleet-lab-client', '-n', 'root', `${userKey}.pub`);
  const limit = pLimit(16);
  await Promise.all(hosts.map((h) => limit(() => certifyHost(lab, h, hostCa, `${userCa}.pub`))));

  const hostCaPublicKey = (await readFile(`${hostCa}.pub`, 'utf8')).trim();
  const networks = [...new Set(hosts.map((h) => h.address.replace(/\.\d+$/, '.*')))];
  const knownHosts = path.join(dir, 'known_hosts');
  await writeFile(knownHosts, `@cert-authority ${networks.join(',')} ${hostCaPublicKey}\n`, { mode: 0o600 });
  const inventory = path.join(dir, 'inventory.yml');
  await writeFile(inventory, inventoryYaml(hosts, userKey));
  return { hostCaPublicKey, userCa, userKey, knownHosts, inventory };
}

async function certifyHost(lab: Lab, h: LabHost, hostCa: string, userCaPub: string): Promise<void> {
  await keygen('-s', hostCa, '-I', `${h.name}-host`, '-h', '-n', `${h.address},${h.name}`, hostPublicKeyOf(h.dir));
  await copyFile(userCaPub, path.join(h.etcSsh, 'user_ca.pub'));
  // At the top of the main file, so it counts whatever the shape includes or matches later.
  const main = path.join(h.etcSsh, 'sshd_config');
  const text = await readFile(main, 'utf8');
  await writeFile(main, `${CERTIFICATE_LINES}${text}`);
  // Only a CA-signed certificate may log in as root: the lab's plain client key no longer can.
  await rm(path.join(h.dir, 'root', '.ssh', 'authorized_keys'), { force: true });
  await lab.stopHost(h);
  await lab.startHost(h);
}
