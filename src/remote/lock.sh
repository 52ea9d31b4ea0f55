# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# The host's lock (docs/ON-HOST-STATE.md), the functions every script that may give it back
# shares. Inputs: lock_dir, owner (`<run id> <controller> <pid>`, compared whole).

# `read`, not `$(cat …)`: a builtin costs no fork.
lock_owner() {
  o=''; { read -r o < "$lock_dir/owner"; } 2>/dev/null
}

# Removes the lock only while its owner is ours (compare-and-remove).
unlock_ours() {
  lock_owner
  if [ "$o" = "$owner" ]; then rm -rf "$lock_dir" && echo @@fleet:unlocked; fi
}
