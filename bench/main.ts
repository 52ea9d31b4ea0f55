#!/usr/bin/env node
/**
 * `npm run bench -- --hosts N --forks F`: fleet against bare OpenSSH, a minimal ssh2 script and
 * Ansible, side by side on N real sshd lab hosts, in one run. Writes bench/results/hosts-N.json
 * and renders bench/RESULTS.md from every saved run, then prints this run's table.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { certifyLab, type Lab } from '../src/lab/index.js';
import { checkDecomposition, execCounts, summariseProfile } from './analysis.js';
import { ansibleVersion, ensureAnsible, runAnsible, writeAnsibleFiles } from './ansible.js';
import { ensureProgram } from './install.js';
import { bareOpenSsh, ssh2Floor } from './floors.js';
import { freezeFleetBuild, runFleet, runFleetInLine, writeFleetPolicy } from './fleet.js';
import { countAccepting, countConverged, withFreshLab } from './hosts.js';
import { bestOf, renderResults, renderRun, roundTargets, type BenchRun, type Machine, type Row } from './results.js';

const BENCH_DIR = fileURLToPath(new URL('../../bench/', import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};

interface Options {
  hosts: number;
  forks: number;
  repeat: number;
  ansible: boolean;
  analysis: boolean;
}

const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

/** Which fleet the bench measured: the commit, and whether the tree had uncommitted changes. */
function describeBuild(): string {
  const git = (...args: string[]): string => spawnSync('git', args, { encoding: 'utf8', cwd: BENCH_DIR }).stdout.trim();
  const head = git('rev-parse', '--short', 'HEAD');
  if (!head) return 'not a git checkout';
  return `${head}${git('status', '--porcelain', '--', '../src') ? ' with uncommitted changes in src/' : ''}`;
}

function describeMachine(ansible: string | undefined): Machine {
  // `sshd -V` says only "OpenSSH_9.2"; the client of the same package names the Debian build.
  const ssh = spawnSync('ssh', ['-V'], { encoding: 'utf8' });
  const version = `${ssh.stdout}${ssh.stderr}`.split('\n').find((l) => l.startsWith('OpenSSH'))?.split(',')[0];
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: os.totalmem() / 2 ** 30,
    kernel: os.release(),
    node: process.version,
    openssh: version ?? 'OpenSSH (version unknown)',
    ...(ansible ? { ansible } : {}),
  };
}

/** After an apply: what the hosts really run, and whether they still take logins. A wrong answer is a failure. */
async function verifyApply(row: Row, lab: Lab): Promise<Row> {
  const converged = await countConverged(lab);
  const accepting = await countAccepting(lab);
  const n = lab.hosts.length;
  const failure =
    row.failure ?? (converged !== n ? `only ${converged} of ${n} hosts have the policy's effective values (sshd -T)` : accepting !== n ? `only ${accepting} of ${n} hosts accept a fresh login` : undefined);
  return { ...row, converged, accepting, ...(failure ? { failure } : {}) };
}

/** After a dry run: nothing may have changed. */
async function verifyUntouched(row: Row, lab: Lab): Promise<Row> {
  const converged = await countConverged(lab);
  return converged === 0 || row.failure ? row : { ...row, failure: `a dry run changed ${converged} hosts` };
}

function report(row: Row): Row {
  log(`${row.label}: ${row.failure ? `FAILED (${row.failure})` : `${(row.cost.wallMs / 1000).toFixed(2)} s wall, ${(row.cost.cpuMs / 1000).toFixed(2)} s CPU`}`);
  return row;
}

/** A row for a run that never produced figures: its reason stands where they would be. */
function notRun(label: string, tool: Row['tool'], phase: Row['phase'], reason: string): Row {
  const cost = { code: -1, stdout: '', stderr: '', wallMs: NaN, cpuMs: NaN, maxRssKb: NaN, machineCpuMs: NaN, otherJobs: 0 };
  return { label, tool, phase, command: '', cost, failure: reason };
}

/** One round: every tool's runs, each tool on its own lab of fresh hosts. */
async function round(opts: Options, work: string, playbookBin: string | undefined, index: number): Promise<Row[]> {
  const rows: Row[] = [];
  // Floors and fleet on one lab: the floors only read, and fleet's dry runs come before its apply.
  await withFreshLab(opts.hosts, log, async (lab) => {
    rows.push(report(await bareOpenSsh(lab, opts.forks, work)));
    rows.push(report(await ssh2Floor(lab, opts.forks, false)));
    rows.push(report(await ssh2Floor(lab, opts.forks, true)));
    const policyPath = writeFleetPolicy(lab, opts.forks, work);
    rows.push(report(await verifyUntouched(await runFleet('check', policyPath, lab), lab)));
    rows.push(report(await verifyUntouched(await runFleet('plan', policyPath, lab), lab)));
    rows.push(report(await verifyApply(await runFleet('apply', policyPath, lab), lab)));
    rows.push(report(await verifyApply(await runFleet('second', policyPath, lab), lab)));
    // Last on this lab: certifying the hosts takes the plain client key's access away.
    rows.push(report(await runFleetInLine(lab, opts.forks, work)));
    rows.push(report(await runFleetInLine(lab, opts.forks, work, await certifyLab(lab))));
  });
  if (!playbookBin) return rows;
  const labels = [['Ansible --check --diff', 'check'], ['Ansible apply', 'apply'], ['Ansible apply (second run)', 'second']] as const;
  try {
    await withFreshLab(opts.hosts, log, async (lab) => {
      const setup = writeAnsibleFiles(lab, opts.forks, work, playbookBin);
      rows.push(report(await verifyUntouched(await runAnsible('check', setup, lab, `${index}-check`), lab)));
      rows.push(report(await verifyApply(await runAnsible('apply', setup, lab, `${index}-apply`), lab)));
      rows.push(report(await verifyApply(await runAnsible('second', setup, lab, `${index}-second`), lab)));
    });
  } catch (error) {
    for (const [label, phase] of labels) if (!rows.some((r) => r.label === label)) rows.push(report(notRun(label, 'ansible', phase, `the bench failed: ${(error as Error).message}`)));
  }
  return rows;
}

async function bench(opts: Options, invocation: string): Promise<BenchRun> {
  // GNU time measures every run (CPU and peak memory of the whole process tree).
  ensureProgram('time', 'time', log);
  const playbookBin = opts.ansible ? ensureAnsible(log) : undefined;
  const machine = describeMachine(playbookBin ? ansibleVersion(playbookBin) : undefined);
  const build = describeBuild();
  const notes: string[] = [];
  const analysis: string[] = [];
  const work = mkdtempSync(join(os.tmpdir(), 'fleet-bench-'));
  let rows: Row[];
  let perRound: (number | null)[][] = [];
  try {
    freezeFleetBuild(work);
    const rounds: Row[][] = [];
    for (let i = 1; i <= opts.repeat; i++) {
      if (opts.repeat > 1) log(`round ${i} of ${opts.repeat}`);
      rounds.push(await round(opts, work, playbookBin, i));
    }
    rows = bestOf(rounds);
    perRound = roundTargets(rounds);
    if (playbookBin) notes.push('Ansible: `gather_facts: false` and `ansible_python_interpreter` set, so it neither gathers facts nor discovers Python: the fastest way to write this playbook, not the default.');
    else notes.push(`Ansible was not run at ${opts.hosts} hosts (--no-ansible).`);
    if (opts.analysis) {
      try {
        await analyse(opts, rows, work, analysis);
      } catch (error) {
        analysis.push(`(the analysis failed: ${(error as Error).message})`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // The saved run keeps the figures, not the tools' output (a 500-host JSON report is megabytes).
  const figures = rows.map((r) => ({ ...r, cost: { ...r.cost, stdout: '', stderr: '' } }));
  return { date: new Date().toISOString(), hosts: opts.hosts, forks: opts.forks, repeat: opts.repeat, command: invocation, build, machine, rows: figures, roundTargets: perRound, analysis, notes };
}

/** Where fleet's time goes: a CPU profile of an apply, `fleet check` taken apart, and per-host exec counts. */
async function analyse(opts: Options, rows: readonly Row[], work: string, out: string[]): Promise<void> {
  log('analysis: cpu profile of a fleet apply');
  await withFreshLab(opts.hosts, log, async (lab) => {
    const profileDir = join(work, 'profile');
    mkdirSync(profileDir);
    const profiled = await runFleet('apply', writeFleetPolicy(lab, opts.forks, work), lab, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
    const c = profiled.cost;
    const what = `fleet apply on ${opts.hosts} fresh hosts (${(c.wallMs / 1000).toFixed(2)} s wall, ${(c.cpuMs / 1000).toFixed(2)} s CPU in fleet's process, ${(c.machineCpuMs / 1000).toFixed(2)} s CPU on the whole machine${c.otherJobs > 0 ? `, ${c.otherJobs} processes of other jobs running` : ''}${profiled.failure ? `; FAILED: ${profiled.failure}` : ''})`;
    out.push(...summariseProfile(profileDir, what), '');
  });
  log('analysis: fleet check taken apart, exec counts');
  await withFreshLab(opts.hosts, log, async (lab) => {
    const policyPath = writeFleetPolicy(lab, opts.forks, work);
    const floor = rows.filter((r) => r.tool === 'ssh2' && !r.failure).sort((a, b) => a.cost.wallMs - b.cost.wallMs)[0];
    const check = rows.find((r) => r.tool === 'fleet' && r.phase === 'check' && !r.failure);
    out.push(...(await checkDecomposition(lab, opts.forks, policyPath, check?.cost, floor?.cost)), '');
    out.push(...(await execCounts(policyPath, lab)));
  });
}

/** bench/FINDINGS.md, the hand-written reading of the saved runs, shown above them. */
function findings(): string[] {
  try {
    return [readFileSync(join(BENCH_DIR, 'FINDINGS.md'), 'utf8').trimEnd(), ''];
  } catch {
    return [];
  }
}

function savedRuns(): BenchRun[] {
  let files: string[] = [];
  try {
    files = readdirSync(RESULTS_DIR).filter((f) => /^hosts-\d+\.json$/.test(f));
  } catch {
    return [];
  }
  return files.map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as BenchRun);
}

const program = new Command('bench')
  .description('fleet against bare OpenSSH, a minimal ssh2 script and Ansible on real sshd lab hosts')
  .option('--hosts <n>', 'lab hosts', positiveInt, 100)
  .option('--forks <n>', 'hosts worked on at once, by every tool', positiveInt, 50)
  .option('--repeat <n>', 'rounds, each on fresh hosts; the table shows each run\'s fastest round', positiveInt, 1)
  .option('--no-ansible', 'skip Ansible (it takes minutes at 500 hosts)')
  .option('--no-analysis', 'skip the profile and the exec counts')
  .option('--render-only', 'only render bench/RESULTS.md again from the saved runs')
  .action(async (opts: Options & { renderOnly?: boolean }) => {
    if (opts.renderOnly) {
      writeFileSync(join(BENCH_DIR, 'RESULTS.md'), renderResults(savedRuns(), findings()));
      return;
    }
    const args = process.argv.slice(2).join(' ');
    const invocation = process.env['npm_lifecycle_event'] === 'bench' ? `npm run bench -- ${args}`.trim() : `node dist-bench/bench/main.js ${args}`.trim();
    const run = await bench(opts, invocation);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, `hosts-${run.hosts}.json`), JSON.stringify(run, null, 2) + '\n');
    writeFileSync(join(BENCH_DIR, 'RESULTS.md'), renderResults(savedRuns(), findings()));
    process.stdout.write(renderRun(run));
    log(`wrote bench/RESULTS.md and bench/results/hosts-${run.hosts}.json`);
    if (run.rows.some((r) => r.failure)) process.exitCode = 1;
  });

await program.parseAsync(process.argv);
