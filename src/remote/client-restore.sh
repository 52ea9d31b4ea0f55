# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Puts one client file back (as its user): its backup copied over it, or, for a file the run
# created, the file removed. Inputs: target, dir (its folder), backup ('' for a new file).

if [ -L "$dir" ] || [ -L "$target" ]; then echo "@@fleet:unsafe"; exit 0; fi
if [ -n "$backup" ]; then
  cp -p "$backup" "$target.fleet-restore" && mv -f "$target.fleet-restore" "$target" && echo "@@fleet:restored"
else
  rm -f "$target" && echo "@@fleet:restored"
fi
