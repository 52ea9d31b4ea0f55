/**
 * The bench's lab: every tool's apply must start from the same fresh hosts, and every claim
 * of success is checked against each host's real `sshd -T`.
 */
import pLimit from 'p-limit';
import { startLab, type Lab } from '../src/lab/index.js';

/** The policy every tool applies: sshd keyword (lowercase, as `sshd -T` prints it) → value. */
export const DESIRED: Readonly<Record<string, string>> = { clientaliveinterval: '298', clientalivecountmax: '50' };

/**
 * Runs `body` on a lab of `count` fresh hosts (Debian 12's default sshd_config) and stops the
 * lab afterwards. Each tool gets its own lab rather than a reset of the last one: a stopped
 * host's address is free for a moment, and another lab starting on this machine may take it.
 */
export async function withFreshLab<T>(count: number, log: (line: string) => void, body: (lab: Lab) => Promise<T>): Promise<T> {
  const began = Date.now();
  const lab = await startLab({ count, shapes: ['debian12'], namePrefix: 'bench' });
  log(`${count} fresh lab hosts up in ${((Date.now() - began) / 1000).toFixed(1)} s (${lab.hosts[0]?.address} …)`);
  try {
    return await body(lab);
  } finally {
    await lab.stop();
  }
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
