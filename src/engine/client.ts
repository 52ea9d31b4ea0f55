/**
 * Writes the client side: each user's ~/.ssh/config as that user (so no link planted in a home
 * can redirect a root write), the system drop-in as root. Per file: candidate beside the
 * target → `ssh -G -F candidate` must accept it → backup → rename → `ssh -G` as the user must
 * show the promised values, else the file is restored. Each file stands alone: its outcome is
 * a value, and one user's failure never undoes another's file or the proven sshd change. The
 * scripts are src/remote/client-write.sh and client-restore.sh, whose backup, rename and
 * restore are a server file's (replace.sh, described by replacement.ts).
 */
import { createHash } from 'node:crypto';
import type { ClientFilePlan } from '../core/client-plan.js';
import { printedValues } from '../core/printed-config.js';
import { quote, stdinScript, stdinScriptReading, withHereDocument } from '../core/shell.js';
import type { Transport } from '../transport/index.js';
import { inSh } from './scripts.js';
import { arg, has, parseMarkers, type Markers } from '../remote/markers.js';
import { script as remoteScript } from '../remote/compose.js';
import { REMOTE } from '../remote/scripts.generated.js';
import { sshKeyword } from '../core/sshclient/keywords.js';
import { backupArgument, candidatePathFor, type Replacement } from './replacement.js';

/** A host name no config names: `ssh -G` shows what every host gets. */
const PROBE_HOST = 'fleet-keepalive-probe.invalid';

/** A client file's replacement (the server's shape); `backup` null: the file was new, undoing it removes it. */
export type ClientWrite = Replacement<ClientFilePlan>;

/** A client file's candidate is its user's own new file with the planned mode (see OwnerAndMode). */
export function clientOwnerAndMode(file: ClientFilePlan): { mode: number } {
  return { mode: file.mode };
}

/**
 * Runs a script as the file's owner: `su` to the user from root, or directly when already them.
 * su's shell reads the script (and `stdin`, the new file's bytes) from a here-document, so
 * neither is ever on a command line.
 */
async function runAs(t: Transport, file: ClientFilePlan, script: string, stdin?: string): Promise<Markers & { stdout: string; stderr: string }> {
  const user = file.owner.kind === 'user' ? file.owner.user : 'root';
  const asSelf = user === t.host.user && !t.host.become;
  if (asSelf || user === 'root') {
    const res = await t.exec(inSh(script), { privileged: !asSelf, ...(stdin === undefined ? {} : { stdin }) });
    return { ...parseMarkers(res.stdout), stdout: res.stdout, stderr: res.stderr };
  }
  const body = stdin === undefined ? stdinScript(script) : stdinScriptReading(script, Buffer.from(stdin));
  const res = await t.exec(inSh(withHereDocument(`su -s /bin/sh ${quote(user)}`, body)), { privileged: true });
  return { ...parseMarkers(res.stdout), stdout: res.stdout, stderr: res.stderr };
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

/**
 * What `ssh -G` shows against what the plan promised: exact values (keywords ssh prints one line
 * per member, SetEnv and the accumulating ones, compared as all their lines), then members.
 */
export function check(file: Pick<ClientFilePlan, 'promised' | 'promisedMembers'>, shown: Record<string, string[]>): string | null {
  const wrong: string[] = [];
  for (const [k, v] of Object.entries(file.promised)) {
    const lines = shown[k];
    const value = lines === undefined ? undefined : k === 'setenv' ? lines.join(' ') : lines[0];
    if (value !== v) wrong.push(`${k} is ${value ?? '(unset)'}, promised ${v}`);
  }
  for (const [k, m] of Object.entries(file.promisedMembers ?? {})) {
    const lines = shown[k] ?? [];
    const members = new Set(m.split === 'line' ? lines : lines.flatMap((l) => l.split(m.split === 'comma' ? ',' : ' ')));
    const missing = m.present.filter((x) => !members.has(x));
    const extra = m.absent.filter((x) => members.has(x));
    if (missing.length > 0) wrong.push(`${k} lacks ${missing.join(', ')}`);
    if (extra.length > 0) wrong.push(`${k} still has ${extra.join(', ')} (another file ssh reads, such as /etc/ssh/ssh_config, may add it)`);
  }
  return wrong.length === 0 ? null : wrong.join('; ');
}

/**
 * What became of one client file. `failed`: it holds what it held before; `unknown`: the
 * connection or the restore failed after it may have been replaced.
 */
export type ClientFileOutcome = { status: 'written'; write: ClientWrite } | { status: 'failed' | 'unknown'; reason: string };

/** Who owns a file, for messages: `alice's /home/alice/.ssh/config`. */
export function clientFileLabel(file: Pick<ClientFilePlan, 'owner' | 'path'>): string {
  return file.owner.kind === 'user' ? `${file.owner.user}'s ${file.path}` : file.path;
}

/**
 * Writes one file and proves it, on its own: a failure leaves this file as it was and says
 * why, and never touches another file. The new text travels on stdin, so a user's config
 * never appears on a command line (`ps` shows command lines to every user of the host).
 */
export async function writeClientFile(t: Transport, file: ClientFilePlan, runId: string, stamp: string): Promise<ClientFileOutcome> {
  const written: ClientWrite = { file, backup: file.before === null ? null : `${file.path}.fleet-${stamp}` };
  const values = {
    target: file.path,
    dir: dirOf(file.path),
    temp: candidatePathFor(file.path, runId),
    mode: clientOwnerAndMode(file).mode.toString(8),
    create_dir: file.createDir,
    backup: backupArgument(written),
    before: file.before === null ? '-' : createHash('sha256').update(file.before, 'utf8').digest('hex'),
    system: file.owner.kind === 'system',
    probe_host: PROBE_HOST,
  };
  const script = remoteScript(values, REMOTE.replace, REMOTE.clientWrite);
  let out;
  try {
    out = await runAs(t, file, script, file.after);
  } catch (error) {
    // The script may have run to its rename before the answer was lost.
    return { status: 'unknown', reason: `the write's answer was lost (${describeError(error)}); the file holds either its old or its new text` };
  }
  if (has(out, 'unsafe')) return { status: 'failed', reason: 'a symlink appeared in the path; nothing was written' };
  if (has(out, 'conflict')) return { status: 'failed', reason: `${clientFileLabel(file)} changed after fleet read it (its user or another tool edited it); nothing was written, run again to plan from the new content` };
  if (has(out, 'rejected')) {
    const said = (out.sections.get('rejected') ?? '').replaceAll(candidatePathFor(file.path, runId), file.path).trim();
    return { status: 'failed', reason: `ssh -G rejects the candidate: ${said}${unknownKeywordHint(said)}; nothing was written` };
  }
  const failed = arg(out, 'fail');
  if (failed === 'NO_SSH') return { status: 'failed', reason: 'no ssh client on the host to prove the value with ssh -G; nothing was written' };
  if (failed !== undefined || !has(out, 'ssh-G')) return { status: 'failed', reason: `${failed ?? 'write failed'}: ${(out.stderr || out.stdout).trim() || 'no output'}; nothing was written` };
  const wrong = check(file, Object.fromEntries(printedValues(out.sections.get('ssh-G') ?? '')));
  if (wrong === null) return { status: 'written', write: written };
  try {
    await restoreClientFile(t, written);
  } catch (error) {
    return { status: 'unknown', reason: `ssh -G disagrees with the plan (${wrong}), and restoring the file failed: ${describeError(error)}` };
  }
  return { status: 'failed', reason: `ssh -G disagrees with the plan (${wrong}); the file was restored` };
}

/**
 * fleet does not read the host's ssh version (only sshd's), so a keyword that client is too old
 * for is caught here, by ssh -G itself: name the releases that know it.
 */
export function unknownKeywordHint(said: string): string {
  const word = /Bad configuration option: (\S+)/i.exec(said)?.[1];
  const entry = word === undefined ? undefined : sshKeyword(word);
  return entry === undefined ? '' : ` (${entry.name} is known to ssh from OpenSSH ${entry.versions}; this host's ssh client is older)`;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return 'code' in error && typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
  return String(error);
}

export async function restoreClientFile(t: Transport, w: ClientWrite): Promise<void> {
  const script = remoteScript({ target: w.file.path, dir: dirOf(w.file.path), backup: backupArgument(w) }, REMOTE.replace, REMOTE.clientRestore);
  const out = await runAs(t, w.file, script);
  if (!has(out, 'restored')) throw new Error(`could not restore ${w.file.path}: ${(out.stderr || out.stdout).trim()}`);
}
