# shellcheck shell=sh
# shellcheck disable=SC2154,SC2034 # the inputs come from fleet's prologue; probe-walk.sh reads seen and todo
#
# The follow-up probe for what the first one did not fetch: Include patterns fleet found in the
# files read so far that no probe has globbed yet, and matched files not yet printed.
# Inputs: patterns, files (one a line). Needs probe-walk.sh.

LC_ALL=C; export LC_ALL
IFS=$nl
set -f
seen=$nl
next=''
for f in $files; do next="$next$f$nl"; done
for pattern in $patterns; do expand "$pattern"; done
todo=$next
walk
printf '@@end\n'
