/**
 * The bench's figures as data, and the Markdown that bench/RESULTS.md holds. Pure: what to
 * print is decided here, measuring happens elsewhere.
 */
import type { Cost } from './measure.js';

export type Tool = 'ssh' | 'ssh2' | 'ansible' | 'fleet';
/** `second` is the second apply, on hosts the first one already converged. */
export type Phase = 'floor' | 'check' | 'plan' | 'apply' | 'second';

/** One measured command. A row with `failure` has no figures worth reporting. */
export interface Row {
  label: string;
  tool: Tool;
  phase: Phase;
  /** The command as run (paths shortened). */
  command: string;
  cost: Cost;
  failure?: string;
  /** Floors: hosts that printed their effective config. */
  answered?: number;
  /** Hosts the tool itself reported as changed (would change, drifted). */
  reported?: number;
  /** After an apply: hosts whose real `sshd -T` shows every desired value. */
  converged?: number;
  /** After an apply: hosts a fresh `ssh` login still works on. */
  accepting?: number;
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  openssh: string;
  ansible?: string;
}

/** One bench run, as saved in bench/results/hosts-N.json. */
export interface BenchRun {
  date: string;
  hosts: number;
  forks: number;
  /** Rounds run; each row is its run's fastest round. */
  repeat?: number;
  command: string;
  /** The fleet measured: git commit, and whether src/ had uncommitted changes. */
  build?: string;
  machine: Machine;
  rows: Row[];
  /** The targets' ratios within each round (fleet and its reference from the same round); absent in runs saved before. */
  roundTargets?: (number | null)[][];
  /** Where fleet's time goes: exec counts, profile summary. Markdown lines. */
  analysis: string[];
  notes: string[];
}

const s = (ms: number): string => (ms / 1000).toFixed(2);
const mb = (kb: number | undefined): string => (kb === undefined || Number.isNaN(kb) ? '–' : (kb / 1024).toFixed(0));

/**
 * Each run's fastest round, in the order of the first round. On a shared machine other jobs
 * only ever add time, so the fastest round is the best estimate of a tool's own cost. A run
 * that failed in any round is reported failed: one wrong answer outweighs fast ones.
 */
export function bestOf(rounds: readonly (readonly Row[])[]): Row[] {
  const labels = [...new Set(rounds.flatMap((r) => r.map((x) => x.label)))];
  return labels.map((label) => {
    const runs = rounds.flatMap((r) => r.filter((x) => x.label === label));
    const failed = runs.findIndex((x) => x.failure !== undefined);
    if (failed >= 0) {
      const row = runs[failed] as Row;
      return rounds.length > 1 ? { ...row, failure: `round ${failed + 1} of ${rounds.length}: ${row.failure}` } : row;
    }
    return [...runs].sort((a, b) => a.cost.wallMs - b.cost.wallMs)[0] as Row;
  });
}

export function find(run: Pick<BenchRun, 'rows'>, tool: Tool, phase: Phase, label?: string): Row | undefined {
  return run.rows.find((r) => r.tool === tool && r.phase === phase && (label === undefined || r.label === label) && r.failure === undefined);
}

/** The ssh2 floor: the faster of the measured ssh2 variants that succeeded. */
export function ssh2Floor(run: Pick<BenchRun, 'rows'>): Row | undefined {
  return run.rows.filter((r) => r.tool === 'ssh2' && r.failure === undefined).sort((a, b) => a.cost.wallMs - b.cost.wallMs)[0];
}

export interface Target {
  what: string;
  ratio: number | undefined;
  limit: number;
  /** Why there is no ratio, when there is none. */
  missing?: string;
}

function ratio(what: string, num: Row | undefined, den: Row | undefined, limit: number): Target {
  if (num === undefined || den === undefined) return { what, ratio: undefined, limit, missing: `${num === undefined ? 'the fleet run' : 'the reference run'} failed or was skipped` };
  return { what, ratio: num.cost.wallMs / den.cost.wallMs, limit };
}

/** The issue's targets for one run (wall time ratios). */
export function targets(run: Pick<BenchRun, 'rows'>): Target[] {
  return [
    ratio('fleet check ÷ minimal ssh2 script', find(run, 'fleet', 'check'), ssh2Floor(run), 1.25),
    ratio('fleet apply ÷ Ansible apply', find(run, 'fleet', 'apply'), find(run, 'ansible', 'apply'), 0.2),
    ratio('fleet second apply ÷ Ansible second apply', find(run, 'fleet', 'second'), find(run, 'ansible', 'second'), 0.15),
  ];
}

/** The targets' ratios within each round: each round's fleet run against the same round's reference. */
export function roundTargets(rounds: readonly (readonly Row[])[]): (number | null)[][] {
  return rounds.map((rows) => targets({ rows: [...rows] }).map((t) => t.ratio ?? null));
}

function figures(r: Row, n: number): string[] {
  if (r.failure !== undefined) return [`**FAILED**: ${r.failure.replaceAll('|', '\\|')}`, '', '', '', '', '', '', ''];
  const outcome = r.converged !== undefined ? `${r.converged}/${n}` : r.answered !== undefined ? `${r.answered}/${n} answered` : r.reported !== undefined ? `${r.reported}/${n} to change` : '';
  return [s(r.cost.wallMs), (r.cost.wallMs / n).toFixed(1), s(r.cost.cpuMs), s(r.cost.machineCpuMs), mb(r.cost.maxRssKb), mb(r.cost.treeRssKb), outcome, r.cost.otherJobs === undefined ? '–' : r.cost.otherJobs > 0 ? `**${r.cost.otherJobs}**` : '0'];
}

function fmtRatio(x: number | undefined): string {
  return x === undefined ? '–' : `${x.toFixed(2)}×`;
}

export function renderRun(run: BenchRun): string {
  const n = run.hosts;
  const m = run.machine;
  const out = [
    `## ${n} hosts, forks ${run.forks}`,
    '',
    `- Date: ${run.date}`,
    `- Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB.toFixed(1)} GiB RAM, Linux ${m.kernel}, Node ${m.node}, ${m.openssh}${m.ansible ? `, ${m.ansible}` : ''}`,
    `- Command: \`${run.command}\``,
    ...(run.build ? [`- fleet build: ${run.build}`] : []),
    ...((run.repeat ?? 1) > 1 ? [`- Each figure is the fastest of ${run.repeat} rounds, each round on new fresh hosts; every round of every run was checked.`] : []),
    '',
    '| run | wall s | ms/host | tool CPU s | machine CPU s | max RSS MB | tree RSS MB | result (sshd -T) | other jobs |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const r of run.rows) out.push(`| ${r.label} | ${figures(r, n).join(' | ')} |`);
  out.push(
    '',
    'Wall time from the bench\'s clock. Tool CPU = user + system time of the tool\'s whole process tree (GNU time, wait4 rusage;',
    'for Ansible also its ControlPersist masters, kept in the tree by a PID-namespace wrapper). Machine CPU = busy time of all',
    `cores during the run (/proc/stat): the tool plus the lab's sshd hosts (key exchanges, sessions, the shells and \`sshd -t/-T\``,
    `they run), which share the controller's ${run.machine.cores} cores, so machine CPU ÷ ${run.machine.cores} is a floor on the wall time.`,
    'Max RSS = the largest single process; tree RSS = the peak of the summed RSS of all the tool\'s processes, sampled every',
    '250 ms (multi-process tools only). Result: for a dry run, hosts it reports would change; after an apply, hosts whose',
    'real `sshd -T` shows ClientAliveInterval 298 and ClientAliveCountMax 50 (and every host still accepted a fresh `ssh` login).',
    'Other jobs: the most processes of other people\'s test runs, labs or demos seen during the run (this machine is shared;',
    'a run with any had less CPU than the figures assume).',
    '',
    '### Ratios (wall time)',
    '',
    '| fleet run | ÷ bare OpenSSH | ÷ ssh2 script | ÷ ssh2 script, NODELAY | ÷ Ansible (same phase) |',
    '|---|---:|---:|---:|---:|',
  );
  const ssh = find(run, 'ssh', 'floor');
  const ssh2 = find(run, 'ssh2', 'floor', 'minimal ssh2 script');
  const ssh2nd = find(run, 'ssh2', 'floor', 'minimal ssh2 script, TCP_NODELAY');
  const ansibleOf = { check: find(run, 'ansible', 'check'), plan: find(run, 'ansible', 'check'), apply: find(run, 'ansible', 'apply'), second: find(run, 'ansible', 'second'), floor: undefined };
  for (const r of run.rows.filter((x) => x.tool === 'fleet' && x.failure === undefined)) {
    const by = (d: Row | undefined): string => fmtRatio(d ? r.cost.wallMs / d.cost.wallMs : undefined);
    out.push(`| ${r.label} | ${by(ssh)} | ${by(ssh2)} | ${by(ssh2nd)} | ${by(ansibleOf[r.phase])} |`);
  }
  const perRound = run.roundTargets ?? [];
  const shown = perRound.length > 1;
  out.push('', '### Targets', '', `| target | measured | limit | met |${shown ? ' round by round | met in |' : ''}`, `|---|---:|---:|---|${shown ? '---|---:|' : ''}`);
  targets(run).forEach((t, i) => {
    const each = perRound.map((r) => r[i] ?? null);
    const measured = each.filter((x): x is number => x !== null);
    const rounds = !shown ? '' : measured.length === 0 ? ' – | – |' : ` ${each.map((x) => fmtRatio(x ?? undefined)).join(', ')} | ${measured.filter((x) => x <= t.limit).length} of ${each.length} rounds |`;
    out.push(`| ${t.what} | ${fmtRatio(t.ratio)} | ≤ ${t.limit}× | ${t.ratio === undefined ? `not measured: ${t.missing}` : t.ratio <= t.limit ? 'yes' : '**no**'} |${rounds}`);
  });
  if (shown) out.push('', '"measured" divides each row\'s fastest round (the table above); "round by round" divides fleet\'s run by its reference from the same round.');
  if (run.analysis.length > 0) out.push('', '### Where fleet\'s time goes', '', ...run.analysis);
  if (run.notes.length > 0) out.push('', '### Notes', '', ...run.notes.map((x) => `- ${x}`));
  return out.join('\n') + '\n';
}

/** From the smaller run to the larger: fleet's time per host and peak memory. */
export function renderScaling(small: BenchRun, large: BenchRun): string {
  const out = [
    `## Scaling: ${small.hosts} → ${large.hosts} hosts (forks ${large.forks})`,
    '',
    `| fleet run | ms/host at ${small.hosts} | ms/host at ${large.hosts} | growth (target ≤ 15%) | max RSS MB at ${large.hosts} (target < 200) |`,
    '|---|---:|---:|---:|---:|',
  ];
  for (const phase of ['check', 'plan', 'apply', 'second'] as const) {
    const a = find(small, 'fleet', phase);
    const b = find(large, 'fleet', phase);
    if (!a || !b) continue;
    const perA = a.cost.wallMs / small.hosts;
    const perB = b.cost.wallMs / large.hosts;
    const growth = (perB / perA - 1) * 100;
    out.push(`| ${b.label} | ${perA.toFixed(1)} | ${perB.toFixed(1)} | ${growth >= 0 ? '+' : ''}${growth.toFixed(0)}% ${growth <= 15 ? '(met)' : '(**missed**)'} | ${mb(b.cost.maxRssKb)} ${b.cost.maxRssKb / 1024 < 200 ? '(met)' : '(**missed**)'} |`);
  }
  for (const floor of [find(small, 'ssh', 'floor'), ssh2Floor(small)]) {
    const big = floor && large.rows.find((r) => r.label === floor.label && r.failure === undefined);
    if (!floor || !big) continue;
    out.push(`| *${floor.label}* (reference) | ${(floor.cost.wallMs / small.hosts).toFixed(1)} | ${(big.cost.wallMs / large.hosts).toFixed(1)} | ${((big.cost.wallMs / large.hosts / (floor.cost.wallMs / small.hosts) - 1) * 100).toFixed(0)}% | ${mb(big.cost.maxRssKb)} |`);
  }
  return out.join('\n') + '\n';
}

/** The whole of bench/RESULTS.md, from every saved run (smallest fleet first). */
export function renderResults(runs: readonly BenchRun[], summary: readonly string[]): string {
  const sorted = [...runs].sort((a, b) => a.hosts - b.hosts);
  const parts = [
    '# fleet benchmark: fleet against Ansible and bare OpenSSH',
    '',
    'Written by `npm run bench` (bench/main.ts) from the runs saved in bench/results/; every figure below comes from a real run on',
    'real sshd hosts (the lab: one Debian 12 OpenSSH 9.2 sshd per loopback address, each in its own mount namespace).',
    'Each tool gets a new lab of fresh hosts (Debian 12\'s default sshd_config), so every first apply really changes every host.',
    '',
    ...summary,
    ...sorted.map(renderRun),
  ];
  const small = sorted[0];
  const large = sorted.at(-1);
  if (small && large && small.hosts < large.hosts) parts.push(renderScaling(small, large));
  return parts.join('\n');
}
