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
import { startLab, type Lab } from '../src/lab/index.js';
import { execCounts, summariseProfile } from './analysis.js';
import { ansibleVersion, ensureAnsible, runAnsible, writeAnsibleFiles } from './ansible.js';
import { bareOpenSsh, ssh2Floor } from './floors.js';
import { runFleet, writeFleetPolicy } from './fleet.js';
import { countAccepting, countConverged, resetHosts, snapshotPristine } from './hosts.js';
import { renderResults, renderRun, type BenchRun, type Machine, type Row } from './results.js';

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
  ansible: boolean;
  analysis: boolean;
}

const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

function describeMachine(ansible: string | undefined): Machine {
  // sshd has no version flag; an unknown one makes it print its version line on stderr.
  const sshd = spawnSync('/usr/sbin/sshd', ['-V'], { encoding: 'utf8' });
  const version = `${sshd.stdout}${sshd.stderr}`.split('\n').find((l) => l.startsWith('OpenSSH'))?.split(',')[0];
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

async function bench(opts: Options, invocation: string): Promise<BenchRun> {
  const playbookBin = opts.ansible ? ensureAnsible(log) : undefined;
  const machine = describeMachine(playbookBin ? ansibleVersion(playbookBin) : undefined);
  const notes: string[] = [];
  log(`starting ${opts.hosts} lab hosts`);
  const began = Date.now();
  const lab = await startLab({ count: opts.hosts, shapes: ['debian12'], namePrefix: 'bench' });
  log(`lab up in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  const work = mkdtempSync(join(os.tmpdir(), 'fleet-bench-'));
  const rows: Row[] = [];
  const analysis: string[] = [];
  try {
    await snapshotPristine(lab);
    rows.push(report(await bareOpenSsh(lab, opts.forks, work)));
    rows.push(report(await ssh2Floor(lab, opts.forks, false)));
    rows.push(report(await ssh2Floor(lab, opts.forks, true)));

    const policy = writeFleetPolicy(lab, opts.forks, work);
    rows.push(report(await verifyUntouched(await runFleet('check', policy, lab), lab)));
    rows.push(report(await verifyUntouched(await runFleet('plan', policy, lab), lab)));
    rows.push(report(await verifyApply(await runFleet('apply', policy, lab), lab)));
    rows.push(report(await verifyApply(await runFleet('second', policy, lab), lab)));

    if (playbookBin) {
      await resetHosts(lab);
      const setup = writeAnsibleFiles(lab, opts.forks, work, playbookBin);
      rows.push(report(await verifyUntouched(await runAnsible('check', setup, lab, 0), lab)));
      rows.push(report(await verifyApply(await runAnsible('apply', setup, lab, 1), lab)));
      rows.push(report(await verifyApply(await runAnsible('second', setup, lab, 2), lab)));
      notes.push('Ansible: `gather_facts: false` and `ansible_python_interpreter` set, so it neither gathers facts nor discovers Python: the fastest way to write this playbook, not the default.');
    } else {
      notes.push(`Ansible was not run at ${opts.hosts} hosts (--no-ansible).`);
    }

    if (opts.analysis) {
      log('analysis: cpu profile of a fleet apply, then exec counts');
      await resetHosts(lab);
      const profileDir = join(work, 'profile');
      mkdirSync(profileDir);
      const profiled = await runFleet('apply', policy, lab, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
      analysis.push(...summariseProfile(profileDir, `fleet apply on ${opts.hosts} fresh hosts (${(profiled.cost.wallMs / 1000).toFixed(2)} s wall under the profiler${profiled.failure ? `, FAILED: ${profiled.failure}` : ''})`), '');
      await resetHosts(lab);
      analysis.push(...(await execCounts(policy, lab)));
    }
  } finally {
    await lab.stop();
    rmSync(work, { recursive: true, force: true });
  }
  // The saved run keeps the figures, not the tools' output (a 500-host JSON report is megabytes).
  const figures = rows.map((r) => ({ ...r, cost: { ...r.cost, stdout: '', stderr: '' } }));
  return { date: new Date().toISOString(), hosts: opts.hosts, forks: opts.forks, command: invocation, machine, rows: figures, analysis, notes };
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
  .option('--no-ansible', 'skip Ansible (it takes minutes at 500 hosts)')
  .option('--no-analysis', 'skip the profile and the exec counts')
  .action(async (opts: Options) => {
    const args = process.argv.slice(2).join(' ');
    const invocation = process.env['npm_lifecycle_event'] === 'bench' ? `npm run bench -- ${args}`.trim() : `node dist-bench/bench/main.js ${args}`.trim();
    const run = await bench(opts, invocation);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, `hosts-${run.hosts}.json`), JSON.stringify(run, null, 2) + '\n');
    writeFileSync(join(BENCH_DIR, 'RESULTS.md'), renderResults(savedRuns(), []));
    process.stdout.write(renderRun(run));
    log(`wrote bench/RESULTS.md and bench/results/hosts-${run.hosts}.json`);
    if (run.rows.some((r) => r.failure)) process.exitCode = 1;
  });

await program.parseAsync(process.argv);
