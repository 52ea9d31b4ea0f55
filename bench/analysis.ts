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
import { gatherFacts } from '../src/facts/index.js';
import type { Lab } from '../src/lab/index.js';
import { command as shellCommand } from '../src/core/shell.js';
import { factsScript } from '../src/facts/script.js';
import { Connector, type Transport } from '../src/transport/index.js';
import { withProcessMarker } from '../src/transport/remote-process.js';
import { FLEET_CLI } from './fleet.js';
import { measure, type Cost } from './measure.js';
import { ssh2FloorArgv } from './floors.js';

interface Timings {
  connects: number[];
  execs: number[];
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const ms = (x: number): string => `${x.toFixed(1)} ms`;

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
    return {
      host: t.host,
      get closed() {
        return t.closed;
      },
      close: () => t.close(),
      exec: async (cmd, opts) => {
        const start = performance.now();
        try {
          return await t.exec(cmd, opts);
        } finally {
          timings.execs.push(performance.now() - start);
        }
      },
    };
  };
  const runId = `bench${Date.now().toString(36)}`;
  const report = await runFleet({
    command, hosts: chosen, policy, forks: 1, serial: { kind: 'percent', pct: 100 }, maxFailPercent: 100, acceptNew: false,
    listener: () => undefined, signal: new AbortController().signal,
    contextFor: (host, step) => ({
      command, host, policy, connect, gatherFacts, runId, lockOwner: `${runId} bench ${process.pid} 0`, ownerAlive,
      now: () => new Date(), step, loginRetryDelaysMs: [100, 250, 500, 1000, 2000],
    }),
  });
  await connector.closeAll();
  const bad = report.hosts.filter((h) => h.error);
  if (bad.length > 0) throw new Error(`in-process ${command} failed: ${bad.map((h) => `${h.name} ${h.error?.code}`).join(', ')}`);
  return timings;
}

/** Markdown lines: per-host connections and remote commands of check and apply, with their mean wall time. */
/** Needs fresh hosts: check and plan leave them so, then apply converges them and the second apply finds nothing to do. */
export async function execCounts(policyPath: string, lab: Lab): Promise<string[]> {
  const hostCount = Math.min(5, lab.hosts.length);
  const lines = [
    `Per host, measured in-process on ${hostCount} fresh hosts one at a time (no queueing), with a connector that counts and times each call:`,
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
 * `fleet check` against its floor, taken apart: the same ssh2 floor sending fleet's real facts
 * probe instead of `sshd -T` (the cost of what fleet asks each host to do), and `fleet
 * validate` (start-up, YAML, schema, inventory: everything fleet does before the first byte).
 */
export async function checkDecomposition(lab: Lab, forks: number, policyPath: string, check: Cost | undefined, floor: Cost | undefined): Promise<string[]> {
  const probe = withProcessMarker(shellCommand('sh', '-c', factsScript({ configPath: '/etc/ssh/sshd_config' })));
  const probeRun = await measure(ssh2FloorArgv(lab, forks, probe, false));
  const startup = await measure([process.execPath, FLEET_CLI, 'validate', policyPath]);
  const row = (what: string, c: Cost | undefined, ok = true): string =>
    c === undefined || !ok ? `| ${what} | failed | | |` : `| ${what} | ${secs(c.wallMs)} | ${secs(c.cpuMs)} | ${secs(c.machineCpuMs)} |`;
  return [
    `\`fleet check\` taken apart (${lab.hosts.length} hosts, ${forks} at a time):`,
    '',
    '| run | wall s | tool CPU s | machine CPU s |',
    '|---|---:|---:|---:|',
    row('minimal ssh2 script, `sshd -T` (the floor)', floor),
    row("minimal ssh2 script sending fleet's facts probe (one exec, as fleet sends it)", probeRun, probeRun.code === 0),
    row('`fleet validate` (node start-up, YAML, schema, inventory; no SSH)', startup, startup.code === 0),
    row('`fleet check`', check),
  ];
}
