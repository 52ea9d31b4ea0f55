# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Stages the whole candidate config in a private folder (never the live files) and asks the
# real sshd about it: `sshd -T` both validates it and prints the values it gives, so the promise
# is checked before anything live changes; only when -T fails does `sshd -t` run, for its
# message (or to tell a valid config -T cannot print, such as `Match LocalPort`). What follows
# the stage in the same script (apply's write, commit and reload) runs only when sshd accepts
# the candidate, shows every promised value and the lock-out guard lets it.
#
# Inputs: sshd and sshd_options (sshd.sh), stage_dirs (the stage folder first, then every folder under it, one a line),
# stage_main, promised (`keyword value` lines as `sshd -T` prints them), with_lock (1: take the
# lock first, lock.sh), guard (1: run the lock-out guard), guard_user, guard_live_main,
# guard_approved (login lines fleet judged safe, '' for none), login_keywords (an ERE of the
# login keywords' lines), match_proofs (promise.sh). Needs sshd.sh and promise.sh. fleet
# calls: stage_begin, stage_file PATH TEXT (each file), stage_prove; with the lock, lock-take.sh runs before stage_begin.

umask 077
nl='
'

# With the lock (apply) it was taken just before (lock-take.sh), so a run killed from
# here on leaves a lock that leads the next run to its stage folder; it is given back on every
# exit until what follows the stage begins to write (from there each failure path decides).
# The stage folder and every folder under it come from one `mkdir` without -p: each must be
# new (nothing planted in /tmp is followed), and umask 077 makes them all private.
stage_begin() {
  keep_lock=0
  [ "$with_lock" != 1 ] || trap '[ "$keep_lock" = 1 ] || unlock_ours' EXIT
  stage_root=${stage_dirs%%"$nl"*}
  IFS=$nl; set -f
  # shellcheck disable=SC2086 # one folder a line
  mkdir -m 700 $stage_dirs || { echo @@fleet:stage-failed; exit 0; }
  unset IFS; set +f
  trap 'rm -rf "$stage_root"; [ "$with_lock" != 1 ] || [ "$keep_lock" = 1 ] || unlock_ours' EXIT
  # sshd -T and -t refuse to run without the privilege-separation folder, which only a running
  # sshd's service manager creates: a missing one is no config error.
  [ -d /run/sshd ] || mkdir -p /run/sshd 2>/dev/null
}

# Writes $2 to $1 with the printf builtin: the file costs the host no process. Without $2 (a
# text holding a NUL, which no shell string can), stdin's base64.
stage_file() {
  if [ $# -ge 2 ]; then printf '%s' "$2" > "$1"; else base64 -d > "$1"; fi || { echo @@fleet:stage-failed; exit 0; }
}

stage_prove() {
  ok=0
  if T=$(sshd_run -T -f "$stage_main" 2>/dev/null </dev/null); then
    ok=1; echo @@fleet:staged-T; printf '%s\n' "$T"; echo "@@fleet:rc 0"
    promise_kept "$T" "$promised" || ok=0
    match_proofs_hold staged-C "$stage_main"
    [ $ok = 1 ] || echo @@fleet:staged-promise-broken
  else
    out=$(sshd_run -t -f "$stage_main" 2>&1 </dev/null); rc=$?
    echo @@fleet:staged-t; printf '%s\n' "$out"; echo "@@fleet:rc $rc"
    if [ $rc = 0 ]; then ok=1; echo @@fleet:staged-T-failed; fi
  fi
  if [ $ok = 1 ] && [ "$guard" = 1 ]; then login_guard; fi
  [ $ok = 1 ] || exit 0
  keep_lock=1
}

# The lock-out guard: asks the real sshd about the candidate and about the live config for the
# login in use (`-C user=…,host=…,addr=…,laddr=…,lport=…` from $SSH_CONNECTION; under sudo,
# which drops it, from the session's own environment in /proc), keeps only the lines that
# decide whether that login is let in, and prints them with the user's groups for fleet to
# judge. What follows runs only when the candidate's lines are the live ones (the login works
# now) or the ones fleet approved; else `guard-held`, ok=0. Without a connection to test,
# `guard-unknown` and the guard does not hold.
login_guard() {
  conn=$SSH_CONNECTION
  # sudo resets the environment: climb to the session's shell, whose environment has it.
  p=$$; n=0
  while [ -z "$conn" ] && [ $n -lt 8 ]; do
    p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/"$p"/status 2>/dev/null)
    case $p in ''|0|1) break ;; esac
    conn=$(tr '\0' '\n' < /proc/"$p"/environ 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p')
    n=$((n + 1))
  done
  set -f
  # shellcheck disable=SC2086 # four words: client address and port, server address and port
  set -- $conn
  set +f
  if [ -n "$4" ]; then
    echo "@@fleet:login $conn"; echo @@fleet:groups; id -Gn "$guard_user" 2>/dev/null
    spec="user=$guard_user,host=$1,addr=$1,laddr=$3,lport=$4"
    if C=$(sshd_run -T -C "$spec" -f "$stage_main" 2>&1 </dev/null); then G=$(printf '%s\n' "$C" | grep -E "$login_keywords"); else G="unreadable: $C"; fi
    GL=$(sshd_run -T -C "$spec" -f "$guard_live_main" 2>/dev/null </dev/null | grep -E "$login_keywords")
    echo @@fleet:guard-candidate; printf '%s\n' "$G"; echo @@fleet:guard-live; printf '%s\n' "$GL"
    if [ "$G" != "$GL" ] && [ "$G" != "$guard_approved" ]; then
      ok=0; echo @@fleet:guard-held
      key_files_present
    fi
  else
    echo @@fleet:guard-unknown
  fi
}

# Which of the live AuthorizedKeysFile paths exist for the user (`keyfile <path as sshd printed
# it>`): a path that holds no file cannot be where the login found its key. Expanded as sshd
# does (%h, %u, %U, %%; relative to the home folder). `keyfiles-unknown` when the user's home
# or uid cannot be read.
key_files_present() {
  home=$(getent passwd "$guard_user" 2>/dev/null | cut -d: -f6); uid=$(id -u "$guard_user" 2>/dev/null)
  # No getent (busybox): the passwd file. No home at all: fleet keeps every live path.
  [ -n "$home" ] || home=$(awk -F: -v u="$guard_user" '$1 == u { print $6; exit }' /etc/passwd 2>/dev/null)
  if [ -z "$home" ] || [ -z "$uid" ]; then echo @@fleet:keyfiles-unknown; return 0; fi
  printf '%s\n' "$GL" | sed -n 's/^authorizedkeysfile //p' | tr ' ' '\n' \
    | awk -v h="$home" -v u="$guard_user" -v U="$uid" '{ o = ""; s = $0; while ((i = index(s, "%")) > 0) { c = substr(s, i + 1, 1); r = c == "h" ? h : c == "u" ? u : c == "U" ? U : c == "%" ? "%" : "%" c; o = o substr(s, 1, i - 1) r; s = substr(s, i + 2) } print $0 " " o s }' \
    | while read -r k f; do
      case $f in /*) ;; *) f="$home/$f" ;; esac
      [ ! -e "$f" ] || echo "@@fleet:keyfile $k"
    done
}
