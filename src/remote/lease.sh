# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# The lock's lease (docs/ON-HOST-STATE.md): how a held lock reports itself, and how long it has
# left. Inputs: lock_dir, lease (seconds).

# Sets `left` to the seconds of lease a held lock has left, by the host's clock: the lease file
# holds its length and its mtime says when it was last renewed. A lock without one (a run
# killed between its mkdir and its first writes) ages from the folder's own time with `lease`.
# `stat` and `date` fork, but only on a host where a lock exists.
lease_left() {
  len=''; { read -r len < "$lock_dir/lease"; } 2>/dev/null
  case $len in
    ''|*[!0-9]*) len=$lease; at=$(stat -c %Y "$lock_dir" 2>/dev/null) ;;
    *) at=$(stat -c %Y "$lock_dir/lease" 2>/dev/null) ;;
  esac
  left=''
  case $at in ''|*[!0-9]*) ;; *) left=$((at + len - $(date +%s))) ;; esac
}

# What a held lock says (owner, state, seconds of lease left), for the engine to decide.
lock_report() {
  echo @@fleet:lock-held; cat "$lock_dir/owner" 2>/dev/null; echo
  echo @@fleet:state; cat "$lock_dir/state" 2>/dev/null; echo
  lease_left
  [ -z "$left" ] || echo "@@fleet:lease-left $left"
}

# Starts or renews the lease: the file's mtime is the host's now, its content the lease's
# length. A builtin `echo`, no fork: the commit of every changed host runs it.
set_lease() {
  echo "$lease" > "$lock_dir/lease"
}
