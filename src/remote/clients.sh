# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# The client facts probe (src/facts/clients.ts): each listed user's passwd entry and what
# client-home.sh, run as that user, printed (as one base64 block: nothing a user prints can
# speak for another user, the system files or the probe's end); or the system ssh_config and
# fleet's drop-in.
#
# Inputs: users (one a line), probe (client-home.sh with its inputs), bound_seconds (how long one
# user's part may take), section_max_bytes (the most of one user's answer kept), system (1: the
# system files), system_main, system_drop_in, system_drop_in_dir.

if [ -n "$users" ]; then
  me=$(id -u)
  field() { printf '%s\n' "$ent" | cut -d: -f"$1"; }
  # `timeout` (coreutils, busybox) where there is one; without it, the command's own timeout.
  bound=''; command -v timeout >/dev/null 2>&1 && bound="timeout $bound_seconds"
  # runuser (util-linux) is su for root without su's full PAM session (pam_systemd would
  # register a logind session, and may start the user's systemd manager, per user per run).
  switch=su; command -v runuser >/dev/null 2>&1 && switch=runuser
  # Already that user (a login without become): no su, which would ask for a password.
  # shellcheck disable=SC2086 # $bound is a command and its argument, or nothing
  as_user() { if [ "$2" = "$me" ]; then FLEET_HOME=$3 FLEET_UID=$2 $bound sh -c "$probe"; else FLEET_HOME=$3 FLEET_UID=$2 $bound $switch -s /bin/sh "$1" -c "$probe"; fi; echo "@@fleet:exit $?"; }
fi
nl='
'
IFS=$nl; set -f
# shellcheck disable=SC2086 # one user a line
set -- $users
unset IFS; set +f
i=0
for user do
  if ent=$(getent passwd "$user"); then
    echo "@@fleet:u$i-ent"; printf '%s\n' "$ent"
    echo "@@fleet:u$i-home"
    as_user "$user" "$(field 3)" "$(field 6)" </dev/null 2>&1 | head -c "$section_max_bytes" | base64
  else echo "@@fleet:u$i-missing"; fi
  i=$((i + 1))
done

# Owner, mode and link count, then the bytes. Only for root's own files.
system_file() {
  if [ -L "$1" ]; then echo "@@fleet:$2 symlink"
  elif [ -f "$1" ]; then echo "@@fleet:$2 $(stat -c '%u %g %a %h' "$1")"; base64 < "$1"
  else echo "@@fleet:$2 absent"; fi
}
if [ "$system" = 1 ]; then
  system_file "$system_main" sys-main
  system_file "$system_drop_in" sys-dropin
  [ -d "$system_drop_in_dir" ] && echo "@@fleet:sys-dir yes"
fi
echo "@@fleet:end"
