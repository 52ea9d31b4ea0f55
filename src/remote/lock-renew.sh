# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Pushes the lease of our own lock forward; `lock-lost` when the lock is no longer ours.
# Inputs: lock_dir, owner, lease. Needs lock.sh and lease.sh.

lock_owner
if [ "$o" = "$owner" ]; then set_lease; echo @@fleet:renewed; else echo @@fleet:lock-lost; fi
