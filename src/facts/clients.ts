/**
 * Facts for the client side: each listed user's passwd entry and ~/.ssh/config, or the system
 * ssh_config and its drop-in folder. One script, one round trip, parsed by a pure function.
 *
 * A home belongs to its user, who can swap any entry in it at any moment. So everything in a
 * home is looked at and read **as that user** (`su`): a link to /etc/shadow swapped in at the
 * right moment then yields "permission denied", never root's bytes. The config is opened once
 * and the opened file itself is checked (its fstat against the name's lstat), and a symlinked
 * or hard-linked ~/.ssh or ~/.ssh/config, one owned by someone else, or one over 1 MiB is
 * refused for that user alone (`unsafe`). The user's shell could also write into the pipe it
 * prints to, so its whole output comes back as one base64 block that is parsed for that user
 * only: nothing a user prints can speak for another user, the system files or the probe's end.
 */
import { SYSTEM_DROP_IN, SYSTEM_SSH_CONFIG, type FileState, type SystemClientFacts, type UserClientFacts } from '../core/client-facts.js';
import { parseMarkers } from '../remote/markers.js';
import { script } from '../remote/compose.js';
import { REMOTE } from '../remote/scripts.generated.js';

export { SYSTEM_DROP_IN, SYSTEM_SSH_CONFIG };
export type { FileState, SystemClientFacts, UserClientFacts };

/**
 * A user's ~/.ssh/config larger than this is refused: its text is held in memory, diffed and
 * shown in reports, and a keepalive edit has no business with a file that size.
 */
export const USER_CONFIG_MAX_BYTES = 1024 * 1024;

/**
 * What one user's shell may send back: the config's base64 (76-column lines) plus room for
 * the marker lines and an error message. More is cut off, and a cut-off answer is refused.
 */
const USER_SECTION_MAX_BYTES = Math.ceil((Math.ceil((USER_CONFIG_MAX_BYTES + 1) / 3) * 4 * 77) / 76) + 16 * 1024;

/**
 * One user's part of the probe, run as that user (client-home.sh): it opens the config once and
 * sends the bytes only when the opened file is the named one, a regular single-link file of the
 * user's within the size limit. fleet checks all of it again.
 */
export const USER_HOME_PROBE = script({ max_bytes: USER_CONFIG_MAX_BYTES }, REMOTE.clientHome);

/**
 * How long one user's part may take. It takes milliseconds; only a user who renames a FIFO over
 * the config between the check and the open (the open then waits for a writer) or a hung home
 * file system holds it longer, and that must not cost every other user their file.
 */
export const USER_PROBE_SECONDS = 20;

export function clientFactsScript(users: readonly string[], system: boolean, userProbeSeconds = USER_PROBE_SECONDS): string {
  const values = {
    users,
    probe: USER_HOME_PROBE,
    bound_seconds: Math.max(1, Math.floor(userProbeSeconds)),
    section_max_bytes: USER_SECTION_MAX_BYTES,
    system,
    system_main: SYSTEM_SSH_CONFIG,
    system_drop_in: SYSTEM_DROP_IN,
    system_drop_in_dir: SYSTEM_DROP_IN.slice(0, SYSTEM_DROP_IN.lastIndexOf('/')),
  };
  return script(values, REMOTE.clients);
}

/** Editing works on text: a file that is not UTF-8 is refused rather than re-encoded. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Buffer): string | null {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}

const fromBase64 = (body: string | undefined): Buffer => Buffer.from((body ?? '').replace(/\s+/g, ''), 'base64');

/** `text` is null when the file is not valid UTF-8. */
type Probed = { kind: 'absent' } | { kind: 'symlink' } | { kind: 'file'; uid: number; gid: number; mode: number; links: number; text: string | null };

function probed(arg: string | undefined, body: string | undefined): Probed {
  if (arg === undefined || arg === 'absent') return { kind: 'absent' };
  if (arg === 'symlink') return { kind: 'symlink' };
  const [uid, gid, mode, links] = arg.split(' ');
  return { kind: 'file', uid: Number(uid), gid: Number(gid), mode: parseInt(mode ?? '600', 8), links: Number(links), text: utf8(fromBase64(body)) };
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** What the user's shell printed, cut to a length that fits in a report line. */
function said(text: string | undefined): string {
  const line = (text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * One user's ~/.ssh as their own shell saw it. Everything in `answer` came from a process that
 * user controls, so it decides only about that user's file, and every claim is checked.
 */
function userHome(base: { user: string; uid: number; home: string }, answer: string): { sshDir: 'absent' | 'dir'; config: FileState | null; unsafe: string | null } {
  const { user, uid, home } = base;
  const dirPath = `${home.replace(/\/$/, '')}/.ssh`;
  const path = `${dirPath}/config`;
  const m = parseMarkers(answer);
  const argOf = (name: string): string | undefined => m.seen.find((s) => s.name === name)?.arg;
  const refuse = (unsafe: string, sshDir: 'absent' | 'dir' = 'dir') => ({ sshDir, config: null, unsafe });
  if (m.seen.some((s) => s.name === 'no-home')) return refuse(`${user} has no absolute home directory in the passwd database (${JSON.stringify(home)})`, 'absent');
  const dir = argOf('dir');
  const done = m.seen.some((s) => s.name === 'done');
  // timeout's status when it had to stop the user's part (see USER_PROBE_SECONDS).
  if (!done && argOf('exit') === '124') return refuse(`${path}: reading it as ${user} did not finish in time (a FIFO swapped in, or a hung file system?)`, dir === undefined ? 'absent' : 'dir');
  if (dir === undefined) {
    const su = said(answer.replace(/^@@fleet:exit .*$/m, ''));
    return refuse(`${path} could not be read as ${user}${su ? `: ${su}` : ''}`, 'absent');
  }
  if (dir === 'symlink') return refuse(`${dirPath} is a symlink`, 'absent');
  if (dir === 'other') return refuse(`${dirPath} is not a directory`, 'absent');
  if (dir === 'absent') return done ? { sshDir: 'absent', config: null, unsafe: null } : refuse(`${path}: the probe as ${user} did not finish`, 'absent');
  const [dirUid] = dir.split(' ');
  if (Number(dirUid) !== uid) return refuse(`${dirPath} is owned by uid ${dirUid}, not by ${user}`);
  const config = argOf('config');
  if (config === 'symlink') return refuse(`${path} is a symlink`);
  if (config === 'other') return refuse(`${path} is not a regular file`);
  if (config === 'absent') return done ? { sshDir: 'dir', config: null, unsafe: null } : refuse(`${path}: the probe as ${user} did not finish`);
  if (config === undefined) return refuse(`${path} could not be opened and checked as ${user}${said(m.sections.get('dir')) ? `: ${said(m.sections.get('dir'))}` : ''}`);

  // The opened file (fstat of fd 3) and the name right after (lstat): they must be one file.
  const [identity, typeHex, ownerUid, ownerGid, links, size] = config.split(' ');
  const [namedIdentity, namedTypeHex] = (argOf('named') ?? '').split(' ');
  const type = parseInt(typeHex ?? '', 16);
  if ((parseInt(namedTypeHex ?? '', 16) & S_IFMT) === S_IFLNK) return refuse(`${path} is a symlink`);
  if (namedIdentity !== identity || namedTypeHex !== typeHex) return refuse(`${path} was replaced while fleet opened it; nothing was read`);
  if ((type & S_IFMT) !== S_IFREG) return refuse(`${path} is not a regular file`);
  if (Number(ownerUid) !== uid) return refuse(`${path} is owned by uid ${ownerUid}, not by ${user}`);
  if (Number(links) !== 1) return refuse(`${path} is hard-linked elsewhere`);
  const tooBig = (bytes: number) => `${path} is ${bytes} bytes; fleet reads at most ${USER_CONFIG_MAX_BYTES} bytes (1 MiB) of a user's file`;
  if (!(Number(size) <= USER_CONFIG_MAX_BYTES)) return refuse(tooBig(Number(size)));
  if (!m.seen.some((s) => s.name === 'bytes') || !done) return refuse(`${path} could not be read as ${user}`);
  // Only base64 lines: an error message in between would otherwise decode to stray bytes.
  const body = m.sections.get('bytes') ?? '';
  if (!/^[A-Za-z0-9+/=\n]*$/.test(body)) return refuse(`${path} could not be read as ${user}: ${said(body.replace(/^[A-Za-z0-9+/=]*$/gm, ''))}`);
  const bytes = fromBase64(body);
  if (bytes.length > USER_CONFIG_MAX_BYTES) return refuse(tooBig(bytes.length));
  const text = utf8(bytes);
  if (text === null) return refuse(`${path} is not valid UTF-8; fleet edits text and will not re-encode it`);
  return { sshDir: 'dir', config: { uid, gid: Number(ownerGid), mode: type & 0o7777, text }, unsafe: null };
}

export function parseClientFacts(stdout: string, users: readonly string[], system: boolean): { users: UserClientFacts[]; system: SystemClientFacts | null } {
  const m = parseMarkers(stdout);
  const argOf = (name: string): string | undefined => m.seen.find((s) => s.name === name)?.arg;
  const has = (name: string): boolean => m.seen.some((s) => s.name === name);
  if (!has('end')) throw new Error('the client facts probe did not finish');

  const facts = users.map((user, i): UserClientFacts => {
    if (has(`u${i}-missing`) || !has(`u${i}-ent`)) return { user, exists: false };
    const fields = (m.sections.get(`u${i}-ent`) ?? '').split(':');
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    const home = fields[5] ?? '';
    const answer = fromBase64(m.sections.get(`u${i}-home`)).toString('utf8');
    return { user, exists: true, uid, gid, home, ...userHome({ user, uid, home }, answer) };
  });

  let sys: SystemClientFacts | null = null;
  if (system) {
    const main = probed(argOf('sys-main'), m.sections.get('sys-main'));
    const dropIn = probed(argOf('sys-dropin'), m.sections.get('sys-dropin'));
    const state = (p: Probed): FileState | null => (p.kind === 'file' && p.text !== null ? { uid: p.uid, gid: p.gid, mode: p.mode, text: p.text } : null);
    const notText = ([[SYSTEM_SSH_CONFIG, main], [SYSTEM_DROP_IN, dropIn]] as const).filter(([, p]) => p.kind === 'file' && p.text === null).map(([path]) => path);
    sys = {
      main: state(main),
      dropIn: state(dropIn),
      dropInDirExists: has('sys-dir'),
      unsafe: notText.length > 0 ? `${notText.join(' and ')} ${notText.length > 1 ? 'are' : 'is'} not valid UTF-8; fleet edits text and will not re-encode it` : null,
    };
  }
  return { users: facts, system: sys };
}
