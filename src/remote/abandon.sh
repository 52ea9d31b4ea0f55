# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Drops what a dead run left besides its restored files, then the lock (ours by now, see
# lock-takeover.sh): its backups when its state says no live file changed (after a
# rename they are the old config), and the candidates its `temps` list names.
#
# Inputs: lock_dir, owner. Needs lock.sh and journal.sh.

s=''; { read -r s < "$lock_dir/state"; } 2>/dev/null
case $s in ''|journal) drop_backups ;; esac
drop_temps
unlock_ours
echo @@fleet:abandoned
