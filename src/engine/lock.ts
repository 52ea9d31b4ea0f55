/**
 * The per-host lock: a directory under /run (mkdir is atomic), holding its owner, a lease, the
 * state of the apply and a journal of replaced files. apply takes it inside the commit round
 * trip (src/remote/lock-take.sh), so a host with nothing to change never locks; its facts
 * probe only looks (`lockPeekScript`). Two fleet runs on one host never interleave, and a run
 * that died mid-apply leaves enough behind for the next one to finish or undo it.
 *
 * A lock is stale when its lease (renewed by the running apply, on the host's own clock) has
 * lapsed, or at once when it belongs to a run of this same controller machine whose process is
 * gone. Any controller may then recover it; a lock is only ever removed by the run that owns it
 * (compare-and-remove), after taking it over with a compare-and-swap of its owner.
 */
import { FleetError } from '../core/errors.js';
import type { Transport } from '../transport/index.js';
import type { HostRunContext } from './context.js';
import { readLockPeek, readRestore, readTakeover, type HeldLock } from '../remote/results.js';
import * as S from './scripts.js';

export type { HeldLock } from '../remote/results.js';

/** What recovering a lock needs of a host's run context. */
export type LockContext = Pick<HostRunContext, 'lockOwner' | 'lockLeaseSeconds' | 'gatherFacts'>;

/** Why a held lock may be recovered now, or null while its owner may still be working. */
export function staleness(ctx: HostRunContext, lock: HeldLock): 'lease' | 'dead-process' | null {
  if (lock.leaseLeft !== null && lock.leaseLeft < 0) return 'lease';
  if (lock.runId !== '' && !ctx.ownerAlive(lock.owner)) return 'dead-process';
  return null;
}

export function lockedError(lock: HeldLock): FleetError {
  const lease = lock.leaseLeft === null ? '' : `, its lease runs ${lock.leaseLeft} s more`;
  return new FleetError('LOCKED', `another fleet run holds the lock on this host (${lock.owner}${lease}); ${S.LOCK_DIR} is removed when it ends, a dead run's once its lease lapsed, or by \`fleet unlock POLICY --lock-id ${lock.runId || '?'}\``);
}

export async function releaseLock(t: Transport, owner: string): Promise<void> {
  await t.exec(S.inSh(S.unlockScript(owner)), { privileged: true });
}

/**
 * Keeps the lease of this run's lock alive while the host is worked on: every third of the
 * lease, over the lifeline. A fast apply ends before the first renewal; a controller that dies
 * stops renewing, so its lock becomes recoverable once the lease lapses. Returns the stop.
 */
export function keepLease(ctx: HostRunContext, t: Transport): () => void {
  const timer = setInterval(() => {
    void t.exec(S.inSh(S.renewScript(ctx.lockOwner, ctx.lockLeaseSeconds)), { privileged: true }).catch(() => undefined);
  }, (ctx.lockLeaseSeconds * 1000) / 3);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Finishes or undoes what a dead run left, after taking its lock over (compare-and-swap of the
 * owner; when the lease is the `reason`, the host checks it again). State `committed` or
 * `restored`: its journalled files are restored and sshd reloaded (a failed reload keeps the
 * lock, for the next run), so the host is back to what it was before that run; this run then
 * plans from there. Anything else: no live file had changed, so nothing is restored. Either way
 * the dead run's backups of unchanged files, candidates and staging folders go with its lock.
 * Returns a note for the report, and whether sshd was reloaded.
 */
export async function recoverStaleLock(ctx: LockContext, t: Transport, lock: HeldLock, reason: 'lease' | 'dead-process' | 'unlock'): Promise<{ note: string; reloaded: boolean }> {
  const take = readTakeover((await t.exec(S.inSh(S.takeoverScript(lock.runId, ctx.lockOwner, ctx.lockLeaseSeconds, reason === 'lease')), { privileged: true })).stdout);
  if (take.kind !== 'taken') {
    throw new FleetError('LOCKED', `the lock of run ${lock.runId} changed hands while this run was about to recover it (another run is recovering or holds it); it was left alone`);
  }
  const why = { lease: 'its lease had lapsed', 'dead-process': 'its controller process is gone', unlock: 'named by fleet unlock' }[reason];
  const abandon = S.abandonScript(ctx.lockOwner);
  if (lock.state !== 'committed' && lock.state !== 'restored') {
    await t.exec(S.inSh(abandon), { privileged: true });
    return { note: `found the lock of interrupted run ${lock.runId} (state ${lock.state || 'none'}; ${why}): nothing was half-done, lock removed`, reloaded: false };
  }
  const facts = await ctx.gatherFacts(t);
  const restored = readRestore((await t.exec(S.inSh(S.restoreScript(S.sshdCommandOf(facts), facts.tree.main, ctx.lockOwner)), { privileged: true })).stdout);
  if (restored.kind !== 'restored') {
    const said = restored.kind === 'invalid' || restored.kind === 'restore-failed' ? restored.said : '';
    throw new FleetError('ROLLBACK_FAILED', `interrupted run ${lock.runId} left files that could not be restored: ${said || 'no message'}; the lock stays`);
  }
  const reload = await t.exec(S.inSh(facts.reload.command), { privileged: true });
  if (reload.code !== 0) {
    throw new FleetError('RELOAD_FAILED', `interrupted run ${lock.runId}'s files were restored from its journal, but \`${facts.reload.command}\` exited ${reload.code ?? reload.signal}: ${reload.stderr.trim() || reload.stdout.trim() || 'no message'}; the lock stays, so the next run recovers again`);
  }
  await t.exec(S.inSh(abandon), { privileged: true });
  return { note: `interrupted run ${lock.runId} had left its change half-done (state ${lock.state}; ${why}): restored its files from the journal and reloaded sshd`, reloaded: true };
}

/** What `fleet unlock` did on one host. */
export type UnlockOutcome =
  | { kind: 'recovered'; note: string }
  | { kind: 'no-lock' }
  | { kind: 'other-run'; lock: HeldLock };

/**
 * `fleet unlock --lock-id ID`: recovers the host's lock only when run `lockId` holds it, as a
 * stale lock is recovered (its half-done change restored, its lock removed), whatever its lease
 * says: for the operator who knows that run is dead (like `terraform force-unlock`). A lock of
 * any other run is left alone.
 */
export async function unlockHost(ctx: LockContext, t: Transport, lockId: string): Promise<UnlockOutcome> {
  const peek = await t.exec(S.inSh(S.lockPeekScript(ctx.lockLeaseSeconds)), { privileged: true });
  const held = readLockPeek(peek.stdout);
  if (held === null) return { kind: 'no-lock' };
  if (held.runId !== lockId) return { kind: 'other-run', lock: held };
  const { note } = await recoverStaleLock(ctx, t, held, 'unlock');
  return { kind: 'recovered', note };
}
