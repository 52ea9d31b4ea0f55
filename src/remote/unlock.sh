# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Removes the lock only if it is still ours.
# Inputs: lock_dir, owner. Needs lock.sh.

unlock_ours
echo @@fleet:unlock-done
