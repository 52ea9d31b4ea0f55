/**
 * Where fleet's time goes: the engine driven in-process through a connector that counts and
 * times every connection and remote command, and a `node --cpu-prof` run of the real CLI
 * summarised by where its samples fall.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRun } from '../src/cli/load.js';
import { ownerAlive } from '../src/cli/commands.js';
import type { Command } from '../src/engine/types.js';
import { runFleet } from '../src/engine/runner.js';
import { gatherFacts, probeAfter } from '../src/facts/index.js';
import type { Lab } from '../src/lab/index.js';
import { Connector, type ExecOptions, type ExecResult, type Transport } from '../src/transport/index.js';
import { command as commandLine } from '../src/core/shell.js';
import { remoteCommand } from '../src/transport/remote-process.js';
import { FLEET_CLI } from './fleet.js';
import { measure, otherJobsNow, type Cost } from './measure.js';
import { ssh2FloorArgv } from './floors.js';

interface Timings {
  connects: number[];
  execs: number[];
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const ms = (x: number): string => `${x.toFixed(1)} ms`;

/**
 * The same transport with `exec` passed through `around` (which must call `run`). A Proxy, not
 * a copy: every other member (getters such as the banner's `serverVersion` included) is the
 * real transport's, so fleet behaves exactly as it does without the bench.
 */
function instrument(t: Transport, around: (run: () => Promise<ExecResult>, cmd: string) => Promise<ExecResult>): Transport {
  return new Proxy(t, {
    get(target, prop) {
      if (prop === 'exec') return (cmd: string, opts?: ExecOptions) => around(() => target.exec(cmd, opts), cmd);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** One in-process fleet run over `hostCount` hosts, one host at a time so timings are not queueing. */
async function timedRun(command: Command, policyPath: string, lab: Lab, hostCount: number): Promise<Timings> {
  const { policy, hosts } = await loadRun(policyPath, {}, 'root');
  const chosen = hosts.slice(0, hostCount);
  const connector = new Connector({ knownHostsFile: lab.knownHosts, acceptNew: false, connectTimeoutMs: 10_000, commandTimeoutMs: 60_000 });
  const timings: Timings = { connects: [], execs: [] };
  const connect = async (h: (typeof hosts)[number]): Promise<Transport> => {
    const began = performance.now();
    const t = await connector.connect(h);
    timings.connects.push(performance.now() - began);
    return instrument(t, async (run) => {
      const start = performance.now();
      try {
        return await run();
      } finally {
        timings.execs.push(performance.now() - start);
      }
    });
  };
  const runId = `bench${Date.now().toString(36)}`;
  const report = await runFleet({
    command, hosts: chosen, policy, forks: 1, serial: { kind: 'percent', pct: 100 }, maxFailPercent: 100, acceptNew: false,
    listener: () => undefined, signal: new AbortController().signal,
    contextFor: (host, step) => ({
      command, host, policy, connect, gatherFacts, probeAfter, runId, lockOwner: `${runId} bench ${process.pid}`, lockLeaseSeconds: 120, ownerAlive,
      now: () => new Date(), step, loginRetryDelaysMs: [100, 250, 500, 1000, 2000],
    }),
  });
  await connector.closeAll();
  const bad = report.hosts.filter((h) => h.error);
  if (bad.length > 0) throw new Error(`in-process ${command} failed: ${bad.map((h) => `${h.name} ${h.error?.code}`).join(', ')}`);
  return timings;
}

/**
 * Markdown lines: per-host connections and remote commands of check, plan, apply and a second
 * apply, with their mean wall time. Needs fresh hosts: check and plan leave them so, then apply
 * converges them and the second apply finds nothing to do.
 */
export async function execCounts(policyPath: string, lab: Lab): Promise<string[]> {
  const hostCount = Math.min(5, lab.hosts.length);
  const others = otherJobsNow();
  const lines = [
    `Per host, measured in-process on ${hostCount} fresh hosts one at a time (no queueing), with a connector that counts and times each call${others > 0 ? ` (${others} processes of other people's jobs were running: the times are inflated)` : ''}:`,
    '',
    '| fleet run | connections | remote commands | mean connect (handshake + auth) | mean remote command | serial time per host |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const command of ['check', 'plan', 'apply', 'second'] as const) {
    const t = await timedRun(command === 'second' ? 'apply' : command, policyPath, lab, hostCount);
    const total = [...t.connects, ...t.execs].reduce((a, b) => a + b, 0) / hostCount;
    const label = command === 'second' ? 'apply (second run)' : command;
    lines.push(`| ${label} | ${(t.connects.length / hostCount).toFixed(1)} | ${(t.execs.length / hostCount).toFixed(1)} | ${ms(mean(t.connects))} | ${ms(mean(t.execs))} | ${ms(total)} |`);
  }
  return lines;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

/** Which part of the stack a profile sample belongs to, by the script it ran in. */
function bucket(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url.includes('/node_modules/ssh2/')) return 'ssh2 (protocol, crypto)';
  if (url.includes('/node_modules/')) return `other packages (${url.split('/node_modules/')[1]?.split('/')[0] ?? '?'})`;
  if (url.includes('/dist/')) return 'fleet itself (dist/)';
  if (url.startsWith('node:')) return 'Node core (streams, net, crypto glue)';
  // No script: a native binding called from JavaScript (fs reads, crypto update, zlib).
  if (url === '') return 'native bindings (fs, crypto, …)';
  return 'other JavaScript';
}

/**
 * Markdown lines summarising the newest .cpuprofile in `dir`: how fleet's on-CPU samples split
 * over the stack. Idle samples are left out: on a saturated machine the profiler's own thread
 * is starved too, so they say little; the rusage CPU time next to the wall time says it better.
 */
export function summariseProfile(dir: string, label: string): string[] {
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
  if (!file) return [`(${label}: no .cpuprofile was written)`];
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number };
  const byBucket = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    if (node.callFrame.functionName === '(idle)') continue;
    const hits = node.hitCount ?? 0;
    total += hits;
    const key = bucket(node);
    byBucket.set(key, (byBucket.get(key) ?? 0) + hits);
  }
  const merged = new Map<string, number>();
  for (const [k, v] of byBucket) {
    const key = k.startsWith('other packages') && v / total < 0.01 ? 'other packages (each < 1%)' : k;
    merged.set(key, (merged.get(key) ?? 0) + v);
  }
  const lines = [`\`node --cpu-prof\` of ${label}; its ${total} on-CPU samples:`, '', '| part of fleet\'s process | share of on-CPU samples |', '|---|---:|'];
  for (const [k, v] of [...merged].sort((a, b) => b[1] - a[1])) lines.push(`| ${k} | ${((v / total) * 100).toFixed(1)}% |`);
  return lines;
}

const secs = (x: number): string => (x / 1000).toFixed(2);

/**
 * The facts probe as fleet sends it to a lab host: a real `gatherFacts` over a real connection,
 * recording each command's script (with the process marker, as the connector sends it; lab
 * hosts log in as root, so nothing goes through sudo). fleet writes that script to `sh -s` on
 * stdin; the floor script only sends a command line, so it gets the same script as
 * `sh -c <script>`: the same shell work. Facts that need a follow-up round trip would show as a
 * second command; the lab's Debian layout needs none.
 */
async function capturedProbe(policyPath: string, lab: Lab): Promise<string> {
  const { hosts } = await loadRun(policyPath, {}, 'root');
  const connector = new Connector({ knownHostsFile: lab.knownHosts, acceptNew: false, connectTimeoutMs: 10_000, commandTimeoutMs: 60_000 });
  const sent: string[] = [];
  try {
    const t = await connector.connect(hosts[0] as (typeof hosts)[number]);
    await gatherFacts(instrument(t, (run, cmd) => (sent.push(commandLine('sh', '-c', remoteCommand(cmd, false).stdin)), run())));
  } finally {
    await connector.closeAll();
  }
  if (sent.length !== 1) throw new Error(`fleet's facts took ${sent.length} commands, not one`);
  return sent[0] as string;
}

/**
 * `fleet check` against its floor, taken apart: the same ssh2 floor sending fleet's real facts
 * probe instead of `sshd -T` (the cost of what fleet asks each host to do), and `fleet
 * validate` (start-up, YAML, schema, inventory: everything fleet does before the first byte).
 */
export async function checkDecomposition(lab: Lab, forks: number, policyPath: string, check: Cost | undefined, floor: Cost | undefined): Promise<string[]> {
  const probe = await capturedProbe(policyPath, lab);
  // TCP_NODELAY like fleet's own transport, so the only difference from fleet is fleet itself.
  const probeRun = await measure(ssh2FloorArgv(lab, forks, probe, true));
  const startup = await measure([process.execPath, FLEET_CLI, 'validate', policyPath]);
  const row = (what: string, c: Cost | undefined, ok = true): string =>
    c === undefined || !ok ? `| ${what} | failed | | | |` : `| ${what} | ${secs(c.wallMs)} | ${secs(c.cpuMs)} | ${secs(c.machineCpuMs)} | ${c.otherJobs ?? '–'} |`;
  return [
    `\`fleet check\` taken apart (${lab.hosts.length} hosts, ${forks} at a time):`,
    '',
    '| run | wall s | tool CPU s | machine CPU s | other jobs |',
    '|---|---:|---:|---:|---:|',
    row('minimal ssh2 script, `sshd -T` (the floor)', floor),
    row("minimal ssh2 script (TCP_NODELAY) sending fleet's facts probe, one exec as fleet sends it", probeRun, probeRun.code === 0),
    row('`fleet validate` (node start-up, YAML, schema, inventory; no SSH)', startup, startup.code === 0),
    row('`fleet check`', check),
  ];
}
