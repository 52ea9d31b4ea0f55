/**
 * One host's run. apply is a fixed, forward-only sequence in which every step can be undone
 * by the one before it:
 *
 *   lock + facts → plan → stage + `sshd -T` + write candidates → backup, journal, rename,
 *   `sshd -T` (`-t` for the reason), promise check, reload → fresh login → finish (prune
 *   backups, unlock)
 *
 * The arrows are not all round trips: a changed host costs 3 commands over 2 connections (the
 * finish runs on the fresh login when no client file follows; one more when the change touches
 * what lets fleet's own login in, for the lock-out guard). Any failure after the rename
 * restores every file over the first connection (the lifeline), reloads if sshd had been
 * reloaded, and proves a login again. A host's failure is a value in its result; nothing here
 * throws past `runHost`.
 *
 * Every script's output is read once into a typed result (src/remote/results.ts), and each
 * step decides over it: the round trip's outcome (locked, failed, restore, committed and
 * proven or not) is decided by the pure `afterRoundTrip` (after-commit.ts), which this file
 * only carries out. Once planned, apply walks `ApplyState` (planned → committed → proven →
 * clients-written → finished), one small function a step.
 */
import { FleetError, InternalError } from '../core/errors.js';
import { planClients, type ClientHostPlan } from '../core/client-plan.js';
import { planHost, type HostPlan } from '../core/host-plan.js';
import { applyEdits, relocate } from '../core/sshd/index.js';
import { lockoutReason, mayChangeLogin, parseConnection } from '../core/lockout.js';
import { firstPrintedValues } from '../core/printed-config.js';
import { clientFactsScript, parseClientFacts } from '../facts/clients.js';
import type { HostFacts } from '../facts/index.js';
import { isNetworkFailure, type Transport } from '../transport/index.js';
import type { HostRunContext } from './context.js';
import { backupPathFor } from './backups.js';
import { planDrift, savedFiles } from '../core/saved-plan.js';
import { clientProblem, plannedChanges, recordOutcome, settleAfterFailure } from './changes.js';
import { writeClientFile } from './client.js';
import { keepLease, lockedError, recoverStaleLock, releaseLock, staleness } from './lock.js';
import { readApplyRoundTrip, readLockPeek, readLockTakeOutput, readRelease, readRestore, type ApplyRoundTrip, type LockTake, type LoginGuardResult, type Release, type StageResult } from '../remote/results.js';
import { afterRoundTrip, brokenMatchProofs } from './after-commit.js';
import * as S from './scripts.js';
import type { HostResult } from './types.js';

/** A step failed; `rolledBack` says whether the files were restored. */
class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly rolledBack = false,
  ) {
    super(message);
  }
}

export async function runHost(ctx: HostRunContext): Promise<HostResult> {
  const started = Date.now();
  const result: HostResult = {
    name: ctx.host.name,
    address: ctx.host.address,
    status: 'unchanged',
    changes: [],
    effective: {},
    explain: [],
    warnings: [],
    error: null,
    rolled_back: false,
    reloaded: false,
    duration_ms: 0,
  };
  let lifeline: Transport | undefined;
  try {
    ctx.step('connect');
    lifeline = await connectRetryingRefusal(ctx);
    if (ctx.command === 'apply') await applyHost(ctx, lifeline, result);
    else await inspectHost(ctx, lifeline, result);
  } catch (error) {
    const { code, message } = describe(error);
    result.status = lifeline === undefined && isNetworkFailure(code as never) ? 'unreachable' : 'failed';
    result.error = { code, message };
    if (error instanceof StepFailure) result.rolled_back = error.rolledBack;
  } finally {
    await lifeline?.close().catch(() => undefined);
    result.duration_ms = Date.now() - started;
    ctx.step('done');
  }
  return result;
}

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof StepFailure || error instanceof FleetError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** Runs a script through `sh -c`, with privilege when the host needs `become`. */
async function run(t: Transport, script: string): Promise<{ stdout: string; stderr: string }> {
  const res = await t.exec(S.inSh(script), { privileged: true });
  return { stdout: res.stdout, stderr: res.stderr };
}

function pick(effective: Record<string, string> | null, keywords: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keywords) {
    const v = effective?.[k.toLowerCase()];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

interface HostReading {
  facts: HostFacts;
  plan: HostPlan;
  clients: ClientHostPlan;
}

const NO_CLIENTS: ClientHostPlan = { files: [], explain: [], warnings: [], refusals: [] };

async function readHost(ctx: HostRunContext, t: Transport, result: HostResult, read: () => Promise<HostFacts> = () => ctx.gatherFacts(t)): Promise<HostReading> {
  ctx.step('facts');
  const facts = await read();
  if (facts.configError !== null) {
    // Never touch or reload a host whose live config sshd already rejects: its next restart
    // would fail whatever fleet did, and a reload now would keep the broken file in place.
    throw new StepFailure('CONFIG_BROKEN_BEFORE', `sshd -t rejects the current config, so the host was left untouched: ${facts.configError}`);
  }
  const clients = ctx.policy.client ? await readClients(t, ctx.policy.client) : NO_CLIENTS;
  ctx.step('plan');
  const plan = planHost(facts, ctx.policy);
  result.effective = pick(facts.effective, Object.keys(ctx.policy.sshd));
  result.explain = [...plan.explain, ...clients.explain];
  result.warnings.push(...plan.warnings, ...clients.warnings);
  // A refused client file is only that file's problem: the others and sshd are still planned.
  result.changes = plannedChanges(plan.files, clients);
  const files = savedFiles(plan.files, clients.files);
  ctx.onPlanned?.(files, plan.promised);
  const reviewed = ctx.reviewed?.get(ctx.host.name);
  if (reviewed !== undefined) {
    // apply --plan: only the reviewed change, made from the same bytes, may be applied.
    const moved = planDrift(reviewed.files, files, (path) => facts.tree.files.get(path));
    if (moved.length > 0) {
      result.changes = [];
      throw new StepFailure('CONFLICT', `the host changed since the plan was reviewed, so nothing was written: ${moved.join('; ')}`);
    }
  }
  return { facts, plan, clients };
}

async function readClients(t: Transport, client: NonNullable<HostRunContext['policy']['client']>): Promise<ClientHostPlan> {
  const res = await t.exec(S.inSh(clientFactsScript(client.users, client.system)), { privileged: true });
  try {
    return planClients(parseClientFacts(res.stdout, client.users, client.system), client);
  } catch (error) {
    throw new StepFailure('FACTS_FAILED', `could not read the client configs: ${describe(error).message} ${res.stderr.trim()}`);
  }
}

/**
 * Proves the candidate with the real sshd, against the whole config, in a private folder:
 * sshd must accept it and its `sshd -T` must show the promised values, before anything live
 * changes. `then` (apply's write, commit and reload) runs in the same round trip, on the host,
 * only once both hold and the lock-out guard lets it: the candidate's login lines for the login
 * in use are the live ones, or `approved` (the lines fleet judged safe in a first round trip).
 * A candidate that would refuse that login is `LOCKOUT_RISK`, on plan and apply alike.
 */
async function stageAndValidate(ctx: HostRunContext, t: Transport, result: HostResult, facts: HostFacts, plan: HostPlan, then = '', lock = '', approved = ''): Promise<ApplyRoundTrip> {
  ctx.step('stage');
  const stageRoot = `/tmp/fleet-stage-${ctx.runId}-${Math.random().toString(36).slice(2, 10)}`;
  const candidate = relocate(applyEdits(facts.tree, plan.files), stageRoot);
  const guard = mayChangeLogin(ctx.policy) ? { user: ctx.host.user, liveMain: facts.tree.main, approved } : undefined;
  const out = await run(t, S.stageScript(S.sshdCommandOf(facts), stageRoot, candidate.main, candidate.files, plan.promised, then, lock, guard, plan.matchProofs));
  const trip = readApplyRoundTrip(out.stdout, out.stderr, lock !== '');
  // The lock comes first: a host someone else holds is reported as such, and nothing was staged.
  if (trip.kind === 'not-locked') return trip;
  const guardResult = judgeStage(trip.stage, plan, stageRoot, then !== '');
  if (guardResult.kind === 'unknown') result.warnings.push('lock-out guard skipped: the session has no $SSH_CONNECTION to test the login with (the fresh-login proof still stands behind the change)');
  if (guardResult.kind !== 'held') return trip;
  // The candidate changes what decides whether fleet's own login is let in: judge it. The host
  // wrote nothing; when the change is safe, apply stages again with those lines approved.
  const reason = lockoutFrom(guardResult, ctx.host.user)?.replaceAll(stageRoot, '') ?? null;
  if (reason !== null) throw new StepFailure('LOCKOUT_RISK', `${reason}: nothing was written`);
  if (then === '') return trip;
  if (approved !== '') throw new StepFailure('CONFLICT', 'the login settings sshd gives the candidate changed between two looks; nothing was written, run again');
  return stageAndValidate(ctx, t, result, facts, plan, then, lock, guardResult.candidate);
}

/**
 * What sshd said about the staged candidate, as a step: a candidate it rejects, or whose
 * `sshd -T` lacks a promised value, fails the host; else the lock-out guard's findings. With
 * `then`, the host's own promise check decided (and the commit's proof follows); without, it is
 * fleet's reading that decides for a dry run.
 */
function judgeStage(stage: StageResult, plan: HostPlan, stageRoot: string, then: boolean): LoginGuardResult {
  switch (stage.kind) {
    case 'not-staged':
      throw new StepFailure('WRITE_FAILED', `could not stage the candidate under /tmp: ${stage.said}`);
    case 'rejected':
      throw new StepFailure('CANDIDATE_REJECTED', `sshd -t rejects the candidate config: ${stage.message.replaceAll(stageRoot, '').trim() || 'no message'}`);
    case 'promise-broken':
    case 'staged': {
      if (stage.kind === 'staged' && stage.effective === null) return stage.guard;
      const staged = stage.effective ?? {};
      const wrong = Object.entries(plan.promised).filter(([k, v]) => staged[k.toLowerCase()] !== v);
      const matchWrong = brokenMatchProofs(stage.matchRuns, plan.matchProofs, stageRoot);
      if (stage.kind === 'promise-broken' || (!then && wrong.length + matchWrong.length > 0)) {
        const what = [...wrong.map(([k, v]) => `${k} would be ${staged[k.toLowerCase()] ?? '(unset)'}, promised ${v}`), ...matchWrong].join('; ') || 'a promised value is missing';
        throw new StepFailure('VERIFY_FAILED', `sshd -T on the candidate disagrees with the plan (${what}); nothing was changed`);
      }
      return stage.kind === 'staged' ? stage.guard : { kind: 'not-run' };
    }
  }
}

/** The lock-out guard's verdict on what the stage script found (see `lockoutReason`). */
function lockoutFrom(guard: Extract<LoginGuardResult, { kind: 'held' }>, user: string): string | null {
  const connection = parseConnection(guard.connection);
  if (connection === null) return `could not read the login in use ($SSH_CONNECTION), so a change to the login settings cannot be proven safe`;
  if (guard.candidate.startsWith('unreadable:')) return `sshd -T -C cannot evaluate the candidate for fleet's own login (${guard.candidate.slice(11).trim() || 'no message'}), so it cannot be proven safe`;
  return lockoutReason(guard.candidate, guard.live, { user, groups: guard.groups, ...connection }, guard.keyFiles);
}

async function inspectHost(ctx: HostRunContext, t: Transport, result: HostResult): Promise<void> {
  const { facts, plan, clients } = await readHost(ctx, t, result);
  await inspectPlan(ctx, t, result, facts, plan, clients.files.length > 0);
  const refused = clientProblem(result.changes, clients, ctx.command);
  if (refused !== null) throw new StepFailure(refused.code, refused.message);
}

async function inspectPlan(ctx: HostRunContext, t: Transport, result: HostResult, facts: HostFacts, plan: HostPlan, clientsPending: boolean): Promise<void> {
  const pending = plan.files.length > 0 || clientsPending;
  if (ctx.command === 'check') {
    result.status = pending || plan.drift.length > 0 ? 'changed' : 'unchanged';
    if (plan.drift.length > 0) result.warnings.push(`drift: ${plan.drift.map((k) => `${k} is ${result.effective[k] ?? '(unset)'}, policy wants ${plan.promised[k]}`).join('; ')}`);
    return;
  }
  if (!pending) {
    if (plan.drift.length > 0) throw driftWithoutEdit(plan, result);
    return;
  }
  if (plan.files.length > 0) await stageAndValidate(ctx, t, result, facts, plan);
  result.status = 'changed';
}

function driftWithoutEdit(plan: HostPlan, result: HostResult): StepFailure {
  const what = plan.drift.map((k) => `${k} ${result.effective[k] ?? '(unset)'} (wanted ${plan.promised[k]})`).join(', ');
  return new StepFailure('VERIFY_FAILED', `no file edit can be planned, yet sshd -T reports ${what}: the value comes from outside the config files (command line or build default)`);
}

/**
 * What this run holds of the host's lock: `taken` in the commit round trip, `released` once a
 * script of this run removed it on the host.
 */
interface LockHold {
  taken: boolean;
  released: boolean;
}

/**
 * Where one host's apply stands once it is planned. Each step takes one state to the next and
 * only forward; a failure on the way is a StepFailure (after a rollback, `rolledBack`), which
 * `applyHost` settles and `runHost` records, so no state is "failed":
 *
 *   planned → committed (sshd's files live, proven by `sshd -T`, sshd reloaded: one round trip)
 *           → proven (a fresh login works) → clients-written → finished
 *   planned → locked (client files only: the lock is taken for them) → clients-written → finished
 *
 * `finished` on the way is the finish's answer when the fresh login already ran it.
 */
type ApplyState =
  | { at: 'planned' }
  | { at: 'committed' }
  | { at: 'proven'; finished: Release | null }
  | { at: 'locked' }
  | { at: 'clients-written'; finished: Release | null }
  | { at: 'finished' };

/** What every step of one host's apply reads: the run, the planned host, the lock held, the backups' stamp and the finish. */
interface ApplyRun {
  ctx: HostRunContext;
  t: Transport;
  result: HostResult;
  reading: HostReading;
  hold: LockHold;
  stamp: string;
  finish: string;
}

async function applyHost(ctx: HostRunContext, t: Transport, result: HostResult): Promise<void> {
  const reading = await readForApply(ctx, t, result);
  const { plan, clients } = reading;
  // A refused or failed client file fails the host, and stops nothing else: sshd's change
  // stands on its own proof and every other file was written.
  const judgeClients = (): void => {
    const problem = clientProblem(result.changes, clients, 'apply');
    if (problem !== null) [result.status, result.error] = ['failed', problem];
  };
  if (plan.files.length === 0 && clients.files.length === 0) {
    if (plan.drift.length > 0) throw driftWithoutEdit(plan, result);
    judgeClients();
    return;
  }
  const hold: LockHold = { taken: false, released: false };
  const stopLease = keepLease(ctx, t);
  // The lock is kept (with its journal) only when files could not be restored or the lifeline
  // is gone: the next run must see it and recover.
  let keepLock = false;
  try {
    const stamp = ctx.now().toISOString().replace(/[-:]/g, '');
    const apply: ApplyRun = { ctx, t, result, reading, hold, stamp, finish: S.finishScript(ctx.lockOwner, plan.writes.map((f) => f.path)) };
    for (let state: ApplyState = { at: 'planned' }; state.at !== 'finished'; ) state = await step(apply, state);
    judgeClients();
  } catch (error) {
    const code = describe(error).code;
    keepLock = code === 'ROLLBACK_FAILED' || code === 'CONNECTION_LOST';
    // No file may read as written when the step that would have written it never ran.
    settleAfterFailure(result.changes, new Set(plan.files.map((f) => f.path)), { code, rolledBack: error instanceof StepFailure ? error.rolledBack : null });
    throw error;
  } finally {
    stopLease();
    if (hold.taken && !hold.released && !keepLock) await releaseLock(t, ctx.lockOwner).catch(() => undefined);
  }
}

/**
 * facts → planned: a look at the lock with the facts (a stale lock a dead run left is
 * recovered first, then the host read afresh), then the plan.
 */
async function readForApply(ctx: HostRunContext, t: Transport, result: HostResult): Promise<HostReading> {
  ctx.step('facts');
  let probe = await ctx.probeAfter(t, S.lockPeekScript(ctx.lockLeaseSeconds));
  const held = readLockPeek(probe.stdout);
  if (held !== null) {
    const stale = staleness(ctx, held);
    if (stale === null) throw lockedError(held);
    // A fleet that died mid-apply (SIGKILL, power loss, a CI runner gone) left its journal:
    // finish or undo it first, then read the host afresh.
    ctx.step('lock');
    const recovered = await recoverStaleLock(ctx, t, held, stale);
    result.warnings.push(recovered.note);
    if (recovered.reloaded) result.reloaded = true;
    probe = await ctx.probeAfter(t, '');
  }
  const readFacts = probe.readFacts ?? ((): Promise<HostFacts> => Promise.reject(new FleetError('FACTS_FAILED', `${t.host.name}: the facts probe did not start (${probe.stderr.trim() || 'no message'})`)));
  return readHost(ctx, t, result, readFacts);
}

/**
 * One step of the apply. Per changed host that is 3 commands over 2 connections: facts (with a
 * look at the lock); stage, lock, write, commit and reload; and a fresh login that runs the finish.
 */
function step(apply: ApplyRun, state: ApplyState): Promise<ApplyState> {
  switch (state.at) {
    case 'planned':
      return apply.reading.plan.files.length > 0 ? commitSshd(apply) : lockForClients(apply);
    case 'committed':
      return proveCommitted(apply);
    case 'proven':
    case 'locked':
      return writeClients(apply, state.at === 'proven' ? state.finished : null);
    case 'clients-written':
      return finishRun(apply, state.finished);
    case 'finished':
      throw new InternalError('a finished apply has no next step');
  }
}

/** planned → committed: the one round trip that stages, locks, writes, commits and reloads (a failure rolls back and throws). */
async function commitSshd({ ctx, t, result, reading, hold, stamp }: ApplyRun): Promise<ApplyState> {
  await applySshd(ctx, t, result, reading.facts, reading.plan, stamp, hold);
  return { at: 'committed' };
}

/** committed → proven: a fresh login; when nothing comes after it, it runs the finish itself (one command fewer). */
async function proveCommitted({ ctx, t, result, reading, hold, finish }: ApplyRun): Promise<ApplyState> {
  ctx.step('login');
  const login = await proveLogin(ctx, reading.clients.files.length === 0 ? finish : undefined);
  if (login.failure !== null) await rollback(ctx, t, reading.facts, result, hold, true, 'LOGIN_FAILED', `a fresh login failed after the reload: ${login.failure}`);
  for (const f of reading.plan.files) recordOutcome(result.changes, f.path, 'written');
  return { at: 'proven', finished: login.stdout === null ? null : readRelease(login.stdout) };
}

/** planned → locked: client files only, written under the lock too. */
async function lockForClients({ ctx, t, result, hold }: ApplyRun): Promise<ApplyState> {
  const taken = await run(t, S.lockScript(ctx.lockOwner, ctx.lockLeaseSeconds));
  takeOrThrow(readLockTakeOutput(taken.stdout, taken.stderr), result, hold);
  return { at: 'locked' };
}

/** proven or locked → clients-written: each client file on its own (applyClients). */
async function writeClients({ ctx, t, result, reading, stamp }: ApplyRun, finished: Release | null): Promise<ApplyState> {
  if (reading.clients.files.length > 0) await applyClients(ctx, t, result, reading.clients, stamp);
  return { at: 'clients-written', finished };
}

/** clients-written → finished: the finish (prune backups, unlock) unless the fresh login already ran it. */
async function finishRun({ t, result, hold, finish }: ApplyRun, finished: Release | null): Promise<ApplyState> {
  const release = finished !== null && finished.finished ? finished : readRelease((await run(t, finish)).stdout);
  if (release.unlocked) hold.released = true;
  result.status = 'changed';
  return { at: 'finished' };
}

/** Reads a lock script's answer: ours now, or LOCKED (the host untouched by this run: no plan is reported). */
function takeOrThrow(lock: LockTake, result: HostResult, hold: LockHold): void {
  if (lock.kind === 'acquired') {
    hold.taken = true;
    return;
  }
  result.changes = [];
  result.explain = [];
  if (lock.kind === 'held') throw new StepFailure('LOCKED', lockedError(lock.lock).message);
  throw new StepFailure('LOCKED', `could not create ${S.LOCK_DIR}: ${lock.message}`);
}

/**
 * Stages and proves the candidate, takes the lock, writes the candidate beside its target,
 * compares the live files with the plan, commits and reloads sshd: one round trip, each part
 * run by the host only when the one before it held. A round trip that ends without an answer
 * (a timeout) may have changed live files: the host is put back over the lifeline
 * (`rollback` stops the script first), as after any other failure past the write.
 */
async function applySshd(ctx: HostRunContext, t: Transport, result: HostResult, facts: HostFacts, plan: HostPlan, stamp: string, hold: LockHold): Promise<void> {
  const replacements = plan.writes.map((file) => ({ file, backup: file.before === null ? null : backupPathFor(file.path, stamp, facts.tree) }));
  const commitAndReload = S.commitScript(S.sshdCommandOf(facts), facts.tree.main, replacements, ctx.runId, { reload: facts.reload.command, promised: plan.promised, matchProofs: plan.matchProofs }, true);
  const then = [S.writeCandidatesScript(plan.writes, ctx.runId, facts.tree.main, true), commitAndReload].join('\n');
  let trip: ApplyRoundTrip;
  try {
    // A failure the stage reports (the candidate rejected) gave the lock back on the host.
    trip = await stageAndValidate(ctx, t, result, facts, plan, then, S.lockScript(ctx.lockOwner, ctx.lockLeaseSeconds));
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    const { code, message } = describe(error);
    if (code === 'CONNECTION_LOST' || isNetworkFailure(code as never)) throw error;
    hold.taken = true;
    return rollback(ctx, t, facts, result, hold, true, code, `${message} (while staging, committing or reloading)`, true);
  }
  ctx.step('commit');
  const next = afterRoundTrip(trip, plan, facts.reload.command);
  if (next.kind === 'locked') return takeOrThrow(next.lock, result, hold);
  hold.taken = true;
  if (trip.unlocked) hold.released = true;
  switch (next.kind) {
    case 'failed':
      throw new StepFailure(next.code, next.message, next.rolledBack);
    case 'restore':
      return rollback(ctx, t, facts, result, hold, next.order.reloaded, next.order.code, next.order.reason);
    case 'committed':
      result.reloaded = next.reloaded;
      result.warnings.push(...next.warnings);
      result.effective = next.effective;
      result.explain.push(...next.explain);
      if (next.rollback !== null) await rollback(ctx, t, facts, result, hold, next.rollback.reloaded, next.rollback.code, next.rollback.reason);
  }
}

/**
 * Client files go after sshd is proven, each on its own: one that is refused or fails is
 * recorded as such and leaves every other file, and sshd's proven change, in place.
 */
async function applyClients(ctx: HostRunContext, t: Transport, result: HostResult, clients: ClientHostPlan, stamp: string): Promise<void> {
  ctx.step('client');
  for (const file of clients.files) {
    const outcome = await writeClientFile(t, file, ctx.runId, stamp);
    recordOutcome(result.changes, file.path, outcome.status, outcome.status === 'written' ? undefined : outcome.reason);
  }
}

/**
 * The first connection. A refused one is tried again a few times over about a second: an sshd
 * re-executing itself on SIGHUP (another run's reload, a package upgrade) refuses connections
 * for a moment, and that host is not down. Every other failure is final at once.
 */
async function connectRetryingRefusal(ctx: HostRunContext): Promise<Transport> {
  for (const delay of [...REFUSED_RETRY_DELAYS_MS, -1]) {
    try {
      return await ctx.connect(ctx.host);
    } catch (error) {
      const refused = error instanceof FleetError && error.code === 'UNREACHABLE' && /refused/i.test(error.message);
      if (!refused || delay < 0) throw error;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  throw new InternalError('unreachable: the retry loop always returns or throws');
}

const REFUSED_RETRY_DELAYS_MS = [200, 800];

/**
 * A new handshake and login while the first session stays open, running `script` (with
 * privilege) or else `true`. sshd re-executes itself on SIGHUP, so a refused connection in the
 * first moments is retried; anything else is final. `failure` is null on success, else the
 * reason; `markers` are what the script printed.
 */
export async function proveLogin(ctx: HostRunContext, script?: string): Promise<{ failure: string | null; stdout: string | null }> {
  let last = '';
  for (const delay of [0, ...ctx.loginRetryDelaysMs]) {
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    try {
      const fresh = await ctx.connect(ctx.host);
      try {
        const res = script === undefined ? await fresh.exec('true') : await fresh.exec(S.inSh(script), { privileged: true });
        if (res.code === 0) return { failure: null, stdout: res.stdout };
        last = `${script === undefined ? '`true`' : 'the first command'} exited ${res.code ?? res.signal}`;
      } finally {
        await fresh.close().catch(() => undefined);
      }
    } catch (error) {
      const { code, message } = describe(error);
      last = `${code}: ${message}`;
      if (!isNetworkFailure(code as never) && code !== 'CONNECTION_LOST') return { failure: last, stdout: null };
    }
  }
  return { failure: last, stdout: null };
}

/**
 * Restarts sshd through its service manager, then proves a login: `failure` is null when
 * logins work again, else what to add to the report (nothing to try without a service manager).
 */
async function restartSshd(ctx: HostRunContext, t: Transport, facts: HostFacts): Promise<{ failure: string | null }> {
  const restart = facts.reload.restart;
  if (restart === undefined) return { failure: `; no service manager to restart sshd with (${facts.reload.kind} reload)` };
  const res = await t.exec(S.inSh(restart), { privileged: true }).catch((e: unknown) => ({ code: null, stderr: describe(e).message }));
  const login = (await proveLogin(ctx)).failure;
  if (login === null) return { failure: null };
  return { failure: `; \`${restart}\` exited ${res.code ?? 'abnormally'}${res.stderr.trim() ? ` (${res.stderr.trim()})` : ''} and ${login}` };
}

/**
 * Restores every file over the lifeline; reloads and proves a login again when sshd had been
 * reloaded (or may have been: `stopCommit`, after a commit round trip that gave no answer,
 * first stops that script on the host; if it had not renamed anything yet, its lock is
 * simply given back). Always throws.
 */
async function rollback(ctx: HostRunContext, t: Transport, facts: HostFacts, result: HostResult, hold: LockHold, reloaded: boolean, code: string, reason: string, stopCommit = false): Promise<never> {
  ctx.step('rollback');
  let out;
  try {
    out = await run(t, S.restoreScript(S.sshdCommandOf(facts), facts.tree.main, ctx.lockOwner, stopCommit));
  } catch (error) {
    throw new StepFailure('ROLLBACK_FAILED', `${code}: ${reason}; the lifeline failed during the restore (${describe(error).message}), the lock and its journal stay for the next run`);
  }
  let restored = readRestore(out.stdout);
  if (restored.kind === 'not-ours') {
    hold.taken = false;
    // Before the commit took the lock nothing was written; after it, only a finish that ran on
    // a login whose answer was lost removes the lock this early.
    if (stopCommit) throw new StepFailure(code, `${reason}; the run had not taken the lock, so nothing was written`);
    throw new StepFailure('ROLLBACK_FAILED', `${code}: ${reason}; nothing to restore: the run's lock and journal are gone (its finish had already run on the host, so sshd runs the new, validated config)`);
  }
  if (restored.kind === 'untouched') {
    hold.released = true;
    throw new StepFailure(code, `${reason}; no live file had been changed`);
  }
  if (restored.kind === 'restore-failed') {
    // Copying back can fail for a passing reason (an I/O error, a file busy): once more, while
    // the lifeline stands, before the host is left to the next run.
    try {
      out = await run(t, S.restoreScript(S.sshdCommandOf(facts), facts.tree.main, ctx.lockOwner));
    } catch (error) {
      throw new StepFailure('ROLLBACK_FAILED', `${code}: ${reason}; the restore failed, and the lifeline failed during a second one (${describe(error).message}), the lock and its journal stay for the next run`);
    }
    restored = readRestore(out.stdout);
    if (restored.kind === 'restored') reason += '; the first restore failed, a second one held';
  }
  if (restored.kind !== 'restored') {
    throw new StepFailure('ROLLBACK_FAILED', `${code}: ${reason}; the restore failed: ${out.stdout.trim()}`);
  }
  if (reloaded) {
    // The restored files must be what sshd runs. If this reload fails too, sshd most likely
    // still runs the config it had before the run (a failed reload changes nothing), so the
    // fresh login decides whether the host is safe.
    const again = await t.exec(S.inSh(facts.reload.command), { privileged: true }).catch((e: unknown) => ({ code: null, stderr: describe(e).message }));
    const login = (await proveLogin(ctx)).failure;
    if (login !== null) {
      const why = again.code === 0 ? login : `the reload exited ${again.code ?? 'abnormally'} (${again.stderr.trim()}) and ${login}`;
      // The last resort while the lifeline still stands: the service manager's restart.
      const restart = await restartSshd(ctx, t, facts);
      if (restart.failure !== null) throw new StepFailure('ROLLBACK_FAILED', `${code}: ${reason}; files restored, but sshd does not accept logins: ${why}${restart.failure}`, true);
      reason += `; after the restore the reload did not bring logins back (${why}), \`${facts.reload.restart}\` did`;
    }
    if (again.code !== 0) reason += `; the reload after the restore exited ${again.code ?? 'abnormally'} (${again.stderr.trim()}), but sshd accepts logins`;
  }
  result.effective = pick(facts.effective, Object.keys(ctx.policy.sshd));
  throw new StepFailure(code, `${reason}; rolled back${reloaded ? ' and reloaded' : ''}`, true);
}
