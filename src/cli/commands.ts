/**
 * The commands behind the CLI: load and check the user's files, run the engine, render the
 * report, and turn the outcome into an exit code. The only place that knows about exit codes.
 */
import { randomBytes } from 'node:crypto';
import { hostname, homedir } from 'node:os';
import { ConfigError, FleetError, formatDiagnostic } from '../core/errors.js';
import { exitCode, type Command } from '../engine/types.js';
import { FORMATS, render, type Format } from '../report/index.js';
import { plainProgress, silentProgress, type Progress } from '../report/progress.js';
import { defaultUser } from './inputs.js';
import { loadRun } from './load.js';
import { writeAtomic } from './output.js';

export async function validateCommand(policyPath: string, inventoryPath?: string): Promise<number> {
  const { validateFiles } = await import('./validate.js');
  const result = await validateFiles(policyPath, inventoryPath, { user: defaultUser() });
  for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  for (const a of result.advice) process.stdout.write(`${a.severity === 'warning' ? 'warning: ' : ''}${a.message}\n`);
  if (result.ok) process.stdout.write(`${policyPath}: valid, ${result.hosts} host${result.hosts === 1 ? '' : 's'} selected\n`);
  return result.ok ? 0 : 1;
}

export interface RunFlags {
  inventory?: string;
  limit?: string;
  forks?: number;
  serial?: string;
  maxFailPercent?: number;
  knownHosts?: string;
  acceptNew?: boolean;
  identity?: string;
  user?: string;
  timeout: number;
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
  for (const w of warnings) process.stderr.write(formatDiagnostic(w) + '\n');

  const [{ Connector, PASSPHRASE_ENV }, { gatherFacts, probeAfter }, { runFleet }] = await Promise.all([
    import('../transport/index.js'),
    import('../facts/index.js'),
    import('../engine/runner.js'),
  ]);
  const connector = new Connector({
    knownHostsFile: flags.knownHosts ?? `${homedir()}/.ssh/known_hosts`,
    acceptNew: flags.acceptNew === true,
    ...(flags.identity ? { identityFile: flags.identity } : {}),
    ...(process.env[PASSPHRASE_ENV] ? { passphrase: process.env[PASSPHRASE_ENV] } : {}),
    ...(process.env['SSH_AUTH_SOCK'] ? { agentSocket: process.env['SSH_AUTH_SOCK'] } : {}),
    connectTimeoutMs: flags.timeout * 1000,
    commandTimeoutMs: flags.commandTimeout * 1000,
  });

  // A random id names the run's lock (compared on the host), temp files and stage folders.
  const runId = randomBytes(8).toString('hex');
  const lockOwner = `${runId} ${hostname()} ${process.pid}`;
  const progress = await pickProgress(flags);
  const abort = new AbortController();
  const stopSignals = handleSignals(abort);
  try {
    const report = await runFleet({
      command,
      hosts,
      policy,
      forks: flags.forks ?? policy.rollout.forks,
      serial,
      maxFailPercent: flags.maxFailPercent ?? policy.rollout.maxFailPercent,
      acceptNew: flags.acceptNew === true,
      ...(flags.shard ? { shard: flags.shard } : {}),
      listener: progress.listener,
      signal: abort.signal,
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
      }),
    });
    await progress.done();
    const text = render(report, flags.format);
    if (flags.out) await writeAtomic(flags.out, text);
    else process.stdout.write(text);
    if (flags.out || flags.format !== 'text') {
      const { summaryLine } = await import('../report/text.js');
      process.stderr.write(summaryLine(report) + '\n');
    }
    return abort.signal.aborted ? 130 : exitCode(report);
  } finally {
    stopSignals();
    await connector.closeAll();
  }
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
    for (const d of error.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
    return 1;
  }
  if (error instanceof FleetError) {
    process.stderr.write(`fleet: ${error.message}\n`);
    return 1;
  }
  throw error;
}
