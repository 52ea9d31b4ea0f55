/**
 * The shell scripts fleet runs on a host, built as pure strings. Every path and value is
 * quoted with `quote`, and file contents travel as base64 (only [A-Za-z0-9+/=]), so nothing
 * read from a host, an inventory or a policy can be read as shell syntax. Scripts print
 * `@@fleet:` marker lines that `parseMarkers` reads back.
 */
import { createHash } from 'node:crypto';
import { quote } from '../core/shell.js';
import type { MatchProof, PlannedFile } from '../core/hostPlan.js';
import { ENSURE_PRIVSEP_DIR } from '../facts/script.js';
import { LOGIN_KEYWORDS } from '../core/lockout.js';

/** Where a host's lock lives: /run is cleared at boot, so a lock never outlives a reboot. */
export const LOCK_DIR = '/run/fleet.lock';
const MARK = '@@fleet:';
/** Backups kept per file; older ones are pruned after a successful apply. */
export const BACKUPS_KEPT = 5;

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Wraps a script so the login shell (bash, zsh, fish…) only ever parses `sh -c '<script>'`. */
export function inSh(script: string): string {
  return `sh -c ${quote(script)}`;
}

/**
 * The lock's files: `owner` (`<run id> <controller> <pid>`, the run id random and the only part
 * compared), `lease` (its length in seconds; its mtime, on the host's own clock, is when it was
 * last renewed: once the length has passed since, any controller may recover the lock), `pid` (the shell of the commit script, so a rescue can stop it), `state`
 * and `journal` (see `commitScript`), `temps` (candidates written beside their targets).
 */
const L = quote(LOCK_DIR);

/**
 * Sets `left` to the seconds of lease a held lock has left, by the host's clock: the lease file
 * holds its length and its mtime says when it was last renewed. A lock without one (a run
 * killed between its mkdir and its first writes) ages from the folder's own time with
 * `leaseSeconds`. `stat` and `date` fork, but only on a host where a lock exists.
 */
function leaseLeft(leaseSeconds: number): string {
  return [
    `len=''; { read -r len < ${L}/lease; } 2>/dev/null`,
    `case $len in ''|*[!0-9]*) len=${leaseSeconds}; at=$(stat -c %Y ${L} 2>/dev/null) ;; *) at=$(stat -c %Y ${L}/lease 2>/dev/null) ;; esac`,
    `left=''; case $at in ''|*[!0-9]*) ;; *) left=$((at + len - $(date +%s))) ;; esac`,
  ].join('\n');
}

/** Prints what a held lock says (owner, state, seconds of lease left), for the engine to decide. */
function lockReport(leaseSeconds: number): string {
  return [
    `echo ${MARK}lock-held; cat ${L}/owner 2>/dev/null; echo`,
    `echo ${MARK}state; cat ${L}/state 2>/dev/null; echo`,
    leaseLeft(leaseSeconds),
    `[ -z "$left" ] || echo "${MARK}lease-left $left"`,
  ].join('\n');
}

/**
 * apply's guard before the facts probe: reports the lock when one exists (one `[ -d ]` when
 * none does) and never ends the round trip, so an unchanged host costs this one command.
 */
export function lockPeekScript(leaseSeconds: number): string {
  return `if [ -d ${L} ]; then\n${lockReport(leaseSeconds)}\nfi`;
}

/**
 * Starts or renews the lease: the file's mtime is the host's now, its content the lease's
 * length in seconds. A builtin `echo`, no fork: the commit of every changed host runs it.
 */
const setLease = (leaseSeconds: number): string => `echo ${leaseSeconds} > ${L}/lease`;

/** Shell function: removes the lock only while its owner is `owner` (compare-and-remove). */
function unlockFn(owner: string): string {
  // `read`, not `$(cat …)`: a builtin costs no fork.
  return `unlock_ours() { o=''; { read -r o < ${L}/owner; } 2>/dev/null; if [ "$o" = ${quote(owner)} ]; then rm -rf ${L} && echo ${MARK}unlocked; fi; }`;
}

/**
 * Takes the host's lock inside the commit round trip, after the candidate was proven and before
 * anything is written: `mkdir` is atomic, so two runs never both hold it. A held lock ends the
 * round trip with its report (`@@fleet:lock-held`), nothing written; the engine decides whether
 * it is stale. Defines `unlock_ours` for the failure paths that follow.
 */
export function lockScript(owner: string, leaseSeconds: number): string {
  // mkdir can fail because another run holds the lock, or because that run removed it between
  // our mkdir and our look: then try again rather than report an error.
  return [
    unlockFn(owner),
    'tries=0',
    'while :; do',
    `  if mkdir -m 700 ${L} 2>/dev/null; then`,
    `    { printf '%s\\n' ${quote(owner)} > ${L}/owner && echo $$ > ${L}/pid && ${setLease(leaseSeconds)}; } && break`,
    `    rm -rf ${L}; echo ${MARK}lock-error; echo 'could not write its owner file'; exit 0`,
    '  fi',
    `  if [ -d ${L} ]; then`,
    lockReport(leaseSeconds),
    '    exit 0',
    '  fi',
    '  tries=$((tries + 1))',
    `  [ $tries -lt 5 ] || { echo ${MARK}lock-error; mkdir -m 700 ${L} 2>&1; exit 0; }`,
    'done',
    `echo ${MARK}lock-acquired`,
  ].join('\n');
}

/** Pushes the lease of our own lock forward; `@@fleet:lock-lost` when the lock is no longer ours. */
export function renewScript(owner: string, leaseSeconds: number): string {
  return `o=''; { read -r o < ${L}/owner; } 2>/dev/null; if [ "$o" = ${quote(owner)} ]; then ${setLease(leaseSeconds)}; echo ${MARK}renewed; else echo ${MARK}lock-lost; fi`;
}

/**
 * Takes over the lock of a dead run whose id is `deadRunId`, in place, keeping its journal for
 * the recovery: compare-and-swap of the owner. `mkdir takeover` inside the lock lets one
 * controller at a time look; the owner must still be the dead run (a lock that changed hands
 * since the engine looked is left alone) and, with `leaseMustHaveLapsed`, the lease must still
 * be over by the host's clock. `@@fleet:lock-taken`, else `@@fleet:lock-busy`.
 */
export function takeoverScript(deadRunId: string, owner: string, leaseSeconds: number, leaseMustHaveLapsed: boolean): string {
  const T = quote(`${LOCK_DIR}/takeover`);
  return [
    `mkdir ${T} 2>/dev/null || { echo ${MARK}lock-busy; exit 0; }`,
    `id=''; { read -r id _ < ${L}/owner; } 2>/dev/null`,
    `[ "$id" = ${quote(deadRunId)} ] || { rmdir ${T}; echo ${MARK}lock-busy; exit 0; }`,
    ...(leaseMustHaveLapsed
      ? [
          leaseLeft(leaseSeconds),
          `case $left in ''|-*) ;; *) rmdir ${T}; echo ${MARK}lock-busy; exit 0 ;; esac`,
        ]
      : []),
    `printf '%s\\n' ${quote(owner)} > ${L}/owner.new && mv -f ${L}/owner.new ${L}/owner && ${setLease(leaseSeconds)} || { rmdir ${T}; echo ${MARK}lock-busy; exit 0; }`,
    `rmdir ${T}`,
    // The dead run's staging folders go now (their `trap` cleanup never ran if its shell was
    // killed): the lock no longer names that run. A run id is [0-9a-z] (see the CLI); anything
    // else read from a host is not used in a glob.
    ...(/^[0-9a-z]+$/.test(deadRunId) ? [`rm -rf /tmp/fleet-stage-${deadRunId}-*`] : []),
    `echo ${MARK}lock-taken`,
  ].join('\n');
}

/** Removes the lock only if it is still ours. */
export function unlockScript(owner: string): string {
  return `${unlockFn(owner)}; unlock_ours; echo ${MARK}unlock-done`;
}

/**
 * How a script runs sshd for a proof: the binary, and the `-o` options the running daemon was
 * started with. sshd's command line comes before its files, so a proof without them would show
 * values the daemon does not run (RHEL 8 passes its crypto policy that way).
 */
export interface SshdCommand {
  binary: string;
  /** `Keyword=value`, each passed as `-o` */
  options: readonly string[];
}

export function sshdCommandOf(facts: { sshdBinary: string; daemon?: { options: Readonly<Record<string, string>> } | null }): SshdCommand {
  return { binary: facts.sshdBinary, options: Object.entries(facts.daemon?.options ?? {}).map(([k, v]) => `${k}=${v}`) };
}

/** The shell words of an sshd command (a bare path: no options): every part quoted. */
function sshdWords(c: string | SshdCommand): string {
  if (typeof c === 'string') return quote(c);
  return [quote(c.binary), ...c.options.flatMap((o) => ['-o', quote(o)])].join(' ');
}

/** A newline in $nl, for `case` patterns that match whole lines. */
const NL = "nl='\n'";

/** Lines that set ok=0 unless every promised `keyword value` line is in $T (or `$variable`: sshd -T's output). */
function promiseChecks(promised: Readonly<Record<string, string>>, variable = 'T'): string[] {
  return Object.entries(promised).map(([k, v]) => `  case "$nl$${variable}$nl" in *"$nl"${quote(`${k.toLowerCase()} ${v}`)}"$nl"*) ;; *) ok=0 ;; esac`);
}

/**
 * The Match proofs: for each, `sshd -T -C` with a connection the block selects, its output
 * after `@@fleet:<label>-<i>` (or its complaint after `<label>-failed-<i>`), and ok=0 unless
 * every promised line is there. Run only where $ok is still 1: a candidate already refused
 * needs no more processes.
 */
function matchChecks(sshd: string, main: string, proofs: readonly MatchProof[], label: string): string[] {
  return proofs.flatMap((proof, i) => [
    'if [ $ok = 1 ]; then',
    `  if C=$(${sshd} -T -C ${quote(proof.spec)} -f ${main} 2>&1 </dev/null); then echo ${MARK}${label}-${i}; printf '%s\\n' "$C"`,
    ...promiseChecks(proof.promised, 'C').map((l) => `  ${l}`),
    `  else echo ${MARK}${label}-failed-${i}; printf '%s\\n' "$C"; ok=0; fi`,
    'fi',
  ]);
}

/** Ends a here-document of base64: `_` is not in base64's alphabet, so no payload line can end it early. */
const B64_END = 'FLEET_B64_END';

/**
 * Writes `text` to `path` through a quoted here-document of base64, then `|| onFail`: one fork
 * (`base64 -d`) instead of the two of `printf | base64 -d`. The shell expands nothing in it.
 */
function writeFile(path: string, text: string, onFail: string): string {
  // printf is a shell builtin: the file costs the host no process. The text enters as one
  // quoted literal; only a NUL, which no shell string can hold, goes through base64.
  if (!text.includes('\0')) return `printf '%s' ${quote(text)} > ${quote(path)} || ${onFail}`;
  const body = b64(text).match(/.{1,76}/g) ?? [];
  return [`base64 -d > ${quote(path)} <<'${B64_END}' || ${onFail}`, ...body, B64_END].join('\n');
}

/** `mkdir -p` only when the folder is missing: the common case then costs no fork. */
function ensureDir(dir: string): string {
  return `{ [ -d ${quote(dir)} ] || mkdir -p ${quote(dir)}; }`;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Stages the whole candidate config under `stageRoot` (a private folder, never the live files)
 * and asks the real sshd about it: `sshd -T` both validates it and prints the values it gives,
 * so the promise is checked before anything live changes; only when -T fails does `sshd -t`
 * run, for its message (or to tell a valid config -T cannot print, such as `Match LocalPort`).
 * `staged` maps staged paths to their text. The host checks `promised` in the `-T` output
 * itself (`@@fleet:staged-promise-broken` when a value is missing), and runs `then` only when
 * sshd accepts the candidate and shows every promised value: apply writes, commits and reloads
 * there, so the whole change is one round trip.
 */
export function stageScript(sshdBinary: string | SshdCommand, stageRoot: string, stagedMain: string, staged: ReadonlyMap<string, string>, promised: Readonly<Record<string, string>>, then = '', lock = '', guard?: LoginGuard, matchProofs: readonly MatchProof[] = []): string {
  const sshd = sshdWords(sshdBinary);
  const main = quote(stagedMain);
  // The stage folder and every folder under it in one `mkdir` without -p: each must be new
  // (nothing planted in /tmp is followed), and umask 077 makes them all private.
  const dirs = new Set<string>();
  for (const path of staged.keys()) {
    for (let d = dirOf(path); d.length > stageRoot.length && d.startsWith(`${stageRoot}/`); d = dirOf(d)) dirs.add(d);
  }
  // With `lock` (apply), the lock is taken first, so a run killed from here on leaves a lock
  // that leads the next run to its stage folder; it is given back on every exit until `then`
  // begins to write (from there each failure path decides).
  const release = lock ? ' [ $keep_lock = 1 ] || unlock_ours;' : '';
  const lines = ['umask 077', NL];
  if (lock) lines.push(lock, 'keep_lock=0', `trap '${release}' EXIT`);
  lines.push(
    `mkdir -m 700 ${[stageRoot, ...[...dirs].sort((a, b) => a.length - b.length)].map(quote).join(' ')} || { echo ${MARK}stage-failed; exit 0; }`,
    `trap 'rm -rf ${stageRoot};${release}' EXIT`,
    ENSURE_PRIVSEP_DIR,
  );
  for (const [path, text] of staged) lines.push(writeFile(path, text, `{ echo ${MARK}stage-failed; exit 0; }`));
  lines.push(
    'ok=0',
    `if T=$(${sshd} -T -f ${main} 2>/dev/null </dev/null); then ok=1; echo ${MARK}staged-T; printf '%s\\n' "$T"; echo "${MARK}rc 0"`,
    ...promiseChecks(promised),
    ...matchChecks(sshd, main, matchProofs, 'staged-C').map((l) => `  ${l}`),
    `  [ $ok = 1 ] || echo ${MARK}staged-promise-broken`,
    `else out=$(${sshd} -t -f ${main} 2>&1 </dev/null); rc=$?; echo ${MARK}staged-t; printf '%s\\n' "$out"; echo "${MARK}rc $rc"; if [ $rc = 0 ]; then ok=1; echo ${MARK}staged-T-failed; fi; fi`,
  );
  if (guard) lines.push('if [ $ok = 1 ]; then', loginGuard(sshd, main, guard), 'fi');
  if (then) lines.push('if [ $ok = 1 ]; then', ...(lock ? ['keep_lock=1'] : []), then, 'fi');
  return lines.join('\n');
}

/** What the lock-out guard needs to know on the host (see `loginGuard`). */
export interface LoginGuard {
  /** the user fleet logs in as (the inventory user, also with `become`) */
  user: string;
  /** the live main config, the one the login got in through */
  liveMain: string;
  /** login-keyword lines of the candidate fleet has already judged safe ('' for none) */
  approved: string;
}

/**
 * The lock-out guard's host side: asks the real sshd about the candidate and about the live
 * config for the login in use (`-C user=…,host=…,addr=…,laddr=…,lport=…` from `$SSH_CONNECTION`;
 * under sudo, which drops it, from the session's own environment in /proc), keeps only the
 * lines that decide whether that login is let in, and prints them with the user's groups for
 * fleet to judge (`lockoutReason`). What follows runs only when the candidate's lines are the
 * live ones (the login works now) or the ones fleet approved; else `@@fleet:guard-held`, ok=0.
 * Without a connection to test, `@@fleet:guard-unknown` and the guard does not hold.
 */
function loginGuard(sshd: string, main: string, guard: LoginGuard): string {
  const kw = quote(`^(${LOGIN_KEYWORDS.join('|')}) `);
  return [
    'conn=$SSH_CONNECTION',
    // sudo resets the environment: climb to the session's shell, whose environment has it.
    `p=$$; n=0; while [ -z "$conn" ] && [ $n -lt 8 ]; do p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/"$p"/status 2>/dev/null); case $p in ''|0|1) break ;; esac; conn=$(tr '\\0' '\\n' < /proc/"$p"/environ 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p'); n=$((n + 1)); done`,
    "set -f; set -- $conn; set +f",
    'if [ -n "$4" ]; then',
    `  echo "${MARK}login $conn"; echo ${MARK}groups; id -Gn ${quote(guard.user)} 2>/dev/null`,
    `  spec=${quote(`user=${guard.user}`)}",host=$1,addr=$1,laddr=$3,lport=$4"`,
    `  if C=$(${sshd} -T -C "$spec" -f ${main} 2>&1 </dev/null); then G=$(printf '%s\\n' "$C" | grep -E ${kw}); else G="unreadable: $C"; fi`,
    `  GL=$(${sshd} -T -C "$spec" -f ${quote(guard.liveMain)} 2>/dev/null </dev/null | grep -E ${kw})`,
    `  echo ${MARK}guard-candidate; printf '%s\\n' "$G"; echo ${MARK}guard-live; printf '%s\\n' "$GL"`,
    `  if [ "$G" != "$GL" ] && [ "$G" != ${quote(guard.approved)} ]; then ok=0; echo ${MARK}guard-held`,
    keyFilesPresent(guard.user),
    '  fi',
    'else',
    `  echo ${MARK}guard-unknown`,
    'fi',
  ].join('\n');
}

/**
 * Which of the live AuthorizedKeysFile paths exist for the user (`@@fleet:keyfile <path as sshd
 * printed it>`): a path that holds no file cannot be where the login found its key. Expanded as
 * sshd does (%h, %u, %U, %%; relative to the home folder). Only when the login lines changed;
 * `@@fleet:keyfiles-unknown` when the user's home or uid cannot be read.
 */
function keyFilesPresent(user: string): string {
  const u = quote(user);
  const expand = `{ o = ""; s = $0; while ((i = index(s, "%")) > 0) { c = substr(s, i + 1, 1); r = c == "h" ? h : c == "u" ? u : c == "U" ? U : c == "%" ? "%" : "%" c; o = o substr(s, 1, i - 1) r; s = substr(s, i + 2) } print $0 " " o s }`;
  return [
    `  home=$(getent passwd ${u} 2>/dev/null | cut -d: -f6); uid=$(id -u ${u} 2>/dev/null)`,
    // No getent (busybox): the passwd file. No home at all: fleet keeps every live path.
    `  [ -n "$home" ] || home=$(awk -F: -v u=${u} '$1 == u { print $6; exit }' /etc/passwd 2>/dev/null)`,
    `  if [ -z "$home" ] || [ -z "$uid" ]; then echo ${MARK}keyfiles-unknown; else`,
    `  printf '%s\\n' "$GL" | sed -n 's/^authorizedkeysfile //p' | tr ' ' '\\n' | awk -v h="$home" -v u=${u} -v U="$uid" ${quote(expand)} | while read -r k f; do`,
    '    case $f in /*) ;; *) f="$home/$f" ;; esac',
    `    [ ! -e "$f" ] || echo "${MARK}keyfile $k"`,
    '  done; fi',
  ].join('\n');
}

export function tempPathFor(target: string, runId: string): string {
  const dir = dirOf(target);
  const base = target.slice(dir.length + 1);
  // A leading dot keeps the candidate out of sshd's Include globs (glob(3) skips dot files).
  return `${dir === '/' ? '' : dir}/.${base}.fleet-tmp-${runId}`;
}

/**
 * Writes each candidate next to its target, with the target's owner and mode. Each candidate's
 * path goes into the lock's `temps` list BEFORE the file exists: a run that dies from here on
 * leaves the list, and the next run removes what it names (see `abandonScript`).
 */
export function writeCandidatesScript(files: readonly PlannedFile[], runId: string, main: string, locked = false): string {
  const lines = ['umask 077'];
  const temps = files.map((f) => tempPathFor(f.path, runId));
  const cleanup = temps.map((t) => `rm -f ${quote(t)}`).join('; ');
  files.forEach((f, i) => {
    const t = quote(temps[i] as string);
    // Nothing live has changed yet: a failure here gives the lock back at once.
    const fail = `{ ${cleanup}; echo ${MARK}fail; ${locked ? 'unlock_ours; ' : ''}exit 0; }`;
    // Apply always holds the lock here; without one (a bare script) there is nothing to record into.
    lines.push(`[ -d ${LOCK_DIR} ] && echo ${quote(b64(temps[i] as string))} >> ${LOCK_DIR}/temps`);
    lines.push(`${ensureDir(dirOf(f.path))} || ${fail}`);
    // The candidate takes its owner and mode before its content, with \`cp -p\` (one process
    // for both): from its target, or from the main config for a new file. \`>\` then keeps them.
    lines.push(`cp -p ${quote(f.before !== null ? f.path : main)} ${t} || ${fail}`);
    lines.push(writeFile(temps[i] as string, f.after, fail));
  });
  lines.push(`echo ${MARK}written`);
  return lines.join('\n');
}

/** Shell function that undoes every journalled replacement (and drops any candidate left beside it). */
const RESTORE_FN = `restore() {
  [ -f ${LOCK_DIR}/journal ] || return 0
  while read -r t b; do
    t=$(printf '%s' "$t" | base64 -d)
    rm -f "$(dirname "$t")/.$(basename "$t").fleet-tmp-"*
    if [ "$b" = - ]; then rm -f "$t" || return 1
    else b=$(printf '%s' "$b" | base64 -d); cp -p "$b" "$t.fleet-restore" && mv -f "$t.fleet-restore" "$t" || return 1
    fi
  done < ${LOCK_DIR}/journal
}`;

/**
 * Shell functions for a lock whose run changed no live file: `drop_backups` removes the backups
 * its journal names (copies of files that stayed as they were, and one a kill cut short could be
 * truncated: never restore from them), `drop_temps` the candidates its `temps` list names (only
 * names fleet gives candidates, whatever the list says).
 */
const DROP_FNS = `drop_backups() {
  [ -f ${LOCK_DIR}/journal ] || return 0
  while read -r _ b; do [ "$b" = - ] || { b=$(printf '%s' "$b" | base64 -d); rm -f "$b"; }; done < ${LOCK_DIR}/journal
}
drop_temps() {
  [ -f ${LOCK_DIR}/temps ] || return 0
  while read -r p; do p=$(printf '%s' "$p" | base64 -d); case "$p" in */.*.fleet-tmp-*) rm -f "$p";; esac; done < ${LOCK_DIR}/temps
}`;

export interface Replacement {
  file: PlannedFile;
  /** null when the target is new: undoing it means removing it. */
  backup: string | null;
}

/** What the commit does once the live config is proven: sshd's reload command, run only when `sshd -T` shows every promised value. */
export interface ReloadAfterCommit {
  reload: string;
  /** keyword → value as `sshd -T` prints it */
  promised: Readonly<Record<string, string>>;
  /** the Match settings, each checked with `sshd -T -C` before the reload */
  matchProofs?: readonly MatchProof[];
}

/**
 * Backup → journal → compare → atomic rename for every file, then the real sshd proves the
 * whole live config and prints the effective values (`-T`, with `-t` for the reason when it
 * fails). Any failure restores every file before the script ends, so the host is never left
 * with a config sshd rejects. With `then`, sshd is reloaded in the same round trip once `-T`
 * shows every promised value (`@@fleet:reloaded <exit status>`, then the command's output).
 *
 * Right before the first rename each target's live bytes are compared with the plan's `before`
 * (sha256; a file the plan creates must still be missing): an edit made since the facts were
 * read (cloud-init, Puppet, an admin) is never overwritten, the run writes nothing on that host
 * and reports `CONFLICT`. The lock's `state` is `journal` while no live file has changed, and
 * `committed` from just before the first rename: a recovery restores only a `committed` host.
 * `locked`: the lock was taken in this round trip (`lockScript`); a failure before the first
 * rename gives it back at once.
 */
export function commitScript(sshdBinary: string | SshdCommand, main: string, replacements: readonly Replacement[], runId: string, then?: ReloadAfterCommit, locked = false): string {
  const J = `${LOCK_DIR}/journal`;
  const dropBackups = replacements.map((r) => (r.backup ? `rm -f ${quote(r.backup)};` : '')).join(' ');
  const lines = [
    'umask 077',
    NL,
    RESTORE_FN,
    // Before the first rename no live file has changed: there is nothing to copy back (and no
    // need for the disk space a copy takes when the disk is what failed), only this run's
    // backups to drop, after the journal that names them. `untouched` tells the engine so.
    'moved=0',
    `fail() { echo "${MARK}fail $1"; if [ $moved = 0 ]; then : > ${J}; ${dropBackups} echo ${MARK}untouched; echo ${MARK}restored; ${locked ? 'unlock_ours; ' : ''}else restore && echo ${MARK}restored; fi; ${replacements.map((r) => `rm -f ${quote(tempPathFor(r.file.path, runId))}`).join('; ')}; exit 0; }`,
    `: > ${J} || fail BACKUP_FAILED`,
    `echo journal > ${LOCK_DIR}/state`,
  ];
  for (const { file, backup } of replacements) {
    const T = quote(file.path);
    if (backup) {
      // A cp that fails half-way (disk full) leaves a truncated copy under a backup's name: drop it.
      lines.push(`${ensureDir(dirOf(backup))} && cp -p ${T} ${quote(backup)} || { rm -f ${quote(backup)}; fail BACKUP_FAILED; }`);
      lines.push(`echo ${quote(`${b64(file.path)} ${b64(backup)}`)} >> ${J} || fail BACKUP_FAILED`);
    } else {
      lines.push(`echo ${quote(`${b64(file.path)} -`)} >> ${J} || fail BACKUP_FAILED`);
    }
  }
  // Flush the journal and backups before any live file changes: a crash from here on is recoverable.
  // Only what a recovery reads is flushed (fsync of each file and of the folders that name
  // them), not every dirty page of the host; a `sync` that takes no files flushes all of it.
  const durable = [LOCK_DIR, J, ...replacements.flatMap((r) => (r.backup ? [r.backup, dirOf(r.backup)] : []))];
  lines.push(`sync -- ${[...new Set(durable)].map(quote).join(' ')} 2>/dev/null || sync 2>/dev/null`, "changed_since=''");
  for (const { file } of replacements) {
    const T = quote(file.path);
    lines.push(
      file.before === null
        ? `if [ -e ${T} ] || [ -L ${T} ]; then changed_since="$changed_since"${quote(`${file.path}
`)}; fi`
        : `case $(sha256sum 2>/dev/null < ${T}) in ${sha256(file.before)}' '*) ;; *) changed_since="$changed_since"${quote(`${file.path}
`)} ;; esac`,
    );
  }
  lines.push(
    `if [ -n "$changed_since" ]; then echo ${MARK}conflict; printf '%s' "$changed_since"; fail CONFLICT; fi`,
    `echo committed > ${LOCK_DIR}/state`,
    'moved=1',
  );
  for (const { file } of replacements) {
    lines.push(`mv -f ${quote(tempPathFor(file.path, runId))} ${quote(file.path)} || fail WRITE_FAILED`);
  }
  lines.push(
    // sshd -T validates the whole live config as -t does and prints its values. When it fails,
    // -t says why; if -t accepts, the config is valid but -T cannot print it without a
    // connection (OpenSSH 9.2 dies on `Match LocalPort`): reported, not a failure.
    'ok=1',
    `if T=$(${sshdWords(sshdBinary)} -T -f ${quote(main)} 2>/dev/null </dev/null); then echo ${MARK}sshd-T; printf '%s\\n' "$T"`,
    // The promise, checked by the host before it reloads: each `keyword value` line present.
    ...promiseChecks(then?.promised ?? {}),
    ...matchChecks(sshdWords(sshdBinary), quote(main), then?.matchProofs ?? [], 'sshd-C').map((l) => `  ${l}`),
    `else out=$(${sshdWords(sshdBinary)} -t -f ${quote(main)} 2>&1 </dev/null) || { echo ${MARK}sshd-t; printf '%s\\n' "$out"; fail VERIFY_FAILED; }; echo ${MARK}sshd-T-failed; fi`,
    `echo ${MARK}committed`,
  );
  if (then) {
    lines.push(
      'if [ $ok = 1 ]; then',
      // eval in the $(…) subshell isolates the command as `sh -c` would (an `exit` in it ends only the
      // subshell), without starting another shell.
      `  out=$(eval ${quote(then.reload)} 2>&1 </dev/null)`,
      '  rc=$?',
      `  echo "${MARK}reloaded $rc"; echo ${MARK}reload-output; printf '%s\\n' "$out"`,
      'fi',
    );
  }
  return lines.join('\n');
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Puts a host back after this run's own failure, over the lifeline, as `owner` (the lock must
 * still be ours: `@@fleet:not-ours` otherwise). With `stopCommit` (the commit's round trip
 * failed without an answer: a timeout), first stops the commit script if it still runs (its
 * pid is in the lock, its children in its process group), so nothing renames behind the
 * restore. Then by the lock's state: `committed`, `restored` or `done` → every journalled file is
 * restored and proven with `sshd -t` (`@@fleet:restored`; `done` too); none or `journal` → no
 * live file had changed: this run's backups and candidates are dropped and the lock given back
 * (`@@fleet:untouched`).
 */
export function restoreScript(sshdBinary: string | SshdCommand, main: string, owner: string, stopCommit = false): string {
  const lines = [
    RESTORE_FN,
    DROP_FNS,
    unlockFn(owner),
    `o=''; { read -r o < ${L}/owner; } 2>/dev/null`,
    `[ "$o" = ${quote(owner)} ] || { echo ${MARK}not-ours; exit 0; }`,
  ];
  if (stopCommit) {
    lines.push(
      `p=''; { read -r p < ${L}/pid; } 2>/dev/null`,
      'case $p in',
      "  ''|*[!0-9]*|\"$$\") ;;",
      '  *) kill -s KILL -- "-$p" 2>/dev/null || kill -s KILL "$p" 2>/dev/null',
      '     i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done ;;',
      'esac',
    );
    // A killed script's `trap` never ran: its stage folder goes here. A run id is [0-9a-z].
    const runId = owner.split(' ')[0] ?? '';
    if (/^[0-9a-z]+$/.test(runId)) lines.push(`rm -rf /tmp/fleet-stage-${runId}-*`);
  }
  lines.push(
    `s=''; { read -r s < ${L}/state; } 2>/dev/null`,
    // `done` (the finish began after a proven change) is restored too: what the engine asked for.
    'case $s in',
    `  ''|journal) drop_backups; drop_temps; unlock_ours; echo ${MARK}untouched; exit 0 ;;`,
    'esac',
    `restore || { echo ${MARK}restore-failed; exit 0; }`,
    `echo restored > ${LOCK_DIR}/state`,
    `out=$(${sshdWords(sshdBinary)} -t -f ${quote(main)} 2>&1) || { echo ${MARK}restored-invalid; printf '%s\\n' "$out"; exit 0; }`,
    `echo ${MARK}restored`,
  );
  return lines.join('\n');
}

/**
 * Drops what a dead run left besides its restored files, then the lock (ours by now, see
 * `takeoverScript`): its backups when its state says no live file changed, and the candidates
 * its `temps` list names.
 */
export function abandonScript(owner: string): string {
  return [
    DROP_FNS,
    unlockFn(owner),
    `s=''; { read -r s < ${L}/state; } 2>/dev/null`,
    // Only a run that changed no live file has backups to drop: after a rename they are the old config.
    "case $s in ''|journal) drop_backups ;; esac",
    'drop_temps',
    'unlock_ours',
    `echo ${MARK}abandoned`,
  ].join('\n');
}

/** After a proven apply: mark the journal done, prune old backups, drop the lock. */
export function finishScript(owner: string, targets: readonly string[]): string {
  const lines = [
    'LC_ALL=C; export LC_ALL',
    unlockFn(owner),
    // `done` only into our own lock: another run's state is never written.
    `o=''; { read -r o < ${L}/owner; } 2>/dev/null; if [ "$o" = ${quote(owner)} ]; then echo 'done' > ${L}/state; fi`,
    // Backup names end in their UTC stamp, so the shell's sorted glob lists them oldest first;
    // all but the newest few go. No fork unless there is something to remove.
    `prune() { [ -e "$1" ] || return 0; n=$(($# - ${BACKUPS_KEPT})); while [ $n -gt 0 ]; do rm -f "$1"; shift; n=$((n - 1)); done; }`,
  ];
  for (const t of targets) {
    lines.push(`prune ${quote(t)}.fleet-2*`, `prune /var/backups/fleet/${quote(backupStem(t))}.fleet-2*`);
  }
  lines.push('unlock_ours', `echo ${MARK}unlock-done`);
  return lines.join('\n');
}

export function backupStem(target: string): string {
  return target.replace(/^\//, '').replaceAll('/', '_');
}

export interface Markers {
  /** marker name → the text that followed it up to the next marker */
  sections: Map<string, string>;
  /** marker names in order, with their inline arguments (`@@fleet:fail WRITE_FAILED` → ['fail', 'WRITE_FAILED']) */
  seen: { name: string; arg: string }[];
}

export function parseMarkers(stdout: string): Markers {
  const sections = new Map<string, string>();
  const seen: { name: string; arg: string }[] = [];
  let current: string | null = null;
  let buffer: string[] = [];
  const flush = (): void => {
    if (current !== null) sections.set(current, buffer.join('\n').replace(/\n+$/, ''));
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      flush();
      const rest = line.slice(MARK.length);
      const space = rest.indexOf(' ');
      const name = space === -1 ? rest : rest.slice(0, space);
      const arg = space === -1 ? '' : rest.slice(space + 1);
      seen.push({ name, arg });
      current = name;
      buffer = [];
    } else if (current !== null) buffer.push(line);
  }
  flush();
  return { sections, seen };
}

export function has(m: Markers, name: string): boolean {
  return m.seen.some((s) => s.name === name);
}

export function arg(m: Markers, name: string): string | undefined {
  return m.seen.find((s) => s.name === name)?.arg;
}
