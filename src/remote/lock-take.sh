# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Takes the lock: `mkdir` is atomic, so two runs never both hold it. A held lock ends the round
# trip with its report, nothing written; the engine decides whether it is stale. mkdir can fail
# because another run holds the lock, or because that run removed it between our mkdir and our
# look: then try again rather than report an error.
# Inputs: lock_dir, owner, lease. Needs lock.sh (its unlock_ours serves the scripts that
# follow in the same round trip) and lease.sh.

tries=0
while :; do
  if mkdir -m 700 "$lock_dir" 2>/dev/null; then
    { printf '%s\n' "$owner" > "$lock_dir/owner" && echo $$ > "$lock_dir/pid" && set_lease; } && break
    rm -rf "$lock_dir"; echo @@fleet:lock-error; echo 'could not write its owner file'; exit 0
  fi
  if [ -d "$lock_dir" ]; then
    lock_report
    exit 0
  fi
  tries=$((tries + 1))
  [ $tries -lt 5 ] || { echo @@fleet:lock-error; mkdir -m 700 "$lock_dir" 2>&1; exit 0; }
done
echo @@fleet:lock-acquired
