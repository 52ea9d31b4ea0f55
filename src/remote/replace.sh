# shellcheck shell=sh
#
# Replacing one live file, the same steps for a server file (commit.sh, and journal.sh's
# restore) and a client file (client-write.sh, client-restore.sh): back up → compare with what
# the plan read → atomic rename → (the caller's own proof: sshd -T, or ssh -G as the file's
# user) → restore on failure. Functions only, no inputs, and no variable of the caller's is
# touched (sh has no `local`: the one this file sets is named `replace_*`). Each function costs
# exactly the processes the scripts spent before they shared it.

# $1 the target, $2 its backup. The backup's folder is made only when missing (the common case
# costs no fork); a copy a full disk cut short is removed, so no truncated file lies under a
# backup's name.
replace_back_up() {
  replace_dir=${2%/*}
  # shellcheck disable=SC2015 # a failed mkdir or cp alike
  { [ -d "${replace_dir:-/}" ] || mkdir -p "${replace_dir:-/}"; } && cp -p "$1" "$2" || { rm -f "$2"; return 1; }
}

# $1 the target, $2 the sha256 of the bytes the plan read, or `-` for a file the plan creates
# (it must still be missing, not even a dangling link). Fails when the live file changed since.
replace_unchanged() {
  if [ "$2" = - ]; then
    ! { [ -e "$1" ] || [ -L "$1" ]; }
  else
    case $(sha256sum 2>/dev/null < "$1") in "$2 "*) return 0 ;; *) return 1 ;; esac
  fi
}

# $1 the candidate (beside the target: same file system, so mv is a rename), $2 the target.
replace_rename() { mv -f "$1" "$2"; }

# $1 the target, $2 its backup, or `-` for a file the run created (removed). The backup is
# copied beside the target and renamed over it: the target is never half-written.
replace_restore() {
  if [ "$2" = - ]; then rm -f "$1"
  else cp -p "$2" "$1.fleet-restore" && mv -f "$1.fleet-restore" "$1"; fi
}
