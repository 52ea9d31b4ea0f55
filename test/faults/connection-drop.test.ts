/**
 * Issue 5, fault 1: the connection drops in the middle of apply. fleet is paused at one step on
 * a real sshd host (a wrapper program inside that host's namespace waits there), the test kills
 * every session process of the host (the listener stays), and then checks: the host holds its
 * old or its new config, `sshd -t` accepts it, sshd takes a fresh login, the report says
 * CONNECTION_LOST without claiming a rollback, and the lock and journal stay behind. A second
 * `fleet apply` must find them (the first run's controller is dead), finish or undo what was
 * left, say so, and converge the host with nothing left over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import type { HostResult } from '../../src/engine/types.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { configKind, configSnapshot, health, inventoryFor, lockRunId, lockState, runFlags, writePolicy } from '../helpers/faults.js';
import { hostScript, killSessions, pauseCommand, pausePoint, wrapProgram } from '../helpers/inject.js';
import { listenerSockets } from '../helpers/listener.js';

const WANT = { ClientAliveInterval: 411, ClientAliveCountMax: 7 };
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 5, namePrefix: 'drop', shapes: ['debian12'] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

/** A drop point: how to make fleet wait at it, and what must be true there and afterwards. */
interface DropPoint {
  /** The pause point's name. */
  id: string;
  /** Inventory vars for the host (an sshd wrapper or a reload command with a pause in it). */
  vars(h: LabHost): Record<string, string>;
  /** Other faults to set up inside the host; returns their undo. */
  wrap?(h: LabHost): Promise<() => Promise<void>>;
  /** What the lock's state file says while fleet waits there ('' = not written yet). */
  state: string;
  /** Which config the host's files hold after the drop. */
  files: 'old' | 'new';
  /** Whether sshd had been reloaded (runs the new config) when the session died. */
  reloaded: boolean;
  /** What the next run's warning must say it did. */
  recovery: RegExp;
}

/** sshd_binary wrapper: pauses the first time it is called in a given situation, else is the real sshd. */
const sshdPausingWhen = (h: LabHost, id: string, condition: string): Record<string, string> => ({
  sshd_binary: hostScript(h, `sshd-${id}`, `if ${condition}; then ${pauseCommand(id)}; fi\nexec /usr/sbin/sshd "$@"`),
});

const POINTS: Record<string, DropPoint> = {
  'while sshd -t checks the staged candidate (nothing written next to the live files yet)': {
    id: 'stage',
    vars: (h) => sshdPausingWhen(h, 'stage', 'case "$*" in *fleet-stage-*) true;; *) false;; esac'),
    state: '',
    files: 'old',
    reloaded: false,
    recovery: /nothing was half-done, lock removed/,
  },
  'after the candidate is written beside its target, before the commit': {
    id: 'write',
    vars: () => ({}),
    // The write step creates the candidate with `cp -p` from its target (owner and mode), then
    // writes its content: pause right after the copy.
    wrap: (h) => wrapProgram(lab, h, '/usr/bin/cp', `"$REAL" "$@"; rc=$?\ncase "$*" in *.fleet-tmp-*) ${pauseCommand('write')};; esac\nexit $rc`),
    state: '',
    files: 'old',
    reloaded: false,
    recovery: /nothing was half-done, lock removed/,
  },
  'after the backups and the journal are written, before the rename': {
    id: 'journal',
    vars: () => ({}),
    // The commit script flushes the journal with sync just before it renames anything.
    wrap: (h) => wrapProgram(lab, h, '/usr/bin/sync', `${pauseCommand('journal')}\nexec "$REAL" "$@"`),
    state: 'journal',
    files: 'old',
    reloaded: false,
    // State `journal`: no live file has changed yet, so there is nothing to restore (and the
    // backups, which a kill could have cut short, are never copied back).
    recovery: /\(state journal; its controller process is gone\): nothing was half-done, lock removed/,
  },
  'after the rename, while sshd -t checks the live files': {
    id: 'renamed',
    vars: (h) => sshdPausingWhen(h, 'renamed', '[ "$(cat /run/fleet.lock/state 2>/dev/null)" = committed ]'),
    state: 'committed',
    files: 'new',
    reloaded: false,
    recovery: /restored its files from the journal and reloaded sshd/,
  },
  'after the reload, before the fresh-login proof': {
    id: 'reloaded',
    vars: () => ({ sshd_reload_command: `kill -HUP "$(cat /run/sshd.pid)" && ${pauseCommand('reloaded')}` }),
    state: 'committed',
    files: 'new',
    reloaded: true,
    recovery: /restored its files from the journal and reloaded sshd/,
  },
};

const whichConfig = (before: Map<string, string>, h: LabHost, effective: Record<string, string>) => configKind(before, h, effective, WANT);

describe.sequential('the connection drops in the middle of apply', () => {
  const names = Object.keys(POINTS);
  it.each(names.map((name, i) => [name, i] as const))('%s', async (name, i) => {
    const point = POINTS[name]!;
    const h = lab.hosts[i]!;
    const pause = pausePoint(h, point.id);
    const undo = point.wrap ? await point.wrap(h) : async () => undefined;
    try {
      const policy = writePolicy(lab.dir, `drop${i}`, inventoryFor(lab, [h], point.vars), WANT);
      const before = configSnapshot(h);
      const socketsBefore = listenerSockets(lab.pid(h));

      const first = fleet(['apply', policy, ...runFlags(lab)]);
      await pause.reached();
      expect(lockState(h), 'the lock state where fleet waits').toBe(point.state);
      const deadRun = lockRunId(h);
      expect(await killSessions(lab, h)).toBeGreaterThan(0);
      const run1 = await first;
      const r1 = jsonReport(run1).hosts[0]!;
      expect(run1.code).toBe(1);
      expect([r1.status, r1.error?.code, r1.rolled_back], r1.error?.message).toEqual(['failed', 'CONNECTION_LOST', false]);

      // Between the runs: old or new config (as planned for this point), valid, accepting.
      const mid = await health(lab, h);
      expect(mid.valid, mid.sshdTError).toBe(true);
      expect(whichConfig(before, h, mid.effective)).toBe(point.files);
      expect(listenerSockets(lab.pid(h)) !== socketsBefore, 'sshd reloaded before the drop').toBe(point.reloaded);
      expect(await lab.isAccepting(h)).toBe(true);
      // The dead run's lock stays, so no other run can start on a half-done host unawares.
      expect(mid.locked).toBe(true);
      expect(lockRunId(h)).toBe(deadRun);
      if (point.id === 'write') expect(mid.temps.length, 'the candidate is left beside its target').toBe(1);

      // The next run sees the dead owner, finishes or undoes its work, says so, and converges.
      const run2 = await fleet(['apply', policy, ...runFlags(lab)]);
      const r2: HostResult = jsonReport(run2).hosts[0]!;
      expect(run2.code, run2.stdout).toBe(0);
      expect(r2.status).toBe('changed');
      const note = r2.warnings.find((w) => w.includes(`interrupted run ${deadRun}`));
      expect(note, r2.warnings.join('\n')).toMatch(point.recovery);
      const end = await health(lab, h);
      expect(end.valid, end.sshdTError).toBe(true);
      expect(whichConfig(before, h, end.effective)).toBe('new');
      expect(await lab.isAccepting(h)).toBe(true);
      expect([end.locked, end.temps, end.stages]).toEqual([false, [], []]);
    } finally {
      pause.release();
      await undo();
    }
  });
});
