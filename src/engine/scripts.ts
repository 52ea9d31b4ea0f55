/**
 * The scripts the apply engine runs on a host: the fixed bodies of src/remote/*.sh (the lock,
 * stage, candidates, commit, restore, abandon and finish; what each leaves on the host is in
 * docs/ON-HOST-STATE.md) behind a prologue of quoted inputs (src/remote/compose.ts). File
 * contents travel as base64 (only [A-Za-z0-9+/=]), so nothing read from a host, an inventory or
 * a policy can be read as shell syntax. Scripts print `@@fleet:` marker lines
 * (src/remote/markers.ts).
 */
import { quote } from '../core/shell.js';
import type { MatchProof, PlannedFile } from '../core/host-plan.js';
import { LOGIN_KEYWORDS } from '../core/lockout.js';
import { b64, call, script, withBase64 } from '../remote/compose.js';
import { REMOTE } from '../remote/scripts.generated.js';
import { backupArgument, beforeArgument, candidatePathFor, type Replacement as GenericReplacement } from './replacement.js';

export { arg, has, parseMarkers, type Markers } from '../remote/markers.js';

/** Where a host's lock lives: /run is cleared at boot, so a lock never outlives a reboot. */
export const LOCK_DIR = '/run/fleet.lock';
/** Backups kept per file; older ones are pruned after a successful apply. */
export const BACKUPS_KEPT = 5;

/** Wraps a script so the login shell (bash, zsh, fish…) only ever parses `sh -c '<script>'`. */
export function inSh(body: string): string {
  return `sh -c ${quote(body)}`;
}

/** The prefix of a run's stage folders, for a glob; '' when the run id is not [0-9a-z] (see the CLI): nothing read from a host is used in a glob otherwise. */
function stagePrefix(runId: string): string {
  return /^[0-9a-z]+$/.test(runId) ? `/tmp/fleet-stage-${runId}-` : '';
}

/**
 * apply's guard before the facts probe: reports the lock when one exists (one `[ -d ]` when
 * none does) and never ends the round trip, so an unchanged host costs this one command.
 */
export function lockPeekScript(leaseSeconds: number): string {
  return script({ lock_dir: LOCK_DIR, lease: leaseSeconds }, REMOTE.lease, REMOTE.lockPeek);
}

/**
 * Takes the host's lock inside the commit round trip, after the candidate was proven and before
 * anything is written: a held lock ends the round trip with its report (`@@fleet:lock-held`),
 * nothing written. Defines `unlock_ours` for the failure paths that follow.
 */
export function lockScript(owner: string, leaseSeconds: number): string {
  return script({ lock_dir: LOCK_DIR, owner, lease: leaseSeconds }, REMOTE.lock, REMOTE.lease, REMOTE.lockTake);
}

/** Pushes the lease of our own lock forward; `@@fleet:lock-lost` when the lock is no longer ours. */
export function renewScript(owner: string, leaseSeconds: number): string {
  return script({ lock_dir: LOCK_DIR, owner, lease: leaseSeconds }, REMOTE.lock, REMOTE.lease, REMOTE.lockRenew);
}

/**
 * Takes over the lock of a dead run whose id is `deadRunId`, in place, keeping its journal for
 * the recovery (lock-takeover.sh). `@@fleet:lock-taken`, else `@@fleet:lock-busy`.
 */
export function takeoverScript(deadRunId: string, owner: string, leaseSeconds: number, leaseMustHaveLapsed: boolean): string {
  const values = { lock_dir: LOCK_DIR, owner, lease: leaseSeconds, dead_run: deadRunId, must_lapse: leaseMustHaveLapsed, dead_stage: stagePrefix(deadRunId) };
  return script(values, REMOTE.lease, REMOTE.lockTakeover);
}

/** Removes the lock only if it is still ours. */
export function unlockScript(owner: string): string {
  return script({ lock_dir: LOCK_DIR, owner }, REMOTE.lock, REMOTE.unlock);
}

/** `keyword value` lines as `sshd -T` prints them (keywords lowercased), for the host's promise check. */
function promiseLines(promised: Readonly<Record<string, string>>): string[] {
  return Object.entries(promised).map(([k, v]) => `${k.toLowerCase()} ${v}`);
}

/** The Match proofs as promise.sh reads them: each one's `-C` spec, its count of promised lines, those lines. */
function matchProofLines(proofs: readonly MatchProof[]): string[] {
  return proofs.flatMap((proof) => {
    const lines = promiseLines(proof.promised);
    return [proof.spec, String(lines.length), ...lines];
  });
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

/** sshd.sh's inputs: a bare path runs sshd without options. */
function sshdInputs(c: string | SshdCommand): { sshd: string; sshd_options: readonly string[] } {
  return typeof c === 'string' ? { sshd: c, sshd_options: [] } : { sshd: c.binary, sshd_options: c.options };
}

/**
 * A file's content as stage.sh and candidates.sh take it: the last argument of the call,
 * written by the printf builtin (no process on the host); only a text holding a NUL, which no
 * shell string can, goes through base64 on stdin.
 */
function withContent(fn: string, args: readonly string[], text: string): string {
  return text.includes('\0') ? withBase64(call(fn, ...args), text) : call(fn, ...args, text);
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Stages the whole candidate config under `stageRoot` and proves it with the real sshd
 * (stage.sh). `staged` maps staged paths to their text. `then` (apply's write, commit and
 * reload) runs only when sshd accepts the candidate, shows every promised value and the
 * lock-out guard lets it; with `lock` (a `lockScript`) the lock is taken first, and given back
 * on every exit until `then` begins.
 */
export function stageScript(sshdBinary: string | SshdCommand, stageRoot: string, stagedMain: string, staged: ReadonlyMap<string, string>, promised: Readonly<Record<string, string>>, then = '', lock = '', guard?: LoginGuard, matchProofs: readonly MatchProof[] = []): string {
  const dirs = new Set<string>();
  for (const path of staged.keys()) {
    for (let d = dirOf(path); d.length > stageRoot.length && d.startsWith(`${stageRoot}/`); d = dirOf(d)) dirs.add(d);
  }
  const values = {
    ...sshdInputs(sshdBinary),
    stage_dirs: [stageRoot, ...[...dirs].sort((a, b) => a.length - b.length)],
    stage_main: stagedMain,
    promised: promiseLines(promised),
    match_proofs: matchProofLines(matchProofs),
    with_lock: lock !== '',
    guard: guard !== undefined,
    guard_user: guard?.user ?? '',
    guard_live_main: guard?.liveMain ?? '',
    guard_approved: guard?.approved ?? '',
    login_keywords: `^(${LOGIN_KEYWORDS.join('|')}) `,
  };
  const files = [...staged].map(([path, text]) => withContent('stage_file', [path], text));
  return script(values, REMOTE.sshd, REMOTE.promise, REMOTE.stage, lock, 'stage_begin', ...files, 'stage_prove', then);
}

/** What the lock-out guard needs to know on the host (see stage.sh's `login_guard`). */
export interface LoginGuard {
  /** the user fleet logs in as (the inventory user, also with `become`) */
  user: string;
  /** the live main config, the one the login got in through */
  liveMain: string;
  /** login-keyword lines of the candidate fleet has already judged safe ('' for none) */
  approved: string;
}

/** The candidate's name (one scheme for server and client files: replacement.ts). */
export const tempPathFor = candidatePathFor;

/**
 * Writes each candidate next to its target, with the target's owner and mode (candidates.sh);
 * a new file takes the main config's. `locked`: a failure gives the lock back.
 */
export function writeCandidatesScript(files: readonly PlannedFile[], runId: string, main: string, locked = false): string {
  const temps = files.map((f) => tempPathFor(f.path, runId));
  const writes = files.map((f, i) => {
    const temp = temps[i] as string;
    return withContent('write_candidate', [f.path, serverOwnerAndMode(f, main).copiedFrom, temp, b64(temp)], f.after);
  });
  return script({ lock_dir: LOCK_DIR, candidate_temps: temps, candidates_locked: locked }, REMOTE.candidates, ...writes, 'candidates_written');
}

/** A server file's replacement: commit.sh backs it up, compares, renames and restores it (replace.sh). */
export type Replacement = GenericReplacement<PlannedFile>;

/** A server file's candidate is a root `cp -p` of its target; a new file takes the main config's owner and mode. */
export function serverOwnerAndMode(file: PlannedFile, main: string): { copiedFrom: string } {
  return { copiedFrom: file.before !== null ? file.path : main };
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
 * whole live config, and with `then` sshd is reloaded in the same round trip (commit.sh).
 * `locked`: the lock was taken in this round trip (`lockScript`); a failure before the first
 * rename gives it back at once.
 */
export function commitScript(sshdBinary: string | SshdCommand, main: string, replacements: readonly Replacement[], runId: string, then?: ReloadAfterCommit, locked = false): string {
  const records = replacements.flatMap((r) => [
    r.file.path,
    candidatePathFor(r.file.path, runId),
    backupArgument(r),
    beforeArgument(r),
    `${b64(r.file.path)} ${r.backup === null ? '-' : b64(r.backup)}`,
  ]);
  // Only what a recovery reads is flushed before the first rename: the lock, its journal, each
  // backup and its folder.
  const durable = [LOCK_DIR, `${LOCK_DIR}/journal`, ...replacements.flatMap((r) => (r.backup ? [r.backup, dirOf(r.backup)] : []))];
  const values = {
    ...sshdInputs(sshdBinary),
    main,
    lock_dir: LOCK_DIR,
    replacements: records,
    durable: [...new Set(durable)],
    promised: promiseLines(then?.promised ?? {}),
    match_proofs: matchProofLines(then?.matchProofs ?? []),
    reload_after: then !== undefined,
    reload: then?.reload ?? '',
    commit_locked: locked,
  };
  return script(values, REMOTE.replace, REMOTE.journal, REMOTE.sshd, REMOTE.promise, REMOTE.commit);
}

/**
 * Puts a host back after this run's own failure, over the lifeline, as `owner` (restore.sh).
 * `stopCommit`: the commit's round trip gave no answer, so the commit script is stopped first.
 */
export function restoreScript(sshdBinary: string | SshdCommand, main: string, owner: string, stopCommit = false): string {
  const values = { ...sshdInputs(sshdBinary), main, lock_dir: LOCK_DIR, owner, stop_commit: stopCommit, run_stage: stopCommit ? stagePrefix(owner.split(' ')[0] ?? '') : '' };
  return script(values, REMOTE.sshd, REMOTE.lock, REMOTE.replace, REMOTE.journal, REMOTE.restore);
}

/**
 * Drops what a dead run left besides its restored files, then the lock (ours by now, see
 * `takeoverScript`): abandon.sh.
 */
export function abandonScript(owner: string): string {
  return script({ lock_dir: LOCK_DIR, owner }, REMOTE.lock, REMOTE.journal, REMOTE.abandon);
}

/** After a proven apply: mark the journal done, prune old backups, drop the lock (finish.sh). */
export function finishScript(owner: string, targets: readonly string[]): string {
  const prefixes = targets.flatMap((t) => [`${t}.fleet-`, `/var/backups/fleet/${backupStem(t)}.fleet-`]);
  return script({ lock_dir: LOCK_DIR, owner, backups_kept: BACKUPS_KEPT, backup_prefixes: prefixes }, REMOTE.lock, REMOTE.finish);
}

export function backupStem(target: string): string {
  return target.replace(/^\//, '').replaceAll('/', '_');
}
