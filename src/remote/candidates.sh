# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Writes each candidate next to its target (a dot file: glob(3) skips it, so sshd's Include
# globs never read it), with the target's owner and mode. Each candidate's path goes into the
# lock's `temps` list BEFORE the file exists: a run that dies from here on leaves the list, and
# the next run removes what it names (abandon.sh).
#
# Inputs: lock_dir, candidate_temps (every candidate's path, one a line), candidates_locked (1:
# this script's run holds the lock and gives it back when nothing was written; lock.sh).
# fleet calls: write_candidate TARGET FROM TEMP TEMP_BASE64 TEXT (each file), then
# candidates_written.

umask 077
nl='
'

# Nothing live has changed yet: a failure here drops every candidate and gives the lock back.
candidates_fail() {
  IFS=$nl; set -f
  # shellcheck disable=SC2086 # one path a line
  rm -f $candidate_temps
  unset IFS; set +f
  echo @@fleet:fail
  [ "$candidates_locked" != 1 ] || unlock_ours
  exit 0
}

# $1 the target, $2 the file whose owner and mode the candidate takes (the target, or the main
# config for a new file), $3 the candidate, $4 its path in base64, $5 its content (or, for a
# text holding a NUL, which no shell string can, none: stdin's base64). `cp -p` gives owner and
# mode in one process, before the content: `>` then keeps them, and the printf builtin writes
# it without a process.
write_candidate() {
  # Apply always holds the lock here; without one (a bare script) there is nothing to record into.
  [ ! -d "$lock_dir" ] || echo "$4" >> "$lock_dir/temps"
  dir=${1%/*}
  # `mkdir -p` only when the folder is missing: the common case then costs no fork.
  { [ -d "${dir:-/}" ] || mkdir -p "${dir:-/}"; } || candidates_fail
  cp -p "$2" "$3" || candidates_fail
  if [ $# -ge 5 ]; then printf '%s' "$5" > "$3"; else base64 -d > "$3"; fi || candidates_fail
}

candidates_written() {
  echo @@fleet:written
}
