/**
 * What apply does after its one round trip (lock, stage, write, commit, reload), decided from
 * the round trip's typed result and the plan alone: pure, so every branch is tested without a
 * host. host.ts acts on the decision (throws, rolls back, or goes on to the fresh login).
 */
import type { HostPlan, MatchProof } from '../core/host-plan.js';
import type { ApplyRoundTrip, LockTake, MatchRuns } from '../remote/results.js';

/** A rollback to run over the lifeline: `reloaded` says whether sshd had been reloaded. */
export interface RollbackOrder {
  code: string;
  reason: string;
  reloaded: boolean;
}

export type AfterRoundTrip =
  /** Another run holds the lock (or it could not be made): nothing of this run happened. */
  | { kind: 'locked'; lock: Exclude<LockTake, { kind: 'acquired' }> }
  /** The host put itself back (or changed nothing): the step fails as it stands. */
  | { kind: 'failed'; code: string; message: string; rolledBack: boolean }
  /** The commit could not put the host back itself: a restore over the lifeline. */
  | { kind: 'restore'; order: RollbackOrder }
  /**
   * The files are live. What the report says of them (`reloaded`, `effective`, `warnings`,
   * `explain`), then a rollback when the proof or the reload failed.
   */
  | { kind: 'committed'; reloaded: boolean; effective: Record<string, string>; warnings: string[]; explain: string[]; rollback: RollbackOrder | null };

function pick(effective: Record<string, string>, keywords: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keywords) {
    const v = effective[k.toLowerCase()];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * The Match promises that a script's `sshd -T -C` runs break, as sentences; a run that failed
 * says why. A proof the script did not reach (an earlier check failed) is not reported.
 */
export function brokenMatchProofs(runs: MatchRuns, proofs: readonly MatchProof[], stageRoot = ''): string[] {
  return proofs.flatMap((proof, i) => {
    const run = runs.get(i);
    if (run === undefined) return [];
    if (run.kind === 'failed') return [`sshd -T -C ${proof.spec} fails for Match ${proof.criteria}: ${(stageRoot ? run.message.replaceAll(stageRoot, '') : run.message).trim() || 'no message'}`];
    const got = run.effective;
    return Object.entries(proof.promised)
      .filter(([k, v]) => got[k.toLowerCase()] !== v)
      .map(([k, v]) => `${k} is ${got[k.toLowerCase()] ?? '(unset)'} for a connection Match ${proof.criteria} selects (sshd -T -C ${proof.spec}), promised ${v}`);
  });
}

/**
 * Decides over the round trip: the lock first, then whether the candidates were written, then
 * the commit's own outcome, then its proof (the live `sshd -T` shows every promised value, and
 * the host reloaded, which it does only once it saw them) and the reload's exit status.
 */
export function afterRoundTrip(trip: ApplyRoundTrip, plan: Pick<HostPlan, 'promised' | 'matchProofs'>, reloadCommand: string): AfterRoundTrip {
  if (trip.kind === 'not-locked') return { kind: 'locked', lock: trip.lock };
  const commit = trip.commit;
  if (commit === null) return { kind: 'failed', code: 'WRITE_FAILED', message: 'could not write the candidate next to its target: the stage let nothing follow', rolledBack: false };
  switch (commit.kind) {
    case 'not-written':
      return { kind: 'failed', code: 'WRITE_FAILED', message: `could not write the candidate next to its target: ${commit.said}`, rolledBack: false };
    case 'conflict':
      return { kind: 'failed', code: 'CONFLICT', message: `${commit.files.join(', ')} changed on the host after fleet read it (another tool or an admin edited it); nothing was written, run again to plan from the new content`, rolledBack: false };
    case 'failed': {
      // The commit's own restore failed: once more over the lifeline before giving up.
      if (!commit.restored) return { kind: 'restore', order: { code: commit.code, reason: `${commit.said || 'the change could not be committed'}; the commit's own restore failed`, reloaded: false } };
      const outcome = commit.untouched ? 'no live file had been changed' : 'every file was restored';
      const what = commit.code === 'VERIFY_FAILED' ? 'sshd -t rejects the live config after the rename' : 'the change could not be committed';
      return { kind: 'failed', code: commit.code, message: `${what}: ${commit.said || 'no message'}; ${outcome}`, rolledBack: !commit.untouched };
    }
    case 'committed': {
      const reloaded = commit.reload !== null;
      const after = commit.effective ?? {};
      const provable = commit.effective !== null;
      const warnings = provable ? [] : [`sshd -T cannot print this config without a connection (${commit.unprovable}); the values rest on fleet's reading of the files and the fresh login`];
      const effective = provable ? pick(after, Object.keys(plan.promised)) : { ...plan.promised };
      const wrong = provable ? Object.entries(plan.promised).filter(([k, v]) => after[k.toLowerCase()] !== v) : [];
      const matchWrong = brokenMatchProofs(commit.matchRuns, plan.matchProofs);
      if (wrong.length > 0 || matchWrong.length > 0 || !reloaded) {
        const what = [...wrong.map(([k, v]) => `${k} is ${after[k.toLowerCase()] ?? '(unset)'}, promised ${v}`), ...matchWrong].join('; ') || 'the host found a promised value missing';
        return { kind: 'committed', reloaded, effective, warnings, explain: [], rollback: { code: 'VERIFY_FAILED', reason: `sshd -T disagrees with the plan: ${what}${reloaded ? '' : '; sshd was not reloaded'}`, reloaded } };
      }
      const explain = provable ? plan.matchProofs.map((proof) => `Match ${proof.criteria}: ${Object.entries(proof.promised).map(([k, v]) => `${k} ${v}`).join(', ')}, proven by sshd -T -C ${proof.spec}`) : [];
      const rc = commit.reload?.rc;
      const rollback = rc !== '0' ? { code: 'RELOAD_FAILED', reason: `${reloadCommand} exited ${rc}: ${commit.reload?.output ?? ''}`, reloaded: true } : null;
      return { kind: 'committed', reloaded, effective, warnings, explain, rollback };
    }
  }
}
