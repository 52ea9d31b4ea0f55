/**
 * The commands behind the CLI: load and check the user's files, run the engine, render the
 * report, and turn the outcome into an exit code. The only place that knows about exit codes.
 */
import { randomBytes } from 'node:crypto';
import { hostname, homedir } from 'node:os';
import { ConfigError, FleetError, formatDiagnostic } from '../core/errors.js';
import { exitCode, type Command } from '../engine/types.js';
import { FORMATS, render, wantsColor, type Format } from '../report/index.js';
import { plainProgress, silentProgress, type Progress } from '../report/progress.js';
import { stripControls } from '../report/safe-text.js';
import { defaultUser } from './inputs.js';
import { loadRun } from './load.js';
import { ReportFile } from './output.js';

/** Seconds to connect, shake hands and log in when neither --timeout nor ssh_config's ConnectTimeout says. */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

export async function validateCommand(policyPath: string, inventoryPath?: string | readonly string[], listHosts = false): Promise<number> {
  const { validateFiles } = await import('./validate.js');
  const result = await validateFiles(policyPath, inventoryPath, { user: defaultUser(), home: homedir() });
  for (const d of result.diagnostics) process.stderr.write(stripControls(formatDiagnostic(d)) + '\n');
  if (listHosts && result.ok) {
    process.stdout.write((await import('./listHosts.js')).listHostsText(result.selected));
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
  progress: boolean;
}

export async function runCommand(command: Command, policyPath: string, raw: Record<string, unknown>): Promise<number> {
  const flags = raw as unknown as RunFlags;
  if (!FORMATS.includes(flags.format)) throw new FleetError('CONFIG_INVALID', `--format must be one of ${FORMATS.join(', ')}`);
  let loaded;
  try {
    loaded = await loadRun(policyPath, flags, defaultUser());
  } catch (error) {
    return reportInputError(error);
  }
  const { policy, hosts, serial, warnings } = loaded;
  for (const w of warnings) process.stderr.write(stripControls(formatDiagnostic(w)) + '\n');
  if (flags.listHosts) {
    process.stdout.write((await import('./listHosts.js')).listHostsText(hosts));
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
  try {
    await connector.checkIdentity();
    if (flags.out) reportFile = await ReportFile.reserve(flags.out);
  } catch (error) {
    return reportInputError(error);
  }

  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const lockOwner = `${runId} ${hostname()} ${process.pid} ${Math.floor(Date.now() / 1000)}`;
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
        ownerAlive,
        now: () => new Date(),
        step,
        loginRetryDelaysMs: [100, 250, 500, 1000, 2000],
      }),
    });
    await progress.done();
    const text = render(report, flags.format, { color: wantsColor(reportFile === undefined && process.stdout.isTTY === true) });
    const code = abort.signal.aborted ? 130 : exitCode(report);
    const written = reportFile ? await writeReport(reportFile, text) : (process.stdout.write(text), true);
    if (flags.out || flags.format !== 'text') {
      const { summaryLine } = await import('../report/text.js');
      process.stderr.write(summaryLine(report) + '\n');
    }
    if (code === 130) return code;
    return written && bugs.count() === 0 ? code : 1;
  } finally {
    await reportFile?.discard();
    stopSignals();
    bugs.stop();
    await connector.closeAll();
  }
}

/**
 * Writes the --out file; when that fails at the end (the folder went away during the run), the
 * report goes to stdout rather than being lost, and the run exits 1.
 */
export async function writeReport(file: ReportFile, text: string): Promise<boolean> {
  try {
    await file.commit(text);
    return true;
  } catch (error) {
    process.stderr.write(`fleet: ${stripControls((error as Error).message)}; the report follows on stdout\n`);
    process.stdout.write(text);
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

/** A lock owner line is `<runId> <controller host> <pid> <epoch>`; a lock of a dead local process is stale. */
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
