/**
 * The commands behind the CLI: load and check the user's files, run the engine, render the
 * report, and turn the outcome into an exit code. The only place that knows about exit codes.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname, homedir } from 'node:os';
import { ConfigError, FleetError, formatDiagnostic, type Diagnostic } from '../core/errors.js';
import type { Policy } from '../core/policy/index.js';
import { inShard, parseShard } from '../core/shard.js';
import { exitCode, type Command } from '../engine/types.js';
import { FORMATS, render, wantsColor, type Format } from '../report/index.js';
import { plainProgress, silentProgress, type Progress } from '../report/progress.js';
import { stripControls } from '../report/safe-text.js';
import { defaultUser } from './inputs.js';
import { loadRun, parseSerial } from './load.js';
import { ReportFile } from './output.js';
import { FLEET_VERSION } from '../version.js';

/** Seconds to connect, shake hands and log in when neither --timeout nor ssh_config's ConnectTimeout says. */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

export async function validateCommand(policyPath: string, inventoryPath?: string | readonly string[], listHosts = false): Promise<number> {
  const { validateFiles } = await import('./validate.js');
  const result = await validateFiles(policyPath, inventoryPath, { user: defaultUser(), home: homedir() });
  for (const d of result.diagnostics) process.stderr.write(stripControls(formatDiagnostic(d)) + '\n');
  if (listHosts && result.ok) {
    process.stdout.write((await import('./list-hosts.js')).listHostsText(result.selected));
    return 0;
  }
  for (const a of result.advice) process.stdout.write(`${a.severity === 'warning' ? 'warning: ' : ''}${a.message}\n`);
  if (result.ok) process.stdout.write(`${policyPath}: valid, ${result.hosts} host${result.hosts === 1 ? '' : 's'} selected\n`);
  return result.ok ? 0 : 1;
}

export interface RunFlags {
  /** Every -i, in order. */
  inventory?: string[];
  /** Print the selected hosts and where their connection values came from; connect to nothing. */
  listHosts?: boolean;
  limit?: string;
  forks?: number;
  serial?: string;
  maxFailPercent?: number;
  knownHosts?: string;
  globalKnownHosts?: string;
  acceptNew?: boolean;
  identity?: string;
  user?: string;
  /** --ssh-config: one OpenSSH client config instead of ~/.ssh/config and /etc/ssh/ssh_config; `none` for none. */
  sshConfig?: string;
  /** --timeout in seconds; when absent, ssh_config's ConnectTimeout, else DEFAULT_CONNECT_TIMEOUT_S. */
  timeout?: number;
  commandTimeout: number;
  shard?: string;
  format: Format;
  out?: string;
  /** plan: also write the saved plan here. */
  savePlan?: string;
  /** apply: apply this saved plan instead of a policy. */
  plan?: string;
  progress: boolean;
}

export async function runCommand(command: Command, policyPath: string | undefined, raw: Record<string, unknown>): Promise<number> {
  const flags = raw as unknown as RunFlags;
  if (!FORMATS.includes(flags.format)) throw new FleetError('CONFIG_INVALID', `--format must be one of ${FORMATS.join(', ')}`);
  let loaded;
  try {
    loaded = await loadInputs(command, policyPath, flags);
  } catch (error) {
    return reportInputError(error);
  }
  const { policy, hosts, serial, warnings, reviewed } = loaded;
  for (const w of warnings) process.stderr.write(stripControls(formatDiagnostic(w)) + '\n');
  if (flags.listHosts) {
    process.stdout.write((await import('./list-hosts.js')).listHostsText(hosts));
    return 0;
  }

  const [{ Connector, PASSPHRASE_ENV }, { gatherFacts, probeAfter }, { runFleet }] = await Promise.all([
    import('../transport/index.js'),
    import('../facts/index.js'),
    import('../engine/runner.js'),
  ]);
  const connector = new Connector({
    ...(flags.knownHosts !== undefined ? { knownHostsFile: flags.knownHosts } : {}),
    ...(flags.globalKnownHosts !== undefined ? { globalKnownHostsFile: flags.globalKnownHosts } : {}),
    acceptNew: flags.acceptNew === true,
    ...(flags.identity ? { identityFile: flags.identity } : {}),
    ...(process.env[PASSPHRASE_ENV] ? { passphrase: process.env[PASSPHRASE_ENV] } : {}),
    ...(process.env['SSH_AUTH_SOCK'] ? { agentSocket: process.env['SSH_AUTH_SOCK'] } : {}),
    connectTimeoutMs: (flags.timeout ?? DEFAULT_CONNECT_TIMEOUT_S) * 1000,
    commandTimeoutMs: flags.commandTimeout * 1000,
  });
  // Mistakes that would fail every host, or lose the report at the end, stop the run before any host.
  let reportFile: ReportFile | undefined;
  let planFile: ReportFile | undefined;
  try {
    await connector.checkIdentity();
    if (flags.out) reportFile = await ReportFile.reserve(flags.out);
    if (flags.savePlan) planFile = await ReportFile.reserve(flags.savePlan, '--save-plan');
  } catch (error) {
    await reportFile?.discard();
    return reportInputError(error);
  }
  const collector = planFile ? new (await import('./saved-plan-file.js')).PlanCollector() : undefined;

  // A random id names the run's lock (compared on the host), temp files and stage folders.
  const runId = randomBytes(8).toString('hex');
  const lockOwner = `${runId} ${hostname()} ${process.pid}`;
  const progress = await pickProgress(flags);
  const abort = new AbortController();
  const stopSignals = handleSignals(abort);
  const bugs = containBugs();
  try {
    const report = await runFleet({
      command,
      hosts,
      policy,
      forks: flags.forks ?? loaded.forks,
      serial,
      maxFailPercent: flags.maxFailPercent ?? policy.rollout.maxFailPercent,
      acceptNew: flags.acceptNew === true,
      ...(flags.shard ? { shard: flags.shard } : {}),
      listener: progress.listener,
      signal: abort.signal,
      onInternalError: bugs.report,
      contextFor: (host, step) => ({
        command,
        host,
        policy,
        connect: (h) => connector.connect(h),
        gatherFacts,
        probeAfter,
        runId,
        lockOwner,
        lockLeaseSeconds: lockLease(flags.commandTimeout),
        ownerAlive,
        now: () => new Date(),
        step,
        loginRetryDelaysMs: [100, 250, 500, 1000, 2000],
        ...(collector ? { onPlanned: collector.onPlanned(host.name) } : {}),
        ...(reviewed ? { reviewed } : {}),
      }),
    });
    await progress.done();
    let planSaved = true;
    if (planFile && collector && !abort.signal.aborted) {
      const { plan, left } = collector.build(policy, loaded.policyText ?? '', hosts, report.hosts, new Date(report.started_at));
      planSaved = await writeReport(planFile, `${JSON.stringify(plan, null, 2)}\n`, false);
      if (left.length > 0) process.stderr.write(`fleet: ${left.length} host${left.length === 1 ? ' is' : 's are'} not in the saved plan (failed or unreachable), so apply --plan will not touch ${left.length === 1 ? 'it' : 'them'}: ${stripControls(left.join(', '))}\n`);
    }
    const text = render(report, flags.format, { color: wantsColor(reportFile === undefined && process.stdout.isTTY === true) });
    const code = abort.signal.aborted ? 130 : exitCode(report);
    const written = reportFile ? await writeReport(reportFile, text) : (process.stdout.write(text), true);
    if (flags.out || flags.format !== 'text') {
      const { summaryLine } = await import('../report/text.js');
      process.stderr.write(summaryLine(report) + '\n');
    }
    if (code === 130) return code;
    return written && planSaved && bugs.count() === 0 ? code : 1;
  } finally {
    await reportFile?.discard();
    await planFile?.discard();
    stopSignals();
    bugs.stop();
    await connector.closeAll();
  }
}

/**
 * Writes the --out file; when that fails at the end (the folder went away during the run), the
 * report goes to stdout rather than being lost, and the run exits 1.
 */
export async function writeReport(file: ReportFile, text: string, fallbackToStdout = true): Promise<boolean> {
  try {
    await file.commit(text);
    return true;
  } catch (error) {
    process.stderr.write(`fleet: ${stripControls((error as Error).message)}${fallbackToStdout ? '; the report follows on stdout' : ''}\n`);
    if (fallbackToStdout) process.stdout.write(text);
    return false;
  }
}

/**
 * While hosts are in flight, an error nobody awaits (a rejection without a handler, an exception
 * thrown in an event handler) is a bug in fleet. Node's default would end the process there:
 * exit 1, no report, hosts left mid-change. Instead it is printed, and the run goes on: every
 * host still finishes or rolls back (each command has its timeout), the report is written, and
 * the exit code is 1.
 */
function containBugs(): { report: (error: unknown) => void; count: () => number; stop: () => void } {
  let count = 0;
  const report = (error: unknown): void => {
    count += 1;
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`fleet: internal error (a bug in fleet; the run goes on and the report will be written): ${text}\n`);
  };
  process.on('unhandledRejection', report);
  process.on('uncaughtException', report);
  return {
    report,
    count: () => count,
    stop: () => {
      process.off('unhandledRejection', report);
      process.off('uncaughtException', report);
    },
  };
}

async function pickProgress(flags: RunFlags): Promise<Progress> {
  if (!flags.progress) return silentProgress;
  // A terminal too narrow to draw on (or one that reports no width) gets the plain lines.
  const drawable = process.stderr.isTTY && (process.stderr.columns ?? 0) >= 40;
  return drawable ? (await import('../report/terminal.js')).terminalProgress(process.stderr) : plainProgress(process.stderr);
}

/**
 * First Ctrl-C or SIGTERM: start no new host, let hosts in flight finish or roll back.
 * A third one exits at once, for a user who accepts leaving hosts mid-change (the next
 * apply recovers them from the journal).
 */
function handleSignals(abort: AbortController): () => void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) abort.abort();
    else if (count >= 3) process.exit(130);
    else process.stderr.write(`${signal}: still waiting for hosts in flight; send it once more to exit now\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/**
 * Seconds a host's lock stays this run's without renewal (renewed every third of it): at least
 * a minute, and twice a remote command's timeout, so a slow host never loses a live run's lock.
 */
export function lockLease(commandTimeoutSeconds: number): number {
  return Math.max(60, 2 * commandTimeoutSeconds);
}

/**
 * A lock owner line is `<runId> <controller host> <pid>`: a lock of this machine's own fleet
 * whose process is gone is stale at once (the lease covers every other controller).
 */
export function ownerAlive(owner: string): boolean {
  const [, host, pid] = owner.split(' ');
  if (host !== hostname() || pid === undefined) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function reportInputError(error: unknown): number {
  if (error instanceof ConfigError) {
    for (const d of error.diagnostics) process.stderr.write(stripControls(formatDiagnostic(d)) + '\n');
    return 1;
  }
  if (error instanceof FleetError) {
    process.stderr.write(`fleet: ${stripControls(error.message)}\n`);
    return 1;
  }
  throw error;
}

/**
 * The policy and hosts of a run: from the policy and inventory, or, for `apply --plan`, from a
 * saved plan (its policy and each host as it was planned), with the reviewed changes to hold
 * every host to.
 */
async function loadInputs(command: Command, policyPath: string | undefined, flags: RunFlags) {
  if (flags.savePlan !== undefined && command !== 'plan') throw new FleetError('CONFIG_INVALID', '--save-plan belongs to fleet plan');
  if (flags.plan === undefined) {
    if (policyPath === undefined) throw new FleetError('INPUT_MISSING', `fleet ${command} needs a policy file${command === 'apply' ? ' (or --plan FILE)' : ''}`);
    const loaded = await loadRun(policyPath, flags, defaultUser());
    const policyText = flags.savePlan !== undefined ? await readFile(policyPath, 'utf8') : undefined;
    return { ...loaded, policyText, reviewed: undefined };
  }
  if (policyPath !== undefined || flags.inventory !== undefined || flags.limit !== undefined) {
    throw new FleetError('CONFIG_INVALID', '--plan applies the saved plan as it was reviewed: give no policy, -i or --limit with it');
  }
  const { loadSavedPlan } = await import('./saved-plan-file.js');
  const saved = await loadSavedPlan(flags.plan);
  const policy = saved.policy as Policy;
  let hosts = saved.hosts.map((h) => h.spec);
  if (flags.shard) {
    const shard = parseShard(flags.shard);
    hosts = hosts.filter((h) => inShard(h.name, shard));
  }
  const warnings: Diagnostic[] = [];
  if (saved.fleet_version !== FLEET_VERSION) {
    warnings.push({ file: flags.plan, line: 0, col: 0, severity: 'warning', message: `saved by fleet ${saved.fleet_version}, applied by ${FLEET_VERSION}: a host whose plan now differs is not touched (CONFLICT)` });
  }
  return {
    policy,
    hosts,
    forks: policy.rollout.forks,
    serial: flags.serial ? parseSerial(flags.serial) : policy.rollout.serial,
    warnings,
    policyText: undefined,
    reviewed: new Map(saved.hosts.map((h) => [h.spec.name, h])),
  };
}
