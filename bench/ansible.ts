/**
 * Ansible as its users write this change: two `lineinfile` tasks validated with `sshd -t -f %s`
 * and a reload handler, forks F, pipelining on, ControlPersist on (Ansible's default ssh_args),
 * host keys checked against the lab's known_hosts. Debian's ansible-core is installed when missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { quote } from '../src/core/shell.js';
import type { Lab } from '../src/lab/index.js';
import { ensureProgram } from './install.js';
import { measure } from './measure.js';
import type { Phase, Row } from './results.js';

/** The ansible-playbook on PATH, installing Debian's ansible-core first when there is none. */
export function ensureAnsible(log: (line: string) => void): string {
  return ensureProgram('ansible-playbook', 'ansible-core', log);
}

export function ansibleVersion(playbook: string): string {
  const first = execFileSync(playbook, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  return `ansible-core ${/core ([\d.]+)/.exec(first)?.[1] ?? first}`;
}

const PLAYBOOK = [
  {
    name: 'SSH keepalive',
    hosts: 'all',
    // Facts are not needed for two lineinfile tasks; gathering them would only slow Ansible down.
    gather_facts: false,
    tasks: ['ClientAliveInterval 298', 'ClientAliveCountMax 50'].map((line) => ({
      name: line,
      'ansible.builtin.lineinfile': {
        path: '/etc/ssh/sshd_config',
        regexp: `^#?\\s*${line.split(' ')[0]}\\b`,
        line,
        validate: '/usr/sbin/sshd -t -f %s',
      },
      notify: 'reload sshd',
    })),
    handlers: [
      // No systemd on the lab hosts: a reload is what `systemctl reload ssh` does, SIGHUP to the listener.
      { name: 'reload sshd', 'ansible.builtin.shell': 'kill -HUP "$(cat /run/sshd.pid)"' },
    ],
  },
];

/**
 * The wrapper every Ansible run goes through: PID 1 of a private PID namespace. ssh's
 * ControlPersist masters detach from ansible-playbook; here they are re-parented to this
 * shell instead of the machine's init, so their CPU is charged to the run. When the playbook
 * ends they are told to exit and reaped, so no run inherits the previous run's connections.
 */
const WRAPPER = `#!/bin/bash
cp_dir=$1; shift
"$@"
rc=$?
for s in "$cp_dir"/*; do
  [ -S "$s" ] && ssh -o ControlPath="$s" -O exit lab >/dev/null 2>&1
done
for _ in $(seq 200); do
  [ -z "$(ls -A "$cp_dir")" ] && break
  sleep 0.05
done
sleep 0.1 # bash reaps the exited masters when this child ends
exit $rc
`;

export interface AnsibleSetup {
  playbookBin: string;
  dir: string;
  inventory: string;
  playbook: string;
  config: string;
}

export function writeAnsibleFiles(lab: Lab, forks: number, workDir: string, playbookBin: string): AnsibleSetup {
  const dir = join(workDir, 'ansible');
  mkdirSync(dir, { recursive: true });
  const inventory = join(dir, 'inventory.yml');
  const hosts = Object.fromEntries(lab.hosts.map((h) => [h.name, { ansible_host: h.address }]));
  const sshArgs = [`-o UserKnownHostsFile=${lab.knownHosts}`, '-o GlobalKnownHostsFile=/dev/null', '-o IdentitiesOnly=yes'].join(' ');
  writeFileSync(inventory, stringify({
    all: {
      vars: { ansible_user: 'root', ansible_ssh_private_key_file: lab.clientKey, ansible_ssh_common_args: sshArgs, ansible_python_interpreter: '/usr/bin/python3' },
      hosts,
    },
  }));
  const playbook = join(dir, 'keepalive.yml');
  writeFileSync(playbook, stringify(PLAYBOOK));
  const config = join(dir, 'ansible.cfg');
  writeFileSync(config, [
    '[defaults]',
    `forks = ${forks}`,
    'host_key_checking = True',
    'retry_files_enabled = False',
    '',
    '[ssh_connection]',
    'pipelining = True',
    // Ansible's default ssh_args: ControlMaster with ControlPersist.
    'ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'wrapper.sh'), WRAPPER, { mode: 0o755 });
  return { playbookBin, dir, inventory, playbook, config };
}

/** Per-host numbers from the PLAY RECAP: hosts that changed, failed or were unreachable. */
export function parseRecap(stdout: string): { hosts: number; changed: number; failed: number; unreachable: number } {
  const recap = stdout.slice(stdout.lastIndexOf('PLAY RECAP'));
  const totals = { hosts: 0, changed: 0, failed: 0, unreachable: 0 };
  for (const m of recap.matchAll(/^\S+\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    totals.hosts += 1;
    if (Number(m[1]) > 0) totals.changed += 1;
    if (Number(m[2]) > 0) totals.unreachable += 1;
    if (Number(m[3]) > 0) totals.failed += 1;
  }
  return totals;
}

export async function runAnsible(phase: Extract<Phase, 'check' | 'apply' | 'second'>, setup: AnsibleSetup, lab: Lab, runId: string): Promise<Row> {
  // A control-socket directory of its own: no run reuses another's ControlPersist connections.
  const cpDir = join(setup.dir, `cp-${runId}`);
  mkdirSync(cpDir, { recursive: true });
  const args = ['-i', setup.inventory, setup.playbook, ...(phase === 'check' ? ['--check', '--diff'] : [])];
  const env = { ...process.env, ANSIBLE_CONFIG: setup.config, ANSIBLE_SSH_CONTROL_PATH_DIR: cpDir, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' };
  const argv = ['unshare', '--pid', '--fork', '--kill-child', join(setup.dir, 'wrapper.sh'), cpDir, setup.playbookBin, ...args];
  const cost = await measure(argv, { env, cwd: setup.dir, sampleTreeMs: 250 });
  const n = lab.hosts.length;
  const recap = parseRecap(cost.stdout);
  const wantChanged = phase === 'second' ? 0 : n;
  let failure: string | undefined;
  if (cost.code !== 0) failure = `exit ${cost.code}: ${recap.failed} failed, ${recap.unreachable} unreachable; ${lastLines(cost.stdout + cost.stderr)}`;
  else if (recap.hosts !== n) failure = `PLAY RECAP lists ${recap.hosts} of ${n} hosts`;
  else if (recap.changed !== wantChanged) failure = `${recap.changed} of ${n} hosts changed, expected ${wantChanged}`;
  const label = { check: 'Ansible --check --diff', apply: 'Ansible apply', second: 'Ansible apply (second run)' }[phase];
  return {
    label, tool: 'ansible', phase, cost, reported: recap.changed,
    command: `ansible-playbook ${args.map((a) => (a === setup.inventory ? 'inventory.yml' : a === setup.playbook ? 'keepalive.yml' : quote(a))).join(' ')}`,
    ...(failure ? { failure } : {}),
  };
}

function lastLines(text: string): string {
  return text.trim().split('\n').filter((l) => /fatal|error|unreachable/i.test(l)).slice(0, 2).join(' / ').slice(0, 300);
}
