# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# One user's part of the client facts probe (clients.sh), run AS that user, with FLEET_HOME and
# FLEET_UID from root's `getent passwd`. Prints the state of ~/.ssh, then of the config as
# opened on fd 3 (`stat -L` of /proc/self/fd/3) and of its name (`stat`, no -L) right after,
# and sends the bytes only when both are the same regular, single-link file of the user's,
# within the size limit. fleet checks all of it again.
#
# Inputs: max_bytes (the largest config read).

case $FLEET_HOME in /*) ;; *) echo '@@fleet:no-home'; exit 0 ;; esac
d=${FLEET_HOME%/}/.ssh
f=$d/config
if [ -L "$d" ]; then echo '@@fleet:dir symlink'; exit 0; fi
if [ ! -e "$d" ]; then echo '@@fleet:dir absent'; echo '@@fleet:done'; exit 0; fi
if [ ! -d "$d" ]; then echo '@@fleet:dir other'; exit 0; fi
echo "@@fleet:dir $(stat -c '%u %g %a' "$d")"
if [ -L "$f" ]; then echo '@@fleet:config symlink'; exit 0; fi
if [ ! -e "$f" ]; then echo '@@fleet:config absent'; echo '@@fleet:done'; exit 0; fi
if [ ! -f "$f" ]; then echo '@@fleet:config other'; exit 0; fi
opened() {
  o=$(stat -L -c '%d:%i %f %u %g %h %s' /proc/self/fd/3) || return 0
  n=$(stat -c '%d:%i %f' "$f" 2>/dev/null) || n=gone
  echo "@@fleet:config $o"
  echo "@@fleet:named $n"
  IFS=' '
  set -f
  # shellcheck disable=SC2086 # split on purpose: six numeric fields
  set -- $o
  [ "$1 $2" = "$n" ] && [ "$3" = "$FLEET_UID" ] && [ "$5" = 1 ] && [ "$6" -le "$max_bytes" ] || return 0
  echo '@@fleet:bytes'
  head -c $((max_bytes + 1)) <&3 | base64
}
opened 3< "$f"
echo '@@fleet:done'
