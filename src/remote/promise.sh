# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# Inputs: promised (`keyword value` lines, as `sshd -T` prints them).

nl='
'

# Succeeds when every line of $promised is a whole line of $1 (`sshd -T`'s output): a value
# that is only a prefix of a line, or a line's tail, does not count.
promise_kept() {
  IFS=$nl; set -f
  for line in $promised; do
    case "$nl$1$nl" in *"$nl$line$nl"*) ;; *) unset IFS; set +f; return 1 ;; esac
  done
  unset IFS; set +f
}
