# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Backup → journal → compare → atomic rename for every file, then the real sshd proves the whole
# live config and prints the effective values (`-T`, with `-t` for the reason when it fails).
# Any failure restores every file before the script ends, so the host is never left with a
# config sshd rejects. With reload_after=1, sshd is reloaded in the same round trip once `-T`
# shows every promised value (`reloaded <exit status>`, then the command's output).
#
# Right before the first rename each target's live bytes are compared with the plan's (sha256;
# a file the plan creates must still be missing): an edit made since the facts were read is
# never overwritten, the run writes nothing and reports `conflict`. The lock's `state` is
# `journal` while no live file has changed, and `committed` from just before the first rename:
# a recovery restores only a `committed` host.
#
# Inputs: sshd and sshd_options (sshd.sh), main, lock_dir, replacements (five lines a file:
# target, candidate, backup or `-` for a new file, the sha256 of the bytes the plan read or `-`
# for a new file, its journal line), durable (the files and folders a recovery reads: the lock,
# its journal, each backup and its folder), promised (`keyword value` lines), match_proofs
# (promise.sh), reload_after (1: reload), reload (the command), commit_locked (1: the lock was
# taken in this round trip, and a failure before the first rename gives it back at once). Needs
# replace.sh, journal.sh, sshd.sh, promise.sh and lock.sh.

umask 077
nl='
'

# Calls `$1 target candidate backup sum journal-line` for each replacement.
each_replacement() {
  each=$1
  IFS=$nl; set -f
  # shellcheck disable=SC2086 # one field a line
  set -- $replacements
  unset IFS; set +f
  while [ $# -ge 5 ]; do
    "$each" "$1" "$2" "$3" "$4" "$5"
    shift 5
  done
}

drop_backup() { [ "$3" = - ] || rm -f "$3"; }
drop_candidate() { rm -f "$2"; }

# Before the first rename no live file has changed: there is nothing to copy back (and no need
# for the disk space a copy takes when the disk is what failed), only this run's backups to
# drop, after the journal that names them. `untouched` tells the engine so.
moved=0
commit_fail() {
  echo "@@fleet:fail $1"
  if [ $moved = 0 ]; then
    : > "$lock_dir/journal"
    each_replacement drop_backup
    echo @@fleet:untouched; echo @@fleet:restored
    [ "$commit_locked" != 1 ] || unlock_ours
  else
    restore && echo @@fleet:restored
  fi
  each_replacement drop_candidate
  exit 0
}

back_up() {
  if [ "$3" != - ]; then replace_back_up "$1" "$3" || commit_fail BACKUP_FAILED; fi
  echo "$5" >> "$lock_dir/journal" || commit_fail BACKUP_FAILED
}

changed_since=''
compare() {
  replace_unchanged "$1" "$4" || changed_since="$changed_since$1$nl"
}

rename() {
  replace_rename "$2" "$1" || commit_fail WRITE_FAILED
}

: > "$lock_dir/journal" || commit_fail BACKUP_FAILED
echo journal > "$lock_dir/state"
each_replacement back_up
# Flush the journal and backups before any live file changes: a crash from here on is
# recoverable. Only what a recovery reads is flushed (fsync of each file and of the folders that
# name them), not every dirty page of the host; a `sync` that takes no files flushes all of it.
IFS=$nl; set -f
# shellcheck disable=SC2086 # one path a line
sync -- $durable 2>/dev/null || sync 2>/dev/null
unset IFS; set +f
each_replacement compare
if [ -n "$changed_since" ]; then echo @@fleet:conflict; printf '%s' "$changed_since"; commit_fail CONFLICT; fi
echo committed > "$lock_dir/state"
moved=1
each_replacement rename

# sshd -T validates the whole live config as -t does and prints its values. When it fails, -t
# says why; if -t accepts, the config is valid but -T cannot print it without a connection
# (OpenSSH 9.2 dies on `Match LocalPort`): reported, not a failure. The promise is checked by
# the host before it reloads: each `keyword value` line present.
ok=1
if T=$(sshd_run -T -f "$main" 2>/dev/null </dev/null); then
  echo @@fleet:sshd-T; printf '%s\n' "$T"
  promise_kept "$T" "$promised" || ok=0
  match_proofs_hold sshd-C "$main"
else
  out=$(sshd_run -t -f "$main" 2>&1 </dev/null) || { echo @@fleet:sshd-t; printf '%s\n' "$out"; commit_fail VERIFY_FAILED; }
  echo @@fleet:sshd-T-failed
fi
echo @@fleet:committed

# eval in the $(…) subshell isolates the command as `sh -c` would (an `exit` in it ends only
# the subshell), without starting another shell.
if [ "$reload_after" = 1 ] && [ $ok = 1 ]; then
  out=$(eval "$reload" 2>&1 </dev/null)
  rc=$?
  echo "@@fleet:reloaded $rc"; echo @@fleet:reload-output; printf '%s\n' "$out"
fi
