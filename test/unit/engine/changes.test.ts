/** Per-file outcomes in a host's result: what a failure turns `planned` into, and the host's error. */
import { describe, expect, it } from 'vitest';
import type { ClientFilePlan, ClientHostPlan } from '../../../src/core/client-plan.js';
import { clientProblem, plannedChanges, recordOutcome, settleAfterFailure } from '../../../src/engine/changes.js';

const SSHD = '/etc/ssh/sshd_config';
const ALICE = '/home/alice/.ssh/config';
const BOB = '/home/bob/.ssh/config';

function userFile(user: string, path: string): ClientFilePlan {
  return { owner: { kind: 'user', user, home: `/home/${user}` }, uid: 1000, gid: 1000, mode: 0o600, createDir: false, path, before: null, after: 'x\n', diff: `+++ ${path}\n`, promised: {} };
}

const clients: ClientHostPlan = {
  files: [userFile('bob', BOB)],
  explain: [],
  warnings: [],
  refusals: [{ user: 'alice', path: ALICE, reason: `${ALICE} is a symlink` }],
};

const fresh = () => plannedChanges([{ path: SSHD, diff: `+++ ${SSHD}\n` }], clients);

describe('plannedChanges', () => {
  it('lists the server files, the client files and the refused ones, each with its status', () => {
    expect(fresh()).toEqual([
      { file: SSHD, diff: `+++ ${SSHD}\n`, status: 'planned' },
      { file: BOB, diff: `+++ ${BOB}\n`, status: 'planned' },
      { file: ALICE, diff: '', status: 'refused', reason: `${ALICE} is a symlink` },
    ]);
  });
});

describe('settleAfterFailure: no file of a failed apply still reads as planned', () => {
  const settle = (code: string, rolledBack: boolean | null) => {
    const changes = fresh();
    settleAfterFailure(changes, new Set([SSHD]), { code, rolledBack });
    return Object.fromEntries(changes.map((c) => [c.file, c.status]));
  };

  it('a clean failure before the rename: nothing applied', () => {
    expect(settle('CANDIDATE_REJECTED', false)).toEqual({ [SSHD]: 'not_applied', [BOB]: 'not_applied', [ALICE]: 'refused' });
  });

  it('a rollback: the server file was restored, the client files never attempted', () => {
    expect(settle('LOGIN_FAILED', true)).toEqual({ [SSHD]: 'restored', [BOB]: 'not_applied', [ALICE]: 'refused' });
  });

  it('a failed restore or a lost connection: the server file is unknown, never "not applied"', () => {
    expect(settle('ROLLBACK_FAILED', false)[SSHD]).toBe('unknown');
    expect(settle('CONNECTION_LOST', null)[SSHD]).toBe('unknown');
    expect(settle('CONNECTION_LOST', null)[BOB]).toBe('not_applied');
  });

  it('an outcome already recorded is kept', () => {
    const changes = fresh();
    recordOutcome(changes, SSHD, 'written');
    settleAfterFailure(changes, new Set([SSHD]), { code: 'CONNECTION_LOST', rolledBack: null });
    expect(changes.map((c) => c.status)).toEqual(['written', 'not_applied', 'refused']);
  });
});

describe('clientProblem', () => {
  it('names each refused or failed client file with its reason, and what was written', () => {
    const changes = fresh();
    recordOutcome(changes, SSHD, 'written');
    recordOutcome(changes, BOB, 'written');
    expect(clientProblem(changes, clients, 'apply')).toEqual({
      code: 'CLIENT_UNSAFE',
      message: `alice's ${ALICE} refused: ${ALICE} is a symlink; written and proven: ${SSHD}, bob's ${BOB}`,
    });
  });

  it('a failed write outranks a refusal (CLIENT_FAILED); plan says "would be written"', () => {
    const changes = fresh();
    recordOutcome(changes, BOB, 'unknown', 'the write\'s answer was lost');
    expect(clientProblem(changes, clients, 'apply')).toMatchObject({ code: 'CLIENT_FAILED', message: expect.stringContaining(`bob's ${BOB} in an unknown state: the write's answer was lost`) });
    expect(clientProblem(fresh(), clients, 'plan')?.message).toBe(`alice's ${ALICE} refused: ${ALICE} is a symlink; would be written: ${SSHD}, bob's ${BOB}`);
  });

  it('null when every client file is fine', () => {
    const ok: ClientHostPlan = { ...clients, refusals: [] };
    expect(clientProblem(plannedChanges([], ok), ok, 'plan')).toBeNull();
  });
});
