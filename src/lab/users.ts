/**
 * Extra POSIX accounts for lab hosts. Accounts are machine-wide (the namespaces share
 * /etc/passwd); only their homes are per host. So a user is created once, before any host,
 * and never removed: another lab or test may be using it.
 */
import type { LabUser } from './host.js';
import { LabError, run, runChecked, sleep } from './proc.js';

const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}$/;

/** Looks `name` up in the passwd database; undefined when there is no such user. */
async function lookUp(name: string): Promise<(LabUser & { home: string }) | undefined> {
  const result = await run('getent', ['passwd', name]);
  if (result.code === 2) return undefined; // getent: key not found
  if (result.code !== 0) throw new LabError(`getent passwd ${name} failed: ${result.stderr.trim()}`);
  const fields = result.stdout.trim().split(':');
  const [, , uid, gid, , home] = fields;
  if (uid === undefined || gid === undefined || home === undefined) throw new LabError(`unreadable passwd entry for ${name}`);
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/**
 * Makes sure each user exists with home /home/<name> (which each host provides from its own
 * directory), creating missing ones with `useradd` without a home.
 */
export async function ensureUsers(names: readonly string[]): Promise<LabUser[]> {
  const users: LabUser[] = [];
  for (const name of names) {
    if (!USER_NAME.test(name)) throw new LabError(`lab user ${JSON.stringify(name)} is not a valid POSIX user name`);
    let user = await lookUp(name);
    if (!user) {
      await createUser(name);
      user = await lookUp(name);
      if (!user) throw new LabError(`useradd ${name} succeeded but getent cannot find the user`);
    }
    if (user.home !== `/home/${name}`) {
      throw new LabError(`lab user ${name} exists with home ${user.home}; the lab needs /home/${name} (each host mounts its own /home)`);
    }
    users.push({ name: user.name, uid: user.uid, gid: user.gid });
  }
  return users;
}

async function createUser(name: string): Promise<void> {
  // Another lab starting at the same moment may hold /etc/passwd's lock, or have just created
  // the same user: retry briefly, and accept "already exists".
  for (let attempt = 0; ; attempt++) {
    const result = await run('useradd', ['--no-create-home', '--home-dir', `/home/${name}`, '--shell', '/bin/sh', name]);
    if (result.code === 0) break;
    if (result.code === 9) return; // already exists: someone else created it
    if (attempt >= 20) throw new LabError(`useradd ${name} failed (exit ${result.code}): ${result.stderr.trim()}`);
    await sleep(100);
  }
  // useradd leaves the password field "!", which sshd without PAM (the no-include shape)
  // reads as a locked account and refuses even for key logins; "*" means "no password" instead.
  await runChecked('usermod', ['--password', '*', name]);
}
