/**
 * How a command reaches the host, and how its process is found again to kill it on timeout.
 *
 * The command line sshd receives is fixed and short: `exec sh -s` (`sudo -n sh -s` behind it
 * for a `become` host). The script itself travels on the session's stdin. A command line is
 * visible to every local user in `ps`, is logged by sudo, and is bounded by the kernel (one
 * argument may not exceed 128 KiB: a large config tree failed with E2BIG); stdin is none of
 * these. The user's login shell (bash, zsh, fish…) only ever parses that fixed line.
 *
 * SSH has a `signal` channel request, but sshd refuses it for root sessions (root logins skip
 * post-auth privilege separation, and sshd only signals from the unprivileged child). So each
 * command announces its process group on stderr before running: `exec sh` makes sh the
 * session leader sshd created with setsid(), so its pid is the group every child inherits.
 * On timeout, a second command kills that group.
 */
import { shScript, stdinScript, stdinScriptReading } from '../core/shell.js';

/** Starts the marker line; a control character no real command prints at the start of stderr. */
const MARK = '\x1efleet-pgid ';

/** Prints the marker: `$$` of the session leader's shell is the session's process group. */
const ANNOUNCE = `printf '\\036fleet-pgid %s\\n' "$$" >&2`;

/** What sshd receives for a command run as the login user: the script follows on stdin. */
export const PLAIN_LINE = 'exec sh -s';

/**
 * What sshd receives for a command run through sudo. The session leader announces itself, then
 * becomes sudo, whose shell reads the script from the stdin it inherits: the leader reads none
 * of it (a shell reading the script itself could read past the `exec` into sudo's part).
 * Double quotes inside, so the line holds no `'` for the login shell to unescape.
 */
export const SUDO_LINE = `exec sh -c 'printf "\\036fleet-pgid %s\\n" "$$" >&2; exec sudo -n sh -s'`;

/** A command as it is sent: the fixed line sshd runs, and the script written to its stdin. */
export interface RemoteCommand {
  line: typeof PLAIN_LINE | typeof SUDO_LINE;
  stdin: string;
}

/**
 * How `cmd` is sent. `cmd` is shell text for sh; a `sh -c <quoted script>` line (the form the
 * engine builds) is sent as its script, so no second shell starts. `input`, when given, is what
 * the script's commands read on stdin (else they read /dev/null).
 */
export function remoteCommand(cmd: string, viaSudo: boolean, input?: string | Buffer): RemoteCommand {
  const script = shScript(cmd) ?? cmd;
  const body = viaSudo ? script : `${ANNOUNCE}\n${script}`;
  const stdin = input === undefined ? stdinScript(body) : stdinScriptReading(body, Buffer.from(input));
  return { line: viaSudo ? SUDO_LINE : PLAIN_LINE, stdin };
}

/**
 * The announced process group, if a complete marker line is there, and the stderr without it.
 * The marker is usually the first line, but a login shell's start-up files may print first
 * (bash reads ~/.bashrc for sshd's commands).
 */
export function splitProcessMarker(stderr: string): { pgid: number | null; stderr: string } {
  const start = stderr.startsWith(MARK) ? 0 : stderr.indexOf(`\n${MARK}`) + 1;
  if (start === 0 && !stderr.startsWith(MARK)) return { pgid: null, stderr };
  const end = stderr.indexOf('\n', start);
  if (end === -1) return { pgid: null, stderr };
  const pgid = Number(stderr.slice(start + MARK.length, end));
  return { pgid: Number.isInteger(pgid) && pgid > 1 ? pgid : null, stderr: stderr.slice(0, start) + stderr.slice(end + 1) };
}

/** Kills a whole process group (the command and everything it started). */
export function killGroupCommand(pgid: number): string {
  // `-s KILL --`: the one spelling dash, bash and busybox all read as "signal this group".
  return `kill -s KILL -- -${pgid}`;
}
