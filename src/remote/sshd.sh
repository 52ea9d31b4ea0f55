# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# How a script starts sshd for a proof (-T, -T -C, -t): with the `-o` options the running
# daemon was started with. sshd's command line comes before its files, so a proof without them
# would show values the daemon does not run (RHEL 8 passes its crypto policy that way). The
# facts probe's own `sshd -T` runs without them.
# Inputs: sshd, sshd_options (`Keyword=value`, one a line).

nl='
'

# sshd with the daemon's options, then "$@". Only ever inside $(…) or a pipeline: it `exec`s,
# so it costs no process more than starting sshd there directly.
sshd_run() {
  n=$#
  IFS=$nl; set -f
  for o in $sshd_options; do set -- "$@" -o "$o"; done
  unset IFS; set +f
  # The options go first: the proof's own arguments move behind them.
  while [ "$n" -gt 0 ]; do set -- "$@" "$1"; shift; n=$((n - 1)); done
  exec "$sshd" "$@"
}
