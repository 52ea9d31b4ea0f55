# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Writes one client file (a user's ~/.ssh/config, as that user; the system drop-in as root) and
# shows what ssh makes of it: candidate beside the target (its text on stdin, never on a command
# line) → `ssh -G -F candidate` must accept it → backup → rename → `ssh -G` as the file's user
# (the real chain: their file, then the system's; for the system file, that file). fleet checks
# the promise in what follows `ssh-G` and restores the file (client-restore.sh) when it is not
# there. Each file stands alone: a failure leaves it as it was.
#
# Inputs: target, dir (its folder), temp (the candidate), mode (octal), create_dir (1: make the
# folder, 0700, when missing), backup (`-` for a new file), before (the sha256 of the bytes
# fleet read and planned from, `-` for a file it creates), system (1: the system file),
# probe_host (a host name no config names: `ssh -G` shows what every host gets). Needs
# replace.sh (the backup and the rename, as the server files take them; the proof is ssh -G).
# The candidate is the user's own new file (`cat` as the user, then their mode), not a `cp -p`
# of the target as a server file's is: a user's copy could not keep an owner anyway.

umask 077
client_fail() { rm -f "$temp"; echo "@@fleet:fail $1"; exit 0; }
if [ "$create_dir" = 1 ]; then [ -d "$dir" ] || mkdir -m 700 "$dir" || client_fail WRITE_FAILED; fi
# A symlink swapped in by the file's user never redirects the write.
if [ -L "$dir" ] || [ -L "$target" ]; then echo "@@fleet:unsafe"; exit 0; fi
# shellcheck disable=SC2015 # a failed cat or chmod alike
cat > "$temp" && chmod "$mode" "$temp" || client_fail WRITE_FAILED
command -v ssh >/dev/null 2>&1 || client_fail NO_SSH
out=$(ssh -G -F "$temp" "$probe_host" 2>&1) || { echo "@@fleet:rejected"; printf '%s\n' "$out"; rm -f "$temp"; exit 0; }
if [ "$backup" != - ]; then replace_back_up "$target" "$backup" || client_fail BACKUP_FAILED; fi
# An edit made since fleet read the file (the user, a dotfiles manager) is never overwritten:
# the live bytes must still be the ones planned from, right before the rename.
if ! replace_unchanged "$target" "$before"; then
  [ "$backup" = - ] || rm -f "$backup"
  rm -f "$temp"; echo "@@fleet:conflict"; exit 0
fi
replace_rename "$temp" "$target" || client_fail WRITE_FAILED
echo "@@fleet:ssh-G"
if [ "$system" = 1 ]; then ssh -G -F "$target" "$probe_host" 2>&1; else ssh -G "$probe_host" 2>&1; fi
