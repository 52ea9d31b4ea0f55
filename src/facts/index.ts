/**
 * Host facts: one probe script over the transport, parsed into plain data for the planner.
 * In the common case this is ONE round trip; Include patterns the shell could not follow
 * cost one more each level, until the tree is closed under Include.
 */
import { FleetError } from '../core/errors.js';
import { command } from '../core/shell.js';
import { includePatterns, MAX_INCLUDE_DEPTH, missingFiles } from '../core/sshd/includes.js';
import type { ConfigTree } from '../core/sshd/types.js';
import type { ExecResult, Transport } from '../transport/types.js';
import { readProbe, type ProbedFile, type ProbeReport } from './probe.js';
import { chooseReload } from './reload.js';
import { factsScript, followUpScript } from './script.js';
import type { HostFacts } from './types.js';
import { daemonWords, parseDaemonArgs } from './daemon.js';

export type { HostFacts, ReloadMethod } from './types.js';

/** sshd's compiled-in default PidFile on Debian, Ubuntu, RHEL and Alpine. */
const DEFAULT_PID_FILE = '/run/sshd.pid';

/** Reads a host's sshd facts. Throws FleetError FACTS_FAILED with the reason. */
export async function gatherFacts(t: Transport): Promise<HostFacts> {
  const probe = await probeAfter(t, '');
  return (probe.readFacts ?? (() => Promise.reject(failFor(t)('the facts probe printed nothing'))))();
}

/** What one round trip of `guard` + facts probe printed. */
export interface GuardedProbe {
  /** The whole output: the guard's own lines come first. */
  stdout: string;
  stderr: string;
  /** Reads the facts from the probe's output (asking the host again only for Include levels it missed); null when the guard ended the round trip before the probe began. */
  readFacts: (() => Promise<HostFacts>) | null;
}

/**
 * Runs `guard` and then the facts probe in ONE round trip: apply's lock goes first this way,
 * so taking the lock costs no command of its own. The guard ends the round trip with `exit`
 * when the probe must not run (the lock is someone else's). The probe's first frame is its uid.
 */
export async function probeAfter(t: Transport, guard: string): Promise<GuardedProbe> {
  const host = t.host;
  const script = factsScript({
    configPath: host.sshdConfigPath,
    ...(host.sshdBinary !== undefined ? { sshdBinary: host.sshdBinary } : {}),
    knownVersion: bannerVersion(t) !== undefined,
  });
  // `sh -c` explicitly: the login shell may not be POSIX (fish, csh).
  const result = await t.exec(command('sh', '-c', guard === '' ? script : `${guard}\n${script}`), { privileged: true });
  const began = guard === '' || /^@@uid /m.test(result.stdout);
  return { stdout: result.stdout, stderr: result.stderr, readFacts: began ? () => readFacts(t, result) : null };
}

function failFor(t: Transport): (reason: string) => FleetError {
  return (reason) => new FleetError('FACTS_FAILED', `${t.host.name}: ${reason}`);
}

async function readFacts(t: Transport, result: ExecResult): Promise<HostFacts> {
  const host = t.host;
  const fail = failFor(t);
  const report = probeReport(result, fail);
  if (report.uid !== 0) {
    throw fail(`the facts probe ran as uid ${report.uid ?? '?'}; it needs root (set become: true, or connect as root)`);
  }
  if (report.sshdBinary === null) {
    const tried = report.sshdMissing ? report.sshdMissing : 'PATH, /usr/sbin, /usr/local/sbin, /sbin, /usr/bin';
    throw fail(`sshd not found or not executable (looked at ${tried}); set sshd_binary in the inventory`);
  }
  if (!report.files.get(host.sshdConfigPath)) {
    throw fail(`${host.sshdConfigPath} does not exist or is not a readable file; set sshd_config in the inventory`);
  }

  await closeIncludes(t, report, fail);

  const tree = buildTree(host.sshdConfigPath, report, fail);
  const effective = report.effective;
  const effectiveError = effective === null ? report.effectiveError : null;
  const configError = effective === null && effectiveError === null ? (report.configError ?? 'sshd -T failed without a message') : null;
  const pidFile = effective?.['pidfile'] && effective['pidfile'] !== 'none' ? effective['pidfile'] : DEFAULT_PID_FILE;
  return {
    sshdBinary: report.sshdBinary,
    sshdVersion: report.sshdVersion ?? bannerVersion(t) ?? 'unknown',
    tree,
    effective,
    configError,
    effectiveError,
    pidFile,
    reload: chooseReload(report.reload, pidFile, host.sshdReloadCommand),
    daemon: report.daemonCmdline === null ? null : parseDaemonArgs(daemonWords(report.daemonCmdline)),
  };
}

function probeReport(result: ExecResult, fail: (r: string) => FleetError): ProbeReport {
  const report = readProbe(result.stdout);
  if (!report.complete) {
    const why = result.stderr.trim().split('\n')[0] ?? '';
    throw fail(`the facts probe stopped early (exit ${result.code ?? result.signal})${why ? `: ${why}` : ''}`);
  }
  return report;
}

async function runProbe(t: Transport, script: string, fail: (r: string) => FleetError): Promise<ProbeReport> {
  return probeReport(await t.exec(command('sh', '-c', script), { privileged: true }), fail);
}

/**
 * Follows Include until every pattern in every fetched file has been globbed and every
 * match fetched, with one extra round trip per missing level (sshd's own depth limit bounds it).
 */
async function closeIncludes(t: Transport, report: ProbeReport, fail: (r: string) => FleetError): Promise<void> {
  for (let round = 0; round < MAX_INCLUDE_DEPTH; round++) {
    const tree = rawTree(t.host.sshdConfigPath, report);
    const patterns = missingFiles(tree);
    const unfetched = [...report.globs.values()].flat().filter((p) => !report.files.has(p));
    if (patterns.length === 0 && unfetched.length === 0) return;
    const more = await runProbe(t, followUpScript(patterns, unfetched), fail);
    for (const [path, file] of more.files) report.files.set(path, file);
    for (const [pattern, matches] of more.globs) report.globs.set(pattern, matches);
    for (const [path, target] of more.links) report.links.set(path, target);
    // A pattern the host could not report on (e.g. `~` forms) counts as matching nothing,
    // so the loop always ends.
    for (const p of patterns) if (!report.globs.has(p)) report.globs.set(p, []);
    for (const p of unfetched) if (!report.files.has(p)) report.files.set(p, null);
  }
  throw fail(`Include nesting deeper than ${MAX_INCLUDE_DEPTH} levels (sshd refuses that too)`);
}

/** A tree over whatever was fetched so far, with lossy text: only used to find Include patterns. */
function rawTree(main: string, report: ProbeReport): ConfigTree {
  const files = new Map<string, string>();
  for (const [path, file] of report.files) if (file) files.set(path, file.bytes.toString('utf8'));
  return { main, files, globs: report.globs };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeFile(path: string, file: ProbedFile, fail: (r: string) => FleetError): string {
  try {
    return utf8.decode(file.bytes);
  } catch {
    // Editing text that is not UTF-8 could not give back its bytes; refuse rather than corrupt.
    throw fail(`${path} is not valid UTF-8; fleet will not edit it`);
  }
}

/** The tree sshd reads: the main file, then every file reachable through Include. */
function buildTree(main: string, report: ProbeReport, fail: (r: string) => FleetError): ConfigTree {
  const files = new Map<string, string>();
  const globs = new Map<string, readonly string[]>();
  const links = new Map<string, string>();
  const queue = [main];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (files.has(path)) continue;
    const file = report.files.get(path);
    if (!file) continue;
    const text = decodeFile(path, file, fail);
    files.set(path, text);
    const target = report.links.get(path);
    if (target !== undefined && target !== '') links.set(path, target);
    for (const pattern of includePatterns(text, path)) {
      const matches = report.globs.get(pattern) ?? [];
      globs.set(pattern, matches);
      queue.push(...matches);
    }
  }
  return links.size > 0 ? { main, files, globs, links } : { main, files, globs };
}

/** `OpenSSH_9.2p1` from the SSH banner, when the transport knows it and it is OpenSSH's. */
function bannerVersion(t: Transport): string | undefined {
  const v = t.serverVersion;
  return v !== undefined && /^OpenSSH_\S+/.test(v) ? (/^OpenSSH_\S+/.exec(v) as RegExpExecArray)[0] : undefined;
}
