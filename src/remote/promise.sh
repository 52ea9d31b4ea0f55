# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# The promise, checked on the host before anything follows (a write, a reload).
# Inputs: match_proofs (for each Match setting fleet proves: the `-C` connection spec, how many
# promised lines follow, then those `keyword value` lines; one a line). Needs sshd.sh.

nl='
'

# Succeeds when every line of $2 is a whole line of $1 (sshd's output): a value that is only a
# prefix of a line, or a line's tail, does not count.
promise_kept() {
  IFS=$nl; set -f
  for line in $2; do
    case "$nl$1$nl" in *"$nl$line$nl"*) ;; *) unset IFS; set +f; return 1 ;; esac
  done
  unset IFS; set +f
}

# The Match proofs: for each, `sshd -T -C` with a connection the block selects, its output
# after `@@fleet:<$1>-<i>` (or its complaint after `<$1>-failed-<i>`), and ok=0 unless every
# promised line is there. Run only while $ok is 1: a candidate already refused needs no more
# processes. $2: the config to ask about.
match_proofs_hold() {
  label=$1 config=$2 i=0
  IFS=$nl; set -f
  # shellcheck disable=SC2086 # one field a line
  set -- $match_proofs
  unset IFS; set +f
  while [ $# -ge 2 ] && [ "$ok" = 1 ]; do
    spec=$1 n=$2 want=''
    shift 2
    while [ "$n" -gt 0 ]; do want="$want$1$nl"; shift; n=$((n - 1)); done
    if C=$(sshd_run -T -C "$spec" -f "$config" 2>&1 </dev/null); then
      echo "@@fleet:$label-$i"; printf '%s\n' "$C"
      promise_kept "$C" "$want" || ok=0
    else
      echo "@@fleet:$label-failed-$i"; printf '%s\n' "$C"; ok=0
    fi
    i=$((i + 1))
  done
}
