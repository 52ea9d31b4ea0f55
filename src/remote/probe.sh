# shellcheck shell=sh
# shellcheck disable=SC2154,SC2034 # the inputs come from fleet's prologue; probe-walk.sh reads seen and todo
#
# The facts probe: run once per host, it prints everything fleet needs in frames
# (src/facts/frames.ts): a header line `@@<tag> <arg>…`, then base64 or, for `T` and `units`,
# raw text lines. One round trip instead of a dozen is what keeps `fleet check` close to the
# cost of a bare `ssh host sshd -T`. Only POSIX sh plus `base64` (coreutils and busybox).
#
# Inputs: cfg (sshd's main config), sshd ('' to find it), known_version (1: the SSH banner
# gave sshd's version, skip `sshd -V`). Needs probe-walk.sh.

LC_ALL=C; export LC_ALL
PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin"
# The uid without forking `id`: the shell's own status (Linux; effective uid is the 2nd field).
uid=''
if [ -r /proc/self/status ]; then
  while read -r k _ e _; do case $k in Uid:) uid=$e; break ;; esac; done < /proc/self/status
fi
case $uid in ''|*[!0-9]*) uid=$(id -u) ;; esac
printf '@@uid %s\n' "$uid"
# PATH searched by hand, as `command -v` would, without a subshell.
if [ -z "$sshd" ]; then
  set -f
  IFS=:
  for d in $PATH /usr/sbin /usr/local/sbin /sbin /usr/bin; do
    case $d in /*) if [ -f "$d/sshd" ] && [ -x "$d/sshd" ]; then sshd=$d/sshd; break; fi ;; esac
  done
  unset IFS
  set +f
fi
T=''
if [ -n "$sshd" ] && [ -x "$sshd" ]; then
  printf '@@sshd %s\n' "$sshd"
  # The version costs an sshd start of its own; skipped when the SSH banner already gave it.
  if [ "$known_version" = 0 ]; then printf '@@version\n'; "$sshd" -V </dev/null 2>&1 | base64; fi
  # sshd -T and -t refuse to run without the privilege-separation folder, which only a running
  # sshd's service manager creates: a missing one is no config error.
  [ -d /run/sshd ] || mkdir -p /run/sshd 2>/dev/null
  T=$("$sshd" -T -f "$cfg" 2>/dev/null </dev/null)
  rc=$?
  # Raw, not base64 (one fork fewer): every line of -T starts with a keyword, never with @@.
  printf '@@T %s\n%s\n' "$rc" "$T"
  if [ "$rc" -ne 0 ]; then
    E=$("$sshd" -t -f "$cfg" 2>&1 </dev/null)
    erc=$?
    # -t accepting what -T refused: report -T's own complaint.
    [ "$erc" -eq 0 ] && E=$("$sshd" -T -f "$cfg" 2>&1 >/dev/null </dev/null)
    printf '@@t %s\n' "$erc"
    printf '%s\n' "$E" | base64
  fi
else
  printf '@@nosshd %s\n' "$sshd"
fi
# The main file is not scanned for Include lines: the probe reads the drop-ins of the layout
# nearly every distribution ships (`Include /etc/ssh/sshd_config.d/*.conf`), and fleet's own
# parser finds every Include in the main file, so a follow-up probe fetches what that guess
# missed. Drop-ins are scanned with one `sed` per level, so what they include (RHEL's crypto
# policy) comes in the same round trip.
IFS=$nl
set -f
seen=$nl
todo=$cfg
emit_files
next=''
expand "$cfg.d/*.conf"
todo=$next
walk
unset IFS
set +f
if [ -d /run/systemd/system ]; then
  # One systemctl for both names; its blocks (key=value lines) come in the order asked.
  printf '@@probe systemd\n@@units ssh.service sshd.service\n'
  systemctl show -p Id -p LoadState -p ActiveState ssh.service sshd.service 2>/dev/null
fi
if [ -d /run/openrc ] && command -v rc-service >/dev/null 2>&1; then printf '@@probe openrc\n'; fi
# sshd -T names the pid file; parameter expansion finds it without a fork. The listener's
# command line comes with it: its -o options win over the files (src/facts/daemon.ts).
pf=/run/sshd.pid
case $T in *"${nl}pidfile "*) pf=${T#*"${nl}pidfile "}; pf=${pf%%"$nl"*} ;; esac
pid=''
[ -f "$pf" ] && read -r pid < "$pf" 2>/dev/null
case $pid in ''|*[!0-9]*) ;; *) kill -0 "$pid" 2>/dev/null && printf '@@probe pid-alive\n' && [ -r "/proc/$pid/cmdline" ] && printf '@@cmdline\n' && base64 < "/proc/$pid/cmdline" ;; esac
for d in ssh sshd; do
  if [ -x "/etc/init.d/$d" ]; then printf '@@probe initd-%s\n' "$d"; fi
done
if command -v service >/dev/null 2>&1; then printf '@@probe service\n'; fi
printf '@@end\n'
