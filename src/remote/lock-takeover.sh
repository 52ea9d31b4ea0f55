# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Takes over the lock of dead run `dead_run` in place, keeping its journal for the recovery:
# compare-and-swap of the owner. `mkdir takeover` inside the lock lets one controller at a time
# look; the owner must still be the dead run (a lock that changed hands since the engine looked
# is left alone) and, with `must_lapse=1`, the lease must still be over by the host's clock.
# `dead_stage` is the prefix of that run's stage folders ('' when its id is not [0-9a-z]): they
# go now, since their `trap` cleanup never ran if its shell was killed.
# Inputs: lock_dir, owner, lease, dead_run, must_lapse, dead_stage. Needs lease.sh.

mkdir "$lock_dir/takeover" 2>/dev/null || { echo @@fleet:lock-busy; exit 0; }
id=''; { read -r id _ < "$lock_dir/owner"; } 2>/dev/null
[ "$id" = "$dead_run" ] || { rmdir "$lock_dir/takeover"; echo @@fleet:lock-busy; exit 0; }
if [ "$must_lapse" = 1 ]; then
  lease_left
  case $left in ''|-*) ;; *) rmdir "$lock_dir/takeover"; echo @@fleet:lock-busy; exit 0 ;; esac
fi
if ! { printf '%s\n' "$owner" > "$lock_dir/owner.new" && mv -f "$lock_dir/owner.new" "$lock_dir/owner" && set_lease; }; then
  rmdir "$lock_dir/takeover"; echo @@fleet:lock-busy; exit 0
fi
rmdir "$lock_dir/takeover"
[ -z "$dead_stage" ] || rm -rf "$dead_stage"*
echo @@fleet:lock-taken
