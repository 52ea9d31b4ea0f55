# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Puts one client file back (as its user): its backup copied over it, or, for a file the run
# created, the file removed. Inputs: target, dir (its folder), backup (`-` for a new file).
# Needs replace.sh (the same restore as a server file's).

if [ -L "$dir" ] || [ -L "$target" ]; then echo "@@fleet:unsafe"; exit 0; fi
replace_restore "$target" "$backup" && echo "@@fleet:restored"
