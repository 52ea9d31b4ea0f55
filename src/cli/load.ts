/**
 * Reads the policy and inventory a run needs, applies the command-line overrides, and selects
 * the hosts. Every user mistake comes back as a ConfigError with positioned diagnostics.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, type Diagnostic } from '../core/errors.js';
import { parseInventory, selectHosts, type HostSpec } from '../core/inventory/index.js';
import { parsePolicy, policyKeyPosition, type Policy } from '../core/policy/index.js';
import { inShard, parseShard } from '../core/shard.js';
import type { RunFlags } from './commands.js';

/** A POSIX user name, as the inventory schema allows for `user`. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;

export interface LoadedRun {
  policy: Policy;
  hosts: HostSpec[];
  serial: Policy['rollout']['serial'];
  warnings: Diagnostic[];
}

async function readInput(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError([{ file: path, line: 0, col: 0, message: `cannot read the ${what}: ${reason}`, severity: 'error' }]);
  }
}

export function parseSerial(value: string, file = '--serial'): Policy['rollout']['serial'] {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(value);
  if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) return { kind: 'percent', pct: Number(pct[1]) };
  if (/^\d+$/.test(value) && Number(value) > 0) return { kind: 'count', n: Number(value) };
  throw new ConfigError([{ file, line: 0, col: 0, message: `serial must be a number of hosts or a percentage, not "${value}"`, severity: 'error' }]);
}

export async function loadRun(policyPath: string, flags: Pick<RunFlags, 'inventory' | 'limit' | 'user' | 'identity' | 'serial' | 'shard'>, user: string): Promise<LoadedRun> {
  if (flags.user !== undefined && !USER_NAME.test(flags.user)) {
    // The same rule as the inventory's `user`: a POSIX user name, nothing a shell or ssh could misread.
    throw new ConfigError([{ file: '--user', line: 0, col: 0, message: `${JSON.stringify(flags.user)} is not a user name`, severity: 'error' }]);
  }
  const policyText = await readInput(policyPath, 'policy');
  const { policy, warnings } = parsePolicy(policyText, resolve(policyPath));
  const inventoryPath = flags.inventory ? resolve(flags.inventory) : policy.inventory;
  if (!inventoryPath) {
    throw new ConfigError([{ file: policyPath, line: 0, col: 0, message: 'no inventory: set `inventory:` in the policy or pass -i/--inventory', severity: 'error' }]);
  }
  const inventory = parseInventory(await readInput(inventoryPath, 'inventory'), inventoryPath, { user, home: homedir() });
  // Like Ansible's --limit: the hosts both patterns select, each pattern read on its own.
  const limited = flags.limit ? new Set(selectHosts(inventory, flags.limit).map((h) => h.name)) : null;
  const where = { file: policyPath, ...policyKeyPosition(policyText, policyPath, 'hosts') };
  let hosts = selectHosts(inventory, policy.hosts, where).filter((h) => limited === null || limited.has(h.name));
  if (hosts.length === 0) {
    const limit = flags.limit ? ` limited to ${JSON.stringify(flags.limit)}` : '';
    throw new ConfigError([{ ...where, message: `hosts: pattern ${JSON.stringify(policy.hosts)}${limit} selects no host of ${inventoryPath}`, severity: 'error' }]);
  }
  if (flags.shard) {
    const shard = parseShard(flags.shard);
    hosts = hosts.filter((h) => inShard(h.name, shard));
  }
  hosts = hosts.map((h) => ({ ...h, ...(flags.user ? { user: flags.user } : {}), ...(flags.identity ? { identityFile: flags.identity } : {}) }));
  const serial = flags.serial ? parseSerial(flags.serial) : policy.rollout.serial;
  return { policy, hosts, serial, warnings: [...warnings, ...inventory.warnings] };
}
