/**
 * The bench's lab: every tool's apply must start from the same fresh hosts, and every claim
 * of success is checked against each host's real `sshd -T`.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { launchSshd } from '../src/lab/host.js';
import type { Lab, LabHost } from '../src/lab/index.js';
import { stopHosts } from '../src/lab/stop.js';

const exec = promisify(execFile);

/** The policy every tool applies: sshd keyword (lowercase, as `sshd -T` prints it) → value. */
export const DESIRED: Readonly<Record<string, string>> = { clientaliveinterval: '298', clientalivecountmax: '50' };

const pristineOf = (h: LabHost): string => join(h.dir, 'etc_ssh.pristine');

/** Keeps a copy of each host's /etc/ssh as the lab made it. Outside the mounted subdirectories, so no host sees it. */
export async function snapshotPristine(lab: Lab): Promise<void> {
  const limit = pLimit(8);
  await Promise.all(lab.hosts.map((h) => limit(() => exec('cp', ['-a', h.etcSsh, pristineOf(h)]))));
}

/**
 * Makes every host fresh again: stops it (and every session), puts its /etc/ssh back byte for
 * byte (host keys included, so known_hosts stays right), clears fleet's lock and Ansible's
 * remote temp, and starts it. The directory itself stays: it is the source of a bind mount.
 */
export async function resetHosts(lab: Lab): Promise<void> {
  await stopHosts(lab.hosts);
  const limit = pLimit(8);
  await Promise.all(
    lab.hosts.map((h) =>
      limit(async () => {
        await exec('find', [h.etcSsh, '-mindepth', '1', '-delete']);
        await exec('cp', ['-a', `${pristineOf(h)}/.`, h.etcSsh]);
        await rm(join(h.dir, 'run', 'fleet.lock'), { recursive: true, force: true });
        await rm(join(h.dir, 'root', '.ansible'), { recursive: true, force: true });
      }),
    ),
  );
  await Promise.all(
    lab.hosts.map((h) =>
      limit(async () => {
        const outcome = await launchSshd(h.dir, h.address);
        if (outcome.kind !== 'started') throw new Error(`${h.name}: ${h.address}:22 was taken while the bench reset the host`);
      }),
    ),
  );
}

/** How many hosts' real `sshd -T` shows every desired value; a host whose sshd -T fails counts as not converged. */
export async function countConverged(lab: Lab): Promise<number> {
  const limit = pLimit(8);
  const ok = await Promise.all(
    lab.hosts.map((h) =>
      limit(async () => {
        try {
          const effective = await lab.sshdT(h);
          return Object.entries(DESIRED).every(([k, v]) => effective[k] === v);
        } catch {
          return false;
        }
      }),
    ),
  );
  return ok.filter(Boolean).length;
}

/** Whether a fresh login to every host works: a tool that left a host unreachable did not succeed. */
export async function countAccepting(lab: Lab): Promise<number> {
  const limit = pLimit(16);
  const ok = await Promise.all(lab.hosts.map((h) => limit(() => lab.isAccepting(h))));
  return ok.filter(Boolean).length;
}
