/**
 * Reads the policy and inventory a run needs, applies the command-line overrides, and selects
 * the hosts. Every user mistake comes back as a ConfigError with positioned diagnostics.
 */
import { homedir } from 'node:os';
import { ConfigError, type Diagnostic } from '../core/errors.js';
import type { HostSpec } from '../core/inventory/index.js';
import type { Policy } from '../core/policy/index.js';
import { inShard, parseShard } from '../core/shard.js';
import { loadYaml } from '../core/yamlSource.js';
import type { RunFlags } from './commands.js';
import { readInventory, readPolicy, selectPolicyHosts, type InventoryEnv } from './inputs.js';

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
  flags: Pick<RunFlags, 'inventory' | 'limit' | 'user' | 'identity' | 'serial' | 'shard'>,
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
  hosts = hosts.map((h) => ({
    ...h,
    ...(flags.user ? { user: flags.user } : {}),
    ...(flags.identity ? { identityFile: flags.identity } : {}),
    origins: { ...h.origins, ...(flags.user ? { user: '--user' } : {}), ...(flags.identity ? { identityFile: '--identity' } : {}) },
  }));
  const serial = flags.serial ? parseSerial(flags.serial) : read.policy.rollout.serial;
  const policySetsForks = (loadYaml(read.text, read.file).source?.value as { rollout?: { forks?: unknown } } | null | undefined)?.rollout?.forks !== undefined;
  const forks = policySetsForks ? read.policy.rollout.forks : (inv.forks?.value ?? read.policy.rollout.forks);
  return { policy: read.policy, hosts, forks, serial, warnings: [...read.warnings, ...inv.inventory.warnings] };
}
