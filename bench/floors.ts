/**
 * The two floors: the least SSH work that reads each host's config and runs `sshd -T`, with
 * host keys checked. Bare OpenSSH (one `ssh` per host, `xargs -P`), and a minimal ssh2 script
 * in one process (the limit of fleet's own stack).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quote } from '../src/core/shell.js';
import type { Lab } from '../src/lab/index.js';
import { measure } from './measure.js';
import type { Row } from './results.js';

/** The same exchange for every floor: read the config, print the effective one. */
export const FLOOR_COMMAND = 'cat /etc/ssh/sshd_config >/dev/null; /usr/sbin/sshd -T';

const SSH2_FLOOR = fileURLToPath(new URL('./ssh2-floor.js', import.meta.url));

/** A floor succeeded only if every host printed its effective config. */
function hostsAnswered(stdout: string): number {
  return stdout.split('\n').filter((l) => l.startsWith('clientaliveinterval ')).length;
}

function row(label: string, tool: Row['tool'], display: string, cost: Awaited<ReturnType<typeof measure>>, n: number): Row {
  const answered = hostsAnswered(cost.stdout);
  const failure =
    cost.code !== 0 ? `exit ${cost.code}: ${cost.stderr.trim().split('\n').slice(-3).join(' / ')}` : answered !== n ? `only ${answered} of ${n} hosts answered` : undefined;
  return { label, tool, phase: 'floor', command: display, cost, ...(failure ? { failure } : {}), answered };
}

export async function bareOpenSsh(lab: Lab, forks: number, workDir: string): Promise<Row> {
  const list = join(workDir, 'addresses');
  writeFileSync(list, lab.hosts.map((h) => h.address).join('\n') + '\n');
  const ssh = [
    'ssh', '-F', '/dev/null', '-i', lab.clientKey, '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
  ];
  const argv = ['xargs', '-P', String(forks), '-I', '{}', ...ssh, 'root@{}', FLOOR_COMMAND];
  const cost = await measure(['sh', '-c', `exec "$@" < ${quote(list)}`, 'xargs', ...argv], { sampleTreeMs: 250 });
  return row('bare OpenSSH (ssh × N, xargs -P F)', 'ssh', `xargs -P ${forks} -I{} ssh -i KEY -o UserKnownHostsFile=… -o StrictHostKeyChecking=yes -o BatchMode=yes root@{} '${FLOOR_COMMAND}' < addresses`, cost, lab.hosts.length);
}

/** The ssh2 floor's command line: `command` on every lab host, `forks` at a time. */
export function ssh2FloorArgv(lab: Lab, forks: number, command: string, noDelay: boolean): string[] {
  return [process.execPath, SSH2_FLOOR, lab.clientKey, lab.knownHosts, String(forks), command, ...lab.hosts.map((h) => h.address), ...(noDelay ? ['--no-delay'] : [])];
}

export async function ssh2Floor(lab: Lab, forks: number, noDelay: boolean): Promise<Row> {
  const cost = await measure(ssh2FloorArgv(lab, forks, FLOOR_COMMAND, noDelay));
  const label = noDelay ? 'minimal ssh2 script, TCP_NODELAY' : 'minimal ssh2 script';
  return row(label, 'ssh2', `node dist-bench/bench/ssh2-floor.js KEY KNOWN_HOSTS ${forks} '${FLOOR_COMMAND}' ADDRESS…${noDelay ? ' --no-delay' : ''}`, cost, lab.hosts.length);
}
