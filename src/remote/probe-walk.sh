# shellcheck shell=sh
# shellcheck disable=SC2154 # the inputs come from fleet's prologue
#
# What the facts probe and its follow-up share (see probe.sh for the frames they print).
# Inputs: sshdir (where sshd resolves relative Include paths: its compiled-in SSHDIR, not the
# including file's folder), include_depth (Include levels below the drop-ins followed here
# before a follow-up probe takes the rest), blanks (what separates Include's arguments: space,
# tab, newline, and the CR a CRLF file's lines end in; POSIX sh cannot write a CR itself).
#
# Headers carry paths raw as the rest of the line (paths never hold a newline here: the lists
# are newline-separated too); file bytes go through base64. Every process counts, so the only
# process per file is its `base64`: owner and mode are not read (apply copies them from the
# live file with `cp -p`). `expand` globs one pattern with IFS empty (no field splitting) and
# globbing on, like sshd's glob(3); `emit_files` prints the files in $todo and leaves them in
# $got; `walk` follows the plain Include lines of $todo's files a few levels deep (quoted
# arguments are left to fleet's parser and a follow-up). A file that vanishes between the test
# and its read is reported as missing (`@@nofile` after its header).

nl='
'
expand() {
  case $1 in /*|~*) p=$1 ;; *) p=$sshdir/$1 ;; esac
  printf '@@glob %s\n' "$p"
  IFS=''
  set +f
  for g in $p; do
    if [ -e "$g" ]; then
      printf '@@match %s\n' "$g"
      next="$next$g$nl"
    fi
  done
  set -f
  IFS=$nl
}
emit_files() {
  got=''
  for f in $todo; do
    case $seen in *"$nl$f$nl"*) continue ;; esac
    seen="$seen$f$nl"
    if [ -f "$f" ] && [ -r "$f" ]; then
      # A symlinked file is edited where it points, so the link stays (as Ansible's lineinfile does).
      if [ -L "$f" ]; then printf '@@link %s\n' "$f"; readlink -f "$f" | base64; fi
      printf '@@file %s\n' "$f"
      if base64 < "$f" 2>/dev/null; then got="$got$f$nl"; else printf '@@nofile %s\n' "$f"; fi
    else
      printf '@@nofile %s\n' "$f"
    fi
  done
}
walk() {
  depth=0
  while [ -n "$todo" ] && [ "$depth" -lt "$include_depth" ]; do
    emit_files
    next=''
    set --
    for f in $got; do set -- "$@" "$f"; done
    if [ $# -gt 0 ]; then
      pats=$(sed -n -e 's/[[:space:]]#.*$//' -e 's/^[[:space:]]*[Ii][Nn][Cc][Ll][Uu][Dd][Ee][[:space:]=][[:space:]=]*//p' "$@" 2>/dev/null)
      IFS=$blanks
      for p in $pats; do
        IFS=$nl
        case $p in *'"'*) continue ;; esac
        expand "$p"
      done
      IFS=$nl
    fi
    todo=$next
    depth=$((depth + 1))
  done
}
