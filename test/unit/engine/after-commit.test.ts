/**
 * apply's decision after its round trip, over the typed result alone: every branch the commit
 * can end in, without a host (the real ones run in test/faults and test/integration).
 */
import { describe, expect, it } from 'vitest';
import { afterRoundTrip } from '../../../src/engine/after-commit.js';
import type { ApplyRoundTrip, CommitResult } from '../../../src/remote/results.js';

const plan = {
  promised: { ClientAliveInterval: '300' },
  matchProofs: [{ criteria: 'User backup', spec: 'user=backup,host=h,addr=192.0.2.1', promised: { MaxSessions: '3' } }],
};
const staged = (commit: CommitResult | null): ApplyRoundTrip => ({ kind: 'staged', stage: { kind: 'staged', effective: {}, matchRuns: new Map(), guard: { kind: 'not-run' } }, commit, unlocked: false });
const committed = (over: Partial<Extract<CommitResult, { kind: 'committed' }>> = {}): CommitResult => ({
  kind: 'committed',
  effective: { clientaliveinterval: '300', port: '22' },
  unprovable: '',
  matchRuns: new Map([[0, { kind: 'printed', effective: { maxsessions: '3' } }]]),
  reload: { rc: '0', output: '' },
  ...over,
});

describe('afterRoundTrip', () => {
  it('another run holds the lock: locked, nothing else read', () => {
    const lock = { kind: 'held' as const, lock: { owner: 'r2 c 1', runId: 'r2', state: '', leaseLeft: 50 } };
    expect(afterRoundTrip({ kind: 'not-locked', lock, unlocked: false }, plan, 'kill -HUP 1')).toEqual({ kind: 'locked', lock });
  });

  it('nothing written, or a target changed since it was read: the step fails, nothing to restore', () => {
    expect(afterRoundTrip(staged({ kind: 'not-written', said: 'cp: No space left' }), plan, 'r')).toEqual({ kind: 'failed', code: 'WRITE_FAILED', message: 'could not write the candidate next to its target: cp: No space left', rolledBack: false });
    expect(afterRoundTrip(staged({ kind: 'conflict', files: ['/etc/ssh/a', '/etc/ssh/b'] }), plan, 'r')).toMatchObject({ kind: 'failed', code: 'CONFLICT', message: expect.stringMatching(/^\/etc\/ssh\/a, \/etc\/ssh\/b changed on the host/), rolledBack: false });
  });

  it("the commit failed: as it stands when its own restore held, else a restore over the lifeline", () => {
    expect(afterRoundTrip(staged({ kind: 'failed', code: 'VERIFY_FAILED', restored: true, untouched: false, said: 'line 3: Bad option' }), plan, 'r')).toEqual({ kind: 'failed', code: 'VERIFY_FAILED', message: 'sshd -t rejects the live config after the rename: line 3: Bad option; every file was restored', rolledBack: true });
    expect(afterRoundTrip(staged({ kind: 'failed', code: 'BACKUP_FAILED', restored: true, untouched: true, said: '' }), plan, 'r')).toEqual({ kind: 'failed', code: 'BACKUP_FAILED', message: 'the change could not be committed: no message; no live file had been changed', rolledBack: false });
    expect(afterRoundTrip(staged({ kind: 'failed', code: 'WRITE_FAILED', restored: false, untouched: false, said: '' }), plan, 'r')).toEqual({ kind: 'restore', order: { code: 'WRITE_FAILED', reason: "the change could not be committed; the commit's own restore failed", reloaded: false } });
  });

  it('proven and reloaded: the effective values and the Match proofs for the report, no rollback', () => {
    expect(afterRoundTrip(staged(committed()), plan, 'r')).toEqual({
      kind: 'committed',
      reloaded: true,
      effective: { ClientAliveInterval: '300' },
      warnings: [],
      explain: ['Match User backup: MaxSessions 3, proven by sshd -T -C user=backup,host=h,addr=192.0.2.1'],
      rollback: null,
    });
  });

  it('a promised value or a Match value missing, or no reload: VERIFY_FAILED rollback', () => {
    const wrong = afterRoundTrip(staged(committed({ effective: { clientaliveinterval: '30' }, reload: null })), plan, 'r');
    expect(wrong).toMatchObject({ kind: 'committed', reloaded: false, explain: [], rollback: { code: 'VERIFY_FAILED', reloaded: false, reason: 'sshd -T disagrees with the plan: ClientAliveInterval is 30, promised 300; sshd was not reloaded' } });
    const match = afterRoundTrip(staged(committed({ matchRuns: new Map([[0, { kind: 'failed', message: 'bad spec' }]]) })), plan, 'r');
    expect(match).toMatchObject({ rollback: { code: 'VERIFY_FAILED', reloaded: true, reason: expect.stringContaining('sshd -T -C user=backup,host=h,addr=192.0.2.1 fails for Match User backup: bad spec') } });
  });

  it('the reload failed: RELOAD_FAILED rollback, sshd counted as reloaded; -T that cannot print the config leaves the plan\'s values and a warning', () => {
    expect(afterRoundTrip(staged(committed({ reload: { rc: '1', output: 'no such unit' } })), plan, 'systemctl reload ssh')).toMatchObject({ rollback: { code: 'RELOAD_FAILED', reloaded: true, reason: 'systemctl reload ssh exited 1: no such unit' } });
    const blind = afterRoundTrip(staged(committed({ effective: null, unprovable: '' })), plan, 'r');
    expect(blind).toMatchObject({ effective: { ClientAliveInterval: '300' }, explain: [], rollback: null, warnings: [expect.stringMatching(/^sshd -T cannot print this config/)] });
  });
});
