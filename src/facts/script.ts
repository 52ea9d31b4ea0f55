/**
 * The facts probe: ONE POSIX sh script, run once per host, that prints everything fleet
 * needs in a framed format (see frames.ts). One round trip instead of a dozen is what
 * keeps `fleet check` close to the cost of a bare `ssh host sshd -T`.
 *
 * Portability: dash, bash and busybox sh (Alpine). Only POSIX sh plus `base64` (coreutils
 * and busybox). Every value from fleet enters as a quoted literal, Include patterns fleet
 * read off the host included; those are only ever glob-expanded, never evaluated.
 */
import { quote } from '../core/shell.js';

/**
 * sshd resolves relative Include paths against its compiled-in SSHDIR, not against the
 * including file's directory.
 */
export const SSHDIR = '/etc/ssh';

/**
 * sshd -T and -t refuse to run without the privilege-separation folder, which only a running
 * sshd's service manager creates (systemd's RuntimeDirectory): a missing one is no config
 * error, so every script that runs them creates it first.
 */
export const ENSURE_PRIVSEP_DIR = '[ -d /run/sshd ] || mkdir -p /run/sshd 2>/dev/null';

/** How many levels of Include below the drop-ins the shell follows before leaving the rest to a follow-up probe. */
const SHELL_INCLUDE_DEPTH = 4;

// Shared helpers. Headers carry paths raw as the rest of the line (paths never hold a
// newline here: the lists below are newline-separated too); file bytes go through base64.
// Every process counts (`fleet check` must cost at most 1.25× a bare `sshd -T` over SSH, and
// each fork and exec costs the host about a fifth of that `sshd -T`), so the only process per
// file is its `base64`: owner and mode are not read (apply copies them from the live file with
// `cp -p`). The main file is not scanned for Include lines: the probe reads the drop-ins of
// the layout nearly every distribution ships (`Include /etc/ssh/sshd_config.d/*.conf`), and
// fleet's own parser finds every Include in the main file, so a follow-up probe fetches what
// that guess missed. Drop-ins, when there are any, are scanned with one `sed` per level, so
// what they include (RHEL's crypto policy) comes in the same round trip.
// `expand` globs one pattern with IFS empty (no field splitting) and globbing on, like sshd's
// glob(3); `emit_files` prints the files in $todo and leaves them in $got; `walk` follows
// the plain Include lines of $todo's files a few levels deep (quoted arguments are left to
// fleet's parser and a follow-up). A file that vanishes between the test and its read is
// reported as missing (`@@nofile` after its header).
const HELPERS = `
nl='
'
ws=" \t\r$nl"
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
emit_files() {
  got=''
  for f in $todo; do
    case $seen in *"$nl$f$nl"*) continue ;; esac
    seen="$seen$f$nl"
    if [ -f "$f" ] && [ -r "$f" ]; then
      # A symlinked file is edited where it points, so the link stays (as Ansible's lineinfile does).
      if [ -L "$f" ]; then printf '@@link %s\\n' "$f"; readlink -f "$f" | base64; fi
      printf '@@file %s\\n' "$f"
      if base64 < "$f" 2>/dev/null; then got="$got$f$nl"; else printf '@@nofile %s\\n' "$f"; fi
    else
      printf '@@nofile %s\\n' "$f"
    fi
  done
}
walk() {
  depth=0
  while [ -n "$todo" ] && [ "$depth" -lt ${SHELL_INCLUDE_DEPTH} ]; do
    emit_files
    next=''
    set --
    for f in $got; do set -- "$@" "$f"; done
    if [ $# -gt 0 ]; then
      pats=$(sed -n -e 's/[[:space:]]#.*$//' -e 's/^[[:space:]]*[Ii][Nn][Cc][Ll][Uu][Dd][Ee][[:space:]=][[:space:]=]*//p' "$@" 2>/dev/null)
      IFS=$ws
      for p in $pats; do
        IFS=$nl
        case $p in *'"'*) continue ;; esac
        expand "$p"
      done
      IFS=$nl
    fi
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
# The uid without forking \`id\`: the shell's own status (Linux; effective uid is the 2nd field).
uid=''
if [ -r /proc/self/status ]; then
  while read -r k _ e _; do case $k in Uid:) uid=$e; break ;; esac; done < /proc/self/status
fi
case $uid in ''|*[!0-9]*) uid=$(id -u) ;; esac
printf '@@uid %s\\n' "$uid"
# PATH searched by hand, as \`command -v\` would, without a subshell.
if [ -z "$sshd" ]; then
  set -f
  IFS=:
  for d in $PATH /usr/sbin /usr/local/sbin /sbin /usr/bin; do
    case $d in /*) if [ -f "$d/sshd" ] && [ -x "$d/sshd" ]; then sshd=$d/sshd; break; fi ;; esac
  done
  unset IFS
  set +f
fi
T=''
if [ -n "$sshd" ] && [ -x "$sshd" ]; then
  printf '@@sshd %s\\n' "$sshd"
  # The version costs an sshd start of its own; skipped when the SSH banner already gave it.
  if [ ${input.knownVersion ? 1 : 0} = 0 ]; then printf '@@version\\n'; "$sshd" -V </dev/null 2>&1 | base64; fi
  ${ENSURE_PRIVSEP_DIR}
  T=$("$sshd" -T -f "$cfg" 2>/dev/null </dev/null)
  rc=$?
  # Raw, not base64 (one fork fewer): every line of -T starts with a keyword, never with @@.
  printf '@@T %s\\n%s\\n' "$rc" "$T"
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
emit_files
next=''
expand "$cfg.d/*.conf"
todo=$next
walk
unset IFS
set +f
if [ -d /run/systemd/system ]; then
  # One systemctl for both names; its blocks (key=value lines) come in the order asked.
  printf '@@probe systemd\\n@@units ssh.service sshd.service\\n'
  systemctl show -p Id -p LoadState -p ActiveState ssh.service sshd.service 2>/dev/null
fi
if [ -d /run/openrc ] && command -v rc-service >/dev/null 2>&1; then printf '@@probe openrc\\n'; fi
# sshd -T names the pid file; parameter expansion finds it without a fork. The listener's
# command line comes with it: its -o options win over the files (facts/daemon.ts).
pf=/run/sshd.pid
case $T in *"\${nl}pidfile "*) pf=\${T#*"\${nl}pidfile "}; pf=\${pf%%"$nl"*} ;; esac
pid=''
[ -f "$pf" ] && read -r pid < "$pf" 2>/dev/null
case $pid in ''|*[!0-9]*) ;; *) kill -0 "$pid" 2>/dev/null && printf '@@probe pid-alive\\n' && [ -r "/proc/$pid/cmdline" ] && printf '@@cmdline\\n' && base64 < "/proc/$pid/cmdline" ;; esac
for d in ssh sshd; do
  if [ -x "/etc/init.d/$d" ]; then printf '@@probe initd-%s\\n' "$d"; fi
done
if command -v service >/dev/null 2>&1; then printf '@@probe service\\n'; fi
printf '@@end\\n'
`;
}

/**
 * The follow-up probe for what the first one did not fetch: Include patterns fleet found in
 * the files read so far that no probe has globbed yet, and matched files not yet printed.
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
