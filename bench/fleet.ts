/**
 * fleet as a user runs it: the built CLI, one process per command, JSON report on stdout.
 * A run counts only when its exit status and its report say what a correct run says.
 */
import { copyFileSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '../src/engine/types.js';
import type { Lab, LabCertificates } from '../src/lab/index.js';
import { measure, type MeasureOptions } from './measure.js';
import type { Phase, Row } from './results.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The fleet CLI the bench runs: the build in dist/, until {@link freezeFleetBuild} copies it. */
export let FLEET_CLI = join(REPO, 'dist', 'cli', 'main.js');

/**
 * Copies dist/ (with package.json, and node_modules linked) into the bench's work directory and
 * runs fleet from there: other engineers rebuild dist/ while a bench runs, and every figure of
 * one bench must come from the same build.
 */
export function freezeFleetBuild(workDir: string): string {
  const root = join(workDir, 'fleet');
  mkdirSync(root);
  cpSync(join(REPO, 'dist'), join(root, 'dist'), { recursive: true });
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  FLEET_CLI = join(root, 'dist', 'cli', 'main.js');
  return FLEET_CLI;
}

/** The keepalive policy every tool applies, for the lab's inventory. */
export function writeFleetPolicy(lab: Lab, forks: number, workDir: string): string {
  const policy = join(workDir, 'policy.yml');
  writeFileSync(policy, `inventory: ${lab.inventory}\nsshd:\n  ClientAliveInterval: 298\n  ClientAliveCountMax: 50\nrollout:\n  forks: ${forks}\n`);
  return policy;
}

/** What a correct run on N hosts exits with and reports, per phase. */
const EXPECTED: Record<Exclude<Phase, 'floor'>, { code: number; field: 'changed' | 'unchanged' }> = {
  check: { code: 2, field: 'changed' }, // fresh hosts drift from the policy
  plan: { code: 2, field: 'changed' },
  apply: { code: 0, field: 'changed' },
  second: { code: 0, field: 'unchanged' },
};

export function fleetArgs(command: 'check' | 'plan' | 'apply', policy: string, lab: Lab): string[] {
  return [command, policy, '--known-hosts', lab.knownHosts, '--serial', '100%', '--no-progress', '--format', 'json'];
}

export async function runFleet(phase: Exclude<Phase, 'floor'>, policy: string, lab: Lab, nodeFlags: string[] = [], opts: MeasureOptions = {}): Promise<Row> {
  const command = phase === 'second' ? 'apply' : phase;
  const args = fleetArgs(command, policy, lab);
  const cost = await measure([process.execPath, ...nodeFlags, FLEET_CLI, ...args], opts);
  const n = lab.hosts.length;
  const expected = EXPECTED[phase];
  let failure: string | undefined;
  let report: RunReport | undefined;
  try {
    report = JSON.parse(cost.stdout) as RunReport;
  } catch {
    failure = `no JSON report (exit ${cost.code}): ${cost.stderr.trim().split('\n').slice(-3).join(' / ')}`;
  }
  if (report && cost.code !== expected.code) {
    const bad = report.hosts.filter((h) => h.error).slice(0, 3).map((h) => `${h.name} ${h.error?.code}: ${h.error?.message}`);
    failure = `exit ${cost.code}, expected ${expected.code}: ${bad.join(' / ') || cost.stderr.trim().split('\n').slice(-2).join(' / ')}`;
  } else if (report && report.summary[expected.field] !== n) {
    failure = `report says ${report.summary[expected.field]} of ${n} hosts ${expected.field}`;
  }
  const label = { check: 'fleet check', plan: 'fleet plan', apply: 'fleet apply', second: 'fleet apply (second run)' }[phase];
  return {
    label, tool: 'fleet', phase, cost,
    command: `node dist/cli/main.js ${args.map((a) => (a === policy ? 'policy.yml' : a === lab.knownHosts ? 'known_hosts' : a)).join(' ')}`,
    ...(report ? { reported: report.summary.changed } : {}),
    ...(failure ? { failure } : {}),
  };
}

/**
 * `fleet check` on hosts already in line (after the apply), through either client: ssh2 with
 * plain keys, or — once the lab is certified (certifyLab) — the OpenSSH client with a user
 * certificate and a @cert-authority known_hosts. Same hosts, same work, so the two rows price
 * the OpenSSH client path (a master ssh per host, one ssh process per command) against ssh2.
 */
export async function runFleetInLine(lab: Lab, forks: number, workDir: string, certs?: LabCertificates): Promise<Row> {
  const inventory = certs?.inventory ?? lab.inventory;
  const knownHosts = certs?.knownHosts ?? lab.knownHosts;
  const policy = join(workDir, certs ? 'policy-certificates.yml' : 'policy-in-line.yml');
  writeFileSync(policy, `inventory: ${inventory}\nsshd:\n  ClientAliveInterval: 298\n  ClientAliveCountMax: 50\nrollout:\n  forks: ${forks}\n`);
  const args = ['check', policy, '--known-hosts', knownHosts, '--global-known-hosts', '/dev/null', '--no-progress', '--format', 'json'];
  const cost = await measure([process.execPath, FLEET_CLI, ...args]);
  const n = lab.hosts.length;
  let failure: string | undefined;
  let report: RunReport | undefined;
  try {
    report = JSON.parse(cost.stdout) as RunReport;
  } catch {
    failure = `no JSON report (exit ${cost.code}): ${cost.stderr.trim().split('\n').slice(-3).join(' / ')}`;
  }
  if (report && (cost.code !== 0 || report.summary.unchanged !== n)) {
    const bad = report.hosts.filter((h) => h.error).slice(0, 3).map((h) => `${h.name} ${h.error?.code}: ${h.error?.message}`);
    failure = `exit ${cost.code}, ${report.summary.unchanged} of ${n} in line: ${bad.join(' / ')}`;
  }
  const label = certs ? 'fleet check, in line, certificates (OpenSSH client)' : 'fleet check, in line (ssh2)';
  return {
    label, tool: 'fleet', phase: 'check', cost,
    command: `node dist/cli/main.js ${args.map((a) => (a === policy ? 'policy.yml' : a === knownHosts ? (certs ? 'known_hosts(@cert-authority)' : 'known_hosts') : a)).join(' ')}`,
    ...(report ? { reported: report.summary.changed } : {}),
    ...(failure ? { failure } : {}),
  };
}
