/**
 * Finding a remote command's process again, to kill it on timeout.
 *
 * SSH has a `signal` channel request, but sshd refuses it for root sessions (root logins skip
 * post-auth privilege separation, and sshd only signals from the unprivileged child). So each
 * command announces its process group on stderr before running: `exec sh -c` makes sh the
 * session leader sshd created with setsid(), so its pid is the group every child inherits.
 * On timeout, a second command kills that group.
 */
import { quote, shScript } from '../core/shell.js';

/** Starts the marker line; a control character no real command prints at the start of stderr. */
const MARK = '\x1efleet-pgid ';

/** One word as `quote` writes it: safe characters only, or single-quoted with `'\\''` for a quote. */
const WORD = String.raw`(?:[A-Za-z0-9_./:=@%+,-]+|'(?:[^']|'\\'')*')`;

/**
 * A command line fleet builds (`sh -c <script>`, `sudo -n sh -c …`, `su … -c …`, `true`): a
 * program, not a shell builtin, then quoted words only. The marker's shell can `exec` such a
 * line instead of forking it: one process fewer per command, and the pid (so the group) stays.
 */
const EXECABLE = new RegExp(`^(?:sh|sudo|su|true)(?: ${WORD})*$`);

/**
 * The command line that runs `cmd` in sh after printing its process group id on stderr. A
 * `sh -c <script>` line runs its script in the marker's shell itself, and other lines fleet
 * builds replace that shell (`exec`): no process beyond the ones the command needs.
 */
export function withProcessMarker(cmd: string): string {
  const script = shScript(cmd);
  const body = script ?? `${EXECABLE.test(cmd) ? 'exec ' : ''}${cmd}`;
  return `exec sh -c ${quote(`printf '\\036fleet-pgid %s\\n' "$$" >&2; ${body}`)}`;
}

/**
 * The announced process group, if the first stderr line is complete and is the marker,
 * and the stderr the command itself wrote.
 */
export function splitProcessMarker(stderr: string): { pgid: number | null; stderr: string } {
  if (!stderr.startsWith(MARK)) return { pgid: null, stderr };
  const end = stderr.indexOf('\n');
  if (end === -1) return { pgid: null, stderr };
  const pgid = Number(stderr.slice(MARK.length, end));
  return { pgid: Number.isInteger(pgid) && pgid > 1 ? pgid : null, stderr: stderr.slice(end + 1) };
}

/** Kills a whole process group (the command and everything it started). */
export function killGroupCommand(pgid: number): string {
  // `-s KILL --`: the one spelling dash, bash and busybox all read as "signal this group".
  return `kill -s KILL -- -${pgid}`;
}
