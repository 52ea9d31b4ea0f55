# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# The lock's journal and temps list (docs/ON-HOST-STATE.md): functions only.
# Inputs: lock_dir. Needs replace.sh.

# Undoes every journalled replacement (and drops any candidate left beside it).
restore() {
  [ -f "$lock_dir/journal" ] || return 0
  while read -r t b; do
    t=$(printf '%s' "$t" | base64 -d)
    rm -f "$(dirname "$t")/.$(basename "$t").fleet-tmp-"*
    [ "$b" = - ] || b=$(printf '%s' "$b" | base64 -d)
    replace_restore "$t" "$b" || return 1
  done < "$lock_dir/journal"
}

# For a lock whose run changed no live file: the backups its journal names are copies of files
# that stayed as they were (and one a kill cut short could be truncated: never restore from
# them), so they go.
drop_backups() {
  [ -f "$lock_dir/journal" ] || return 0
  while read -r _ b; do [ "$b" = - ] || { b=$(printf '%s' "$b" | base64 -d); rm -f "$b"; }; done < "$lock_dir/journal"
}

# The candidates the `temps` list names (only names fleet gives candidates, whatever the list says).
drop_temps() {
  [ -f "$lock_dir/temps" ] || return 0
  while read -r p; do p=$(printf '%s' "$p" | base64 -d); case "$p" in */.*.fleet-tmp-*) rm -f "$p";; esac; done < "$lock_dir/temps"
}
