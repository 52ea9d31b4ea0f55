/**
 * The facts probe: ONE POSIX sh script, run once per host, that prints everything fleet
 * needs in a framed format (see frames.ts). One round trip instead of a dozen is what
 * keeps `fleet check` close to the cost of a bare `ssh host sshd -T`.
 *
 * Portability: dash, bash and busybox sh (Alpine). Only POSIX sh plus `base64`, `stat -c`,
 * `sed`, `tr` (all in coreutils and busybox). Every value from fleet enters as a quoted
 * literal; values read from the host (Include patterns) are only ever glob-expanded,
 * never evaluated, because word expansion of a variable does not run command substitution.
 */
import { quote } from '../core/shell.js';

/**
 * sshd resolves relative Include paths against its compiled-in SSHDIR, not against the
 * including file's directory.
 */
export const SSHDIR = '/etc/ssh';

/** How many levels of Include the shell follows before leaving the rest to a second round trip. */
const SHELL_INCLUDE_DEPTH = 4;

// Shared helpers. Headers carry paths raw as the rest of the line (paths never hold a
// newline here: the lists below are newline-separated too); only file bytes and command
// output go through base64. Every fork counts (`fleet check` must cost at most 1.25× a bare
// `sshd -T` over SSH), so parsing happens in shell builtins where it can.
// `emit_file` prints a file's owner, mode and exact bytes; `expand` globs one pattern with
// IFS empty (no field splitting) and globbing on, like sshd's glob(3); `walk` prints the
// files in $todo and follows their plain Include lines a few levels deep. Quoted Include
// arguments are left to fleet's own parser and a follow-up probe.
const HELPERS = `
nl='
'
ws=" $(printf '\\t\\r')$nl"
emit_file() {
  if [ -f "$1" ] && [ -r "$1" ] && stat -c '@@file %u %g %a %n' "$1"; then
    base64 < "$1"
  else
    printf '@@nofile %s\\n' "$1"
  fi
}
expand() {
  case $1 in /*|~*) p=$1 ;; *) p=${SSHDIR}/$1 ;; esac
  printf '@@glob %s\\n' "$p"
  IFS=''
  set +f
  for g in $p; do
    if [ -e "$g" ]; then
      printf '@@match %s\\n' "$g"
      next="$next$g$nl"
    fi
  done
  set -f
  IFS=$nl
}
walk() {
  depth=0
  while [ -n "$todo" ] && [ "$depth" -lt ${SHELL_INCLUDE_DEPTH} ]; do
    next=''
    for f in $todo; do
      case $seen in *"$nl$f$nl"*) continue ;; esac
      seen="$seen$f$nl"
      emit_file "$f"
      [ -f "$f" ] || continue
      pats=$(sed -n -e 's/[[:space:]]#.*$//' -e 's/^[[:space:]]*[Ii][Nn][Cc][Ll][Uu][Dd][Ee][[:space:]=][[:space:]=]*//p' "$f" 2>/dev/null)
      [ -n "$pats" ] || continue
      IFS=$ws
      for p in $pats; do
        IFS=$nl
        case $p in *'"'*) continue ;; esac
        expand "$p"
      done
      IFS=$nl
    done
    todo=$next
    depth=$((depth + 1))
  done
}
`;

/** Arguments of the probe: what the inventory says about this host. */
export interface ProbeInput {
  configPath: string;
  /** host.sshdBinary; found on the host when absent. */
  sshdBinary?: string;
  /** The transport already knows the running sshd's version (from its banner): skip `sshd -V`. */
  knownVersion?: boolean;
}

/** The full facts probe. Run it privileged: sshd -T needs to read the host keys. */
export function factsScript(input: ProbeInput): string {
  return `LC_ALL=C; export LC_ALL
PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin"
cfg=${quote(input.configPath)}
sshd=${quote(input.sshdBinary ?? '')}
${HELPERS}
printf '@@uid %s\\n' "$(id -u)"
if [ -z "$sshd" ]; then sshd=$(command -v sshd 2>/dev/null); fi
if [ -z "$sshd" ]; then
  for c in /usr/sbin/sshd /usr/local/sbin/sshd /sbin/sshd /usr/bin/sshd; do
    if [ -x "$c" ]; then sshd=$c; break; fi
  done
fi
T=''
if [ -n "$sshd" ] && [ -x "$sshd" ]; then
  printf '@@sshd %s\\n' "$sshd"
  # The version costs an sshd start of its own; skipped when the SSH banner already gave it.
  if [ ${input.knownVersion ? 1 : 0} = 0 ]; then printf '@@version\\n'; "$sshd" -V </dev/null 2>&1 | base64; fi
  T=$("$sshd" -T -f "$cfg" 2>/dev/null </dev/null)
  rc=$?
  printf '@@T %s\\n' "$rc"
  printf '%s\\n' "$T" | base64
  if [ "$rc" -ne 0 ]; then
    E=$("$sshd" -t -f "$cfg" 2>&1 </dev/null)
    erc=$?
    # -t accepting what -T refused: report -T's own complaint.
    [ "$erc" -eq 0 ] && E=$("$sshd" -T -f "$cfg" 2>&1 >/dev/null </dev/null)
    printf '@@t %s\\n' "$erc"
    printf '%s\\n' "$E" | base64
  fi
else
  printf '@@nosshd %s\\n' "$sshd"
fi
IFS=$nl
set -f
seen=$nl
todo=$cfg
walk
unset IFS
set +f
if [ -d /run/systemd/system ]; then
  printf '@@probe systemd\\n'
  for u in ssh.service sshd.service; do
    printf '@@unit %s\\n' "$u"
    systemctl show -p Id -p LoadState -p ActiveState "$u" 2>/dev/null | base64
  done
fi
if [ -d /run/openrc ] && command -v rc-service >/dev/null 2>&1; then printf '@@probe openrc\\n'; fi
# sshd -T names the pid file; parameter expansion finds it without a fork.
pf=/run/sshd.pid
case $T in *"\${nl}pidfile "*) pf=\${T#*"\${nl}pidfile "}; pf=\${pf%%"$nl"*} ;; esac
pid=''
[ -f "$pf" ] && read -r pid < "$pf" 2>/dev/null
case $pid in ''|*[!0-9]*) ;; *) kill -0 "$pid" 2>/dev/null && printf '@@probe pid-alive\\n' ;; esac
for d in ssh sshd; do
  if [ -x "/etc/init.d/$d" ]; then printf '@@probe initd-%s\\n' "$d"; fi
done
if command -v service >/dev/null 2>&1; then printf '@@probe service\\n'; fi
printf '@@end\\n'
`;
}

/**
 * The follow-up probe for what the first one could not see: Include patterns it skipped
 * (quoted ones, or nested deeper than it follows) and matched files it did not print.
 */
export function followUpScript(patterns: readonly string[], files: readonly string[]): string {
  const globs = patterns.map((p) => `expand ${quote(p)}`).join('\n');
  const known = files.map((f) => `next="$next"${quote(f)}"$nl"`).join('\n');
  return `LC_ALL=C; export LC_ALL
${HELPERS}
IFS=$nl
set -f
seen=$nl
next=''
${known}
${globs}
todo=$next
walk
printf '@@end\\n'
`;
}
