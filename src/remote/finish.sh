# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# After a proven apply: marks the lock's state `done`, prunes old backups, drops the lock.
#
# Inputs: lock_dir, owner, backups_kept, backup_prefixes (for each written file, the names its
# backups start with beside it and under /var/backups/fleet, one a line). Needs lock.sh.

LC_ALL=C; export LC_ALL
nl='
'
# `done` only into our own lock: another run's state is never written.
lock_owner
if [ "$o" = "$owner" ]; then echo 'done' > "$lock_dir/state"; fi

# Backup names end in their UTC stamp, so the shell's sorted glob lists them oldest first; all
# but the newest few go. No fork unless there is something to remove.
prune() {
  [ -e "$1" ] || return 0
  n=$(($# - backups_kept))
  while [ $n -gt 0 ]; do rm -f "$1"; shift; n=$((n - 1)); done
}
IFS=$nl; set -f
for prefix in $backup_prefixes; do
  set +f
  prune "$prefix"2*
  set -f
done
unset IFS; set +f

unlock_ours
echo @@fleet:unlock-done
