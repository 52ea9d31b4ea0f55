# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Puts a host back after this run's own failure, over the lifeline, as `owner` (the lock must
# still be ours: `not-ours` otherwise). With stop_commit=1 (the commit's round trip failed
# without an answer: a timeout), first stops the commit script if it still runs (its pid is in
# the lock, its children in its process group), so nothing renames behind the restore, and
# removes its stage folders (`run_stage`, '' for none: a killed script's `trap` never ran).
# Then by the lock's state: `committed`, `restored` or `done` → every journalled file is
# restored and proven with `sshd -t` (`restored`); none or `journal` → no live file had changed:
# this run's backups and candidates are dropped and the lock given back (`untouched`).
#
# Inputs: sshd and sshd_options (sshd.sh), main, lock_dir, owner, stop_commit, run_stage.
# Needs sshd.sh, lock.sh and journal.sh.

lock_owner
[ "$o" = "$owner" ] || { echo @@fleet:not-ours; exit 0; }
if [ "$stop_commit" = 1 ]; then
  p=''; { read -r p < "$lock_dir/pid"; } 2>/dev/null
  case $p in
    ''|*[!0-9]*|"$$") ;;
    *) kill -s KILL -- "-$p" 2>/dev/null || kill -s KILL "$p" 2>/dev/null
       i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done ;;
  esac
  [ -z "$run_stage" ] || rm -rf "$run_stage"*
fi
s=''; { read -r s < "$lock_dir/state"; } 2>/dev/null
# `done` (the finish began after a proven change) is restored too: what the engine asked for.
case $s in
  ''|journal) drop_backups; drop_temps; unlock_ours; echo @@fleet:untouched; exit 0 ;;
esac
restore || { echo @@fleet:restore-failed; exit 0; }
echo restored > "$lock_dir/state"
out=$(sshd_run -t -f "$main" 2>&1) || { echo @@fleet:restored-invalid; printf '%s\n' "$out"; exit 0; }
echo @@fleet:restored
