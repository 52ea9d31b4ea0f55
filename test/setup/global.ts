/**
 * Runs once before the test files: makes sure the machine has what the tests use, installing
 * it with apt-get on a fresh Debian machine, so `npm test` needs nothing else. OpenSSH (server
 * and client) for the real-sshd lab; busybox and sudo for the facts script's busybox-sh case
 * and the `become` (sudo -n) cases; the Prometheus client's parser for the OpenMetrics report; ansible-core
 * for ansible-inventory, the oracle of the inventory tests; zsh and fish as login shells that are not sh
 * (the transport's fixed command line must run in them).
 */
import { spawnSync } from 'node:child_process';
import { ensureOpenSshServer } from '../../src/lab/index.js';

const TEST_PACKAGES: Record<string, string> = {
  busybox: '/bin/busybox',
  sudo: '/usr/bin/sudo',
  // The reference OpenMetrics parser, for the report format's tests.
  'python3-prometheus-client': '/usr/lib/python3/dist-packages/prometheus_client/openmetrics/parser.py',
  'ansible-core': '/usr/bin/ansible-inventory',
  // The remote scripts are checked with it (test/integration/client-probe.test.ts).
  shellcheck: '/usr/bin/shellcheck',
  zsh: '/usr/bin/zsh',
  fish: '/usr/bin/fish',
};

function has(path: string): boolean {
  return spawnSync('test', ['-e', path]).status === 0;
}

function apt(args: string[]): void {
  const res = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (res.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${res.status}); the tests need: ${Object.keys(TEST_PACKAGES).join(', ')}`);
}

export default async function setup(): Promise<void> {
  await ensureOpenSshServer();
  const missing = Object.entries(TEST_PACKAGES).filter(([, path]) => !has(path)).map(([pkg]) => pkg);
  if (missing.length > 0) {
    apt(['update']);
    apt(['install', '-y', '--no-install-recommends', ...missing]);
  }
}
