/**
 * What the lab needs from the machine: root (mount namespaces, binding port 22), util-linux's
 * `unshare`/`nsenter`, and OpenSSH (server and client). On a fresh Debian machine OpenSSH is
 * installed with apt; everything else is only checked, with an error that says what to do.
 */
import { access, rm, writeFile } from 'node:fs/promises';
import { SSHD } from './namespace.js';
import { LabError, findProgram, run } from './proc.js';

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Which of the OpenSSH programs the lab runs are missing. */
async function missingOpenSsh(): Promise<string[]> {
  const missing: string[] = [];
  if (!(await exists(SSHD))) missing.push(SSHD);
  for (const program of ['ssh', 'ssh-keygen']) if (!findProgram(program)) missing.push(program);
  return missing;
}

/**
 * Makes sure the lab can run here. If OpenSSH is missing and we are root on a Debian-family
 * machine, installs `openssh-server` (which brings the client) with apt; otherwise throws a
 * LabError naming what is needed.
 */
export async function ensureOpenSshServer(): Promise<void> {
  if (process.platform !== 'linux') throw new LabError('the fleet lab needs Linux (mount namespaces)');
  if (process.getuid?.() !== 0) {
    throw new LabError('the fleet lab must run as root: it creates mount namespaces and binds port 22 on 127.0.x.y (try sudo)');
  }
  for (const program of ['unshare', 'nsenter', 'mount']) {
    if (!findProgram(program)) throw new LabError(`the fleet lab needs \`${program}\` (Debian package util-linux / mount)`);
  }
  const missing = await missingOpenSsh();
  if (missing.length === 0) return;
  if (!findProgram('apt-get')) {
    throw new LabError(`the fleet lab needs OpenSSH's ${missing.join(', ')}; install the openssh-server package (no apt-get here)`);
  }
  await aptInstallOpenSsh();
  const still = await missingOpenSsh();
  if (still.length > 0) throw new LabError(`installed openssh-server, but ${still.join(', ')} still missing`);
}

async function aptInstallOpenSsh(): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The package's postinst would start a machine-wide sshd on 0.0.0.0:22 (through invoke-rc.d
  // on a machine without systemd), which takes port 22 on every lab address. policy-rc.d
  // exit 101 is Debian's documented way to say "do not start services"; ours is temporary.
  const ownPolicy = !(await exists(POLICY_RC_D));
  if (ownPolicy) await writeFile(POLICY_RC_D, '#!/bin/sh\n# fleet lab: no service starts while installing\nexit 101\n', { mode: 0o755 });
  try {
    const update = await run('apt-get', ['update'], { env, timeoutMs: 600_000 });
    if (update.code !== 0) throw new LabError(`apt-get update failed (exit ${update.code}): ${tail(update.stderr)}`);
    const install = await run('apt-get', ['install', '-y', '--no-install-recommends', 'openssh-server', 'openssh-client'], {
      env,
      timeoutMs: 900_000,
    });
    if (install.code !== 0) throw new LabError(`apt-get install openssh-server failed (exit ${install.code}): ${tail(install.stderr)}`);
  } finally {
    if (ownPolicy) await rm(POLICY_RC_D, { force: true });
  }
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n');
}
