/**
 * Each host script's output read once into a typed result: what happened, as a union the
 * engine decides over, instead of marker names looked up where they are used. The readers are
 * pure and take the script's stdout (and stderr, for a message when a script said nothing).
 */
import { firstPrintedValues } from '../core/printed-config.js';
import { arg, has, parseMarkers, type Markers } from './markers.js';

/** What a held lock says about itself (lease.sh's `lock_report`). */
export interface HeldLock {
  /** `<run id> <controller> <pid>`. */
  owner: string;
  runId: string;
  /** `journal` (no live file changed yet), `committed`, `restored`, `done`, or '' (none written). */
  state: string;
  /** Seconds until the lease lapses by the host's clock (negative: lapsed); null when unknown. */
  leaseLeft: number | null;
}

/** The lock report in `m`, or null when the script printed none (lock-peek.sh: no lock). */
export function readHeldLock(m: Markers): HeldLock | null {
  if (!has(m, 'lock-held')) return null;
  const owner = (m.sections.get('lock-held') ?? '').trim();
  const left = arg(m, 'lease-left');
  return {
    owner,
    runId: owner.split(' ')[0] ?? '',
    state: (m.sections.get('state') ?? '').trim(),
    leaseLeft: left !== undefined && /^-?\d+$/.test(left) ? Number(left) : null,
  };
}

/** lock-take.sh: the lock is ours, another run's, or could not be made. */
export type LockTake = { kind: 'acquired' } | { kind: 'held'; lock: HeldLock } | { kind: 'error'; message: string };

function readLockTake(m: Markers, stderr: string): LockTake {
  if (has(m, 'lock-acquired')) return { kind: 'acquired' };
  const lock = readHeldLock(m);
  if (lock !== null) return { kind: 'held', lock };
  return { kind: 'error', message: (m.sections.get('lock-error') ?? stderr).trim() || 'no message' };
}

export function readLockTakeOutput(stdout: string, stderr: string): LockTake {
  return readLockTake(parseMarkers(stdout), stderr);
}

/** lock-takeover.sh: the dead run's lock is ours now, or it changed hands (or another controller is at it). */
export function readTakeover(stdout: string): { kind: 'taken' } | { kind: 'busy' } {
  return has(parseMarkers(stdout), 'lock-taken') ? { kind: 'taken' } : { kind: 'busy' };
}

/** unlock.sh and finish.sh: whether this script removed our lock, and whether it ran to its end. */
export interface Release {
  unlocked: boolean;
  /** `unlock-done`: the script ran to its end (the lock is gone or was never ours). */
  finished: boolean;
}

export function readRelease(stdout: string): Release {
  const m = parseMarkers(stdout);
  return { unlocked: has(m, 'unlocked'), finished: has(m, 'unlock-done') };
}

/** The lock-out guard's findings (stage.sh's `login_guard`). */
export type LoginGuardResult =
  | { kind: 'not-run' }
  /** No $SSH_CONNECTION to test a login with: the guard did not hold. */
  | { kind: 'unknown' }
  /** The candidate's login lines are the live ones, or the ones fleet approved. */
  | { kind: 'passed' }
  | {
      kind: 'held';
      /** `$SSH_CONNECTION` of the login in use */
      connection: string;
      /** the candidate's login lines, or `unreadable: <sshd's message>` */
      candidate: string;
      live: string;
      groups: string[];
      /** live AuthorizedKeysFile paths (as sshd printed them) that hold a file; undefined when unknown */
      keyFiles: Set<string> | undefined;
    };

/** What one Match proof's `sshd -T -C` gave (promise.sh's `match_proofs_hold`). */
export type MatchRun = { kind: 'printed'; effective: Record<string, string> } | { kind: 'failed'; message: string };
/** Match proof index → its run; a proof the script did not reach (an earlier check failed) is absent. */
export type MatchRuns = ReadonlyMap<number, MatchRun>;

function readMatchRuns(m: Markers, label: string): MatchRuns {
  const runs = new Map<number, MatchRun>();
  const pattern = new RegExp(`^${label}-(failed-)?(\\d+)$`);
  for (const { name } of m.seen) {
    const hit = pattern.exec(name);
    if (hit === null) continue;
    const text = m.sections.get(name) ?? '';
    runs.set(Number(hit[2]), hit[1] ? { kind: 'failed', message: text } : { kind: 'printed', effective: firstPrintedValues(text) });
  }
  return runs;
}

/** stage.sh: what sshd said about the staged candidate. */
export type StageResult =
  /** The stage folder could not be made or written. */
  | { kind: 'not-staged'; said: string }
  /** `sshd -t` rejects the candidate. */
  | { kind: 'rejected'; message: string }
  /** sshd accepts it, but its `sshd -T` lacks a promised `keyword value` line (the host's own check). */
  | { kind: 'promise-broken'; effective: Record<string, string>; matchRuns: MatchRuns }
  /** sshd accepts it; `effective` is its `sshd -T` (null when -T cannot print it without a connection). */
  | { kind: 'staged'; effective: Record<string, string> | null; matchRuns: MatchRuns; guard: LoginGuardResult };

function readGuard(m: Markers): LoginGuardResult {
  if (has(m, 'guard-unknown')) return { kind: 'unknown' };
  if (!has(m, 'guard-held')) return has(m, 'guard-candidate') ? { kind: 'passed' } : { kind: 'not-run' };
  return {
    kind: 'held',
    connection: arg(m, 'login') ?? '',
    candidate: m.sections.get('guard-candidate') ?? '',
    live: m.sections.get('guard-live') ?? '',
    groups: (m.sections.get('groups') ?? '').split(/\s+/).filter((g) => g !== ''),
    keyFiles: has(m, 'keyfiles-unknown') ? undefined : new Set(m.seen.filter((s) => s.name === 'keyfile').map((s) => s.arg)),
  };
}

function readStage(m: Markers, stdout: string, stderr: string): StageResult {
  if (has(m, 'stage-failed') || !has(m, 'rc')) return { kind: 'not-staged', said: (stderr || stdout).trim() || 'no output' };
  if (arg(m, 'rc') !== '0') return { kind: 'rejected', message: m.sections.get('staged-t') ?? '' };
  if (has(m, 'staged-T-failed')) return { kind: 'staged', effective: null, matchRuns: new Map(), guard: readGuard(m) };
  const effective = firstPrintedValues(m.sections.get('staged-T') ?? '');
  const matchRuns = readMatchRuns(m, 'staged-C');
  if (has(m, 'staged-promise-broken')) return { kind: 'promise-broken', effective, matchRuns };
  return { kind: 'staged', effective, matchRuns, guard: readGuard(m) };
}

/** commit.sh (with candidates.sh before it): what became of the live files. */
export type CommitResult =
  /** A candidate could not be written next to its target: nothing live changed. */
  | { kind: 'not-written'; said: string }
  /** A target changed on the host since fleet read it: nothing was written. */
  | { kind: 'conflict'; files: string[] }
  /** The commit failed (`code`: BACKUP_FAILED, WRITE_FAILED, VERIFY_FAILED); `restored` says whether its own restore held, `untouched` that no live file had changed. */
  | { kind: 'failed'; code: string; restored: boolean; untouched: boolean; said: string }
  /**
   * The files are live and sshd accepts them. `effective`: the live `sshd -T` (null when -T
   * cannot print it; `unprovable` then holds what it said), `matchRuns` the Match proofs'.
   * `reload`: the reload's exit status and output, null when the host did not reload (a
   * promised value missing).
   */
  | { kind: 'committed'; effective: Record<string, string> | null; unprovable: string; matchRuns: MatchRuns; reload: { rc: string; output: string } | null };

function readCommit(m: Markers, stdout: string, stderr: string): CommitResult {
  if (!has(m, 'written')) return { kind: 'not-written', said: (stderr || stdout.slice(stdout.lastIndexOf('@@fleet:'))).trim() };
  const failed = arg(m, 'fail');
  if (failed === 'CONFLICT') return { kind: 'conflict', files: (m.sections.get('conflict') ?? '').trim().split('\n') };
  if (failed !== undefined || !has(m, 'committed')) {
    return { kind: 'failed', code: failed || 'WRITE_FAILED', restored: has(m, 'restored'), untouched: has(m, 'untouched'), said: (m.sections.get('sshd-t') ?? stderr).trim() };
  }
  const provable = !has(m, 'sshd-T-failed');
  const rc = arg(m, 'reloaded');
  return {
    kind: 'committed',
    effective: provable ? firstPrintedValues(m.sections.get('sshd-T') ?? '') : null,
    unprovable: provable ? '' : (m.sections.get('sshd-T') ?? '').trim(),
    matchRuns: readMatchRuns(m, 'sshd-C'),
    reload: rc === undefined ? null : { rc, output: (m.sections.get('reload-output') ?? '').trim() },
  };
}

/** candidates.sh and commit.sh's output alone (apply reads them inside its round trip). */
export function readCommitOutput(stdout: string, stderr: string): CommitResult {
  return readCommit(parseMarkers(stdout), stdout, stderr);
}

/**
 * apply's one round trip (lock-take.sh, stage.sh, candidates.sh, commit.sh), or a dry run's
 * stage alone: each part ran only when the one before it held. `not-locked`: another run holds
 * the lock (or it could not be made), nothing was staged. `staged`: `commit` is null unless the
 * stage let what follows run. `unlocked`: a script of it gave the lock back.
 */
export type ApplyRoundTrip =
  | { kind: 'not-locked'; lock: Exclude<LockTake, { kind: 'acquired' }>; unlocked: boolean }
  | { kind: 'staged'; stage: StageResult; commit: CommitResult | null; unlocked: boolean };

/** `withLock`: the round trip began with lock-take.sh. */
export function readApplyRoundTrip(stdout: string, stderr: string, withLock: boolean): ApplyRoundTrip {
  const m = parseMarkers(stdout);
  const unlocked = has(m, 'unlocked');
  if (withLock) {
    const lock = readLockTake(m, stderr);
    if (lock.kind !== 'acquired') return { kind: 'not-locked', lock, unlocked };
  }
  const stage = readStage(m, stdout, stderr);
  const ranOn = stage.kind === 'staged' && stage.guard.kind !== 'held';
  return { kind: 'staged', stage, commit: ranOn && withLock ? readCommit(m, stdout, stderr) : null, unlocked };
}

/** restore.sh: what the restore after this run's own failure did. `said`: the sections it printed, for a message. */
export type RestoreResult =
  /** The lock is no longer this run's: nothing was touched. */
  | { kind: 'not-ours' }
  /** No live file had changed: this run's backups and candidates dropped, the lock given back. */
  | { kind: 'untouched' }
  | { kind: 'restore-failed'; said: string }
  /** The files are back, but `sshd -t` rejects them. */
  | { kind: 'invalid'; said: string }
  | { kind: 'restored' };

export function readRestore(stdout: string): RestoreResult {
  const m = parseMarkers(stdout);
  const said = [...m.sections.values()].join(' ').trim();
  if (has(m, 'not-ours')) return { kind: 'not-ours' };
  if (has(m, 'untouched')) return { kind: 'untouched' };
  if (has(m, 'restored-invalid')) return { kind: 'invalid', said };
  if (has(m, 'restored')) return { kind: 'restored' };
  return { kind: 'restore-failed', said };
}

/** lock-peek.sh: the lock another run holds, or null when the host has none. */
export function readLockPeek(stdout: string): HeldLock | null {
  return readHeldLock(parseMarkers(stdout));
}
