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
import { SYSTEM_DROP_IN, SYSTEM_SSH_CONFIG, type FileState, type SystemClientFacts, type UserClientFacts } from '../core/clientFacts.js';
import { quote } from '../core/shell.js';
import { parseMarkers } from '../engine/scripts.js';

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
 * Runs as the user, with FLEET_HOME and FLEET_UID from root's `getent passwd`. Prints the
 * state of ~/.ssh, then of the config as opened on fd 3 (`stat -L` of /proc/self/fd/3) and of
 * its name (`stat`, no -L) right after, and sends the bytes only when both are the same
 * regular, single-link file of the user's, within the size limit. fleet checks all of it again.
 */
export const USER_HOME_PROBE = `
case $FLEET_HOME in /*) ;; *) echo '@@fleet:no-home'; exit 0 ;; esac
d=\${FLEET_HOME%/}/.ssh
f=$d/config
if [ -L "$d" ]; then echo '@@fleet:dir symlink'; exit 0; fi
if [ ! -e "$d" ]; then echo '@@fleet:dir absent'; echo '@@fleet:done'; exit 0; fi
if [ ! -d "$d" ]; then echo '@@fleet:dir other'; exit 0; fi
echo "@@fleet:dir $(stat -c '%u %g %a' "$d")"
if [ -L "$f" ]; then echo '@@fleet:config symlink'; exit 0; fi
if [ ! -e "$f" ]; then echo '@@fleet:config absent'; echo '@@fleet:done'; exit 0; fi
if [ ! -f "$f" ]; then echo '@@fleet:config other'; exit 0; fi
opened() {
  o=$(stat -L -c '%d:%i %f %u %g %h %s' /proc/self/fd/3) || return 0
  n=$(stat -c '%d:%i %f' "$f" 2>/dev/null) || n=gone
  echo "@@fleet:config $o"
  echo "@@fleet:named $n"
  IFS=' '
  set -f
  # shellcheck disable=SC2086 # split on purpose: six numeric fields
  set -- $o
  [ "$1 $2" = "$n" ] && [ "$3" = "$FLEET_UID" ] && [ "$5" = 1 ] && [ "$6" -le ${USER_CONFIG_MAX_BYTES} ] || return 0
  echo '@@fleet:bytes'
  head -c ${USER_CONFIG_MAX_BYTES + 1} <&3 | base64
}
opened 3< "$f"
echo '@@fleet:done'
`;

/** Prints a file's owner, mode and link count, then its bytes. Only for root's own files. */
const fileProbe = (path: string, tag: string): string =>
  `if [ -L ${path} ]; then echo "@@fleet:${tag} symlink"; elif [ -f ${path} ]; then echo "@@fleet:${tag} $(stat -c '%u %g %a %h' ${path})"; base64 < ${path}; else echo "@@fleet:${tag} absent"; fi`;

/**
 * How long one user's part may take. It takes milliseconds; only a user who renames a FIFO over
 * the config between the check and the open (the open then waits for a writer) or a hung home
 * file system holds it longer, and that must not cost every other user their file.
 */
export const USER_PROBE_SECONDS = 20;

export function clientFactsScript(users: readonly string[], system: boolean, userProbeSeconds = USER_PROBE_SECONDS): string {
  const lines: string[] = [];
  if (users.length > 0) {
    lines.push(
      'me=$(id -u)',
      `probe=${quote(USER_HOME_PROBE)}`,
      `field() { printf '%s\\n' "$ent" | cut -d: -f"$1"; }`,
      // `timeout` (coreutils, busybox) where there is one; without it, the command's own timeout.
      `bound=''; command -v timeout >/dev/null 2>&1 && bound='timeout ${Math.max(1, Math.floor(userProbeSeconds))}'`,
      // runuser (util-linux) is su for root without su's full PAM session (pam_systemd would
      // register a logind session, and may start the user's systemd manager, per user per run).
      `switch=su; command -v runuser >/dev/null 2>&1 && switch=runuser`,
      // Already that user (a login without become): no su, which would ask for a password.
      `as_user() { if [ "$2" = "$me" ]; then FLEET_HOME=$3 FLEET_UID=$2 $bound sh -c "$probe"; else FLEET_HOME=$3 FLEET_UID=$2 $bound $switch -s /bin/sh "$1" -c "$probe"; fi; echo "@@fleet:exit $?"; }`,
    );
  }
  users.forEach((user, i) => {
    lines.push(
      `if ent=$(getent passwd ${quote(user)}); then`,
      `  echo "@@fleet:u${i}-ent"; printf '%s\\n' "$ent"`,
      `  echo "@@fleet:u${i}-home"`,
      `  as_user ${quote(user)} "$(field 3)" "$(field 6)" </dev/null 2>&1 | head -c ${USER_SECTION_MAX_BYTES} | base64`,
      `else echo "@@fleet:u${i}-missing"; fi`,
    );
  });
  if (system) {
    lines.push(fileProbe(quote(SYSTEM_SSH_CONFIG), 'sys-main'), fileProbe(quote(SYSTEM_DROP_IN), 'sys-dropin'));
    lines.push(`[ -d ${quote(SYSTEM_DROP_IN.slice(0, SYSTEM_DROP_IN.lastIndexOf('/')))} ] && echo "@@fleet:sys-dir yes"`);
  }
  lines.push('echo "@@fleet:end"');
  return lines.join('\n');
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
