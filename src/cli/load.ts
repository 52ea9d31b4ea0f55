/**
 * Reads the policy and inventory a run needs, applies the command-line overrides, and selects
 * the hosts. Every user mistake comes back as a ConfigError with positioned diagnostics.
 */
import { homedir } from 'node:os';
import { ConfigError, type Diagnostic } from '../core/errors.js';
import type { HostSpec } from '../core/inventory/index.js';
import { applySshConfig } from '../core/sshconfig/index.js';
import type { Policy } from '../core/policy/index.js';
import { inShard, parseShard } from '../core/shard.js';
import { loadYaml } from '../core/yaml-source.js';
import type { RunFlags } from './commands.js';
import { readInventory, readPolicy, selectPolicyHosts, type InventoryEnv } from './inputs.js';
import { loadSshConfig, sshEnvironment } from './ssh-config.js';

/** A POSIX user name, as the inventory schema allows for `user`. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;

export interface LoadedRun {
  policy: Policy;
  hosts: HostSpec[];
  /** The policy's rollout.forks when it sets one, else ansible.cfg's forks, else the default. */
  forks: number;
  serial: Policy['rollout']['serial'];
  warnings: Diagnostic[];
}

export function parseSerial(value: string, file = '--serial'): Policy['rollout']['serial'] {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(value);
  if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) return { kind: 'percent', pct: Number(pct[1]) };
  if (/^\d+$/.test(value) && Number(value) > 0) return { kind: 'count', n: Number(value) };
  throw new ConfigError([{ file, line: 0, col: 0, message: `serial must be a number of hosts or a percentage, not "${value}"`, severity: 'error' }]);
}

export async function loadRun(
  policyPath: string,
  flags: Pick<RunFlags, 'inventory' | 'limit' | 'user' | 'identity' | 'serial' | 'shard' | 'sshConfig' | 'timeout'>,
  user: string,
  where: Pick<InventoryEnv, 'env' | 'cwd' | 'home'> = {},
): Promise<LoadedRun> {
  if (flags.user !== undefined && !USER_NAME.test(flags.user)) {
    // The same rule as the inventory's `user`: a POSIX user name, nothing a shell or ssh could misread.
    throw new ConfigError([{ file: '--user', line: 0, col: 0, message: `${JSON.stringify(flags.user)} is not a user name`, severity: 'error' }]);
  }
  const read = await readPolicy(policyPath);
  const inv = await readInventory(read, flags.inventory, { user, home: homedir(), ...where });
  let hosts = selectPolicyHosts(read, inv, flags.limit);
  if (flags.shard) {
    const shard = parseShard(flags.shard);
    hosts = hosts.filter((h) => inShard(h.name, shard));
  }
  hosts = hosts.map((h) => withFlags(h, flags));
  const ssh = await resolveThroughSshConfig(hosts, flags, user, where.home ?? homedir());
  const serial = flags.serial ? parseSerial(flags.serial) : read.policy.rollout.serial;
  const policySetsForks = (loadYaml(read.text, read.file).source?.value as { rollout?: { forks?: unknown } } | null | undefined)?.rollout?.forks !== undefined;
  const forks = policySetsForks ? read.policy.rollout.forks : (inv.forks?.value ?? read.policy.rollout.forks);
  return { policy: read.policy, hosts: ssh.hosts, forks, serial, warnings: [...read.warnings, ...inv.inventory.warnings, ...ssh.warnings] };
}

/** --user and --identity win over the inventory, and say so in the host's origins. */
function withFlags(host: HostSpec, flags: Pick<RunFlags, 'user' | 'identity'>): HostSpec {
  const origins = { ...host.origins };
  const out: HostSpec = { ...host };
  if (flags.user) {
    out.user = flags.user;
    origins['user'] = '--user';
  }
  if (flags.identity) {
    out.identityFile = flags.identity;
    origins['identityFile'] = '--identity';
  }
  if (Object.keys(origins).length > 0) out.origins = origins;
  return out;
}

/**
 * Each host through the controller's ssh_config (--ssh-config FILE or none, else ~/.ssh/config
 * and /etc/ssh/ssh_config), as ssh would resolve it; the files are read once for all hosts.
 */
async function resolveThroughSshConfig(hosts: HostSpec[], flags: Pick<RunFlags, 'sshConfig' | 'timeout'>, user: string, home: string): Promise<{ hosts: HostSpec[]; warnings: Diagnostic[] }> {
  const env = sshEnvironment(home, user);
  const set = await loadSshConfig(env, flags.sshConfig);
  const warnings = new Map<string, Diagnostic>();
  const resolved = hosts.map((h) => {
    const applied = applySshConfig(h, set, env, flags.timeout !== undefined ? { connectTimeoutSeconds: flags.timeout } : {});
    // One warning per line of ssh_config, however many hosts it applies to.
    for (const w of applied.warnings) warnings.set(`${w.file}:${w.line}:${w.message}`, w);
    return applied.host;
  });
  return { hosts: resolved, warnings: [...warnings.values()] };
}
