# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# apply's look before the facts probe: reports a held lock (one `[ -d ]` when none is), and
# never ends the round trip, so an unchanged host costs this one command.
# Inputs: lock_dir, lease. Needs lease.sh.

if [ -d "$lock_dir" ]; then lock_report; fi
