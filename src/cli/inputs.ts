/**
 * Reading the user's files, shared by `fleet validate` and the commands that connect: the
 * policy, the inventory it names (or -i), and the hosts its pattern selects. Each step throws
 * ConfigError with positioned diagnostics, so validate can collect them and the others stop.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { ConfigError, type Diagnostic } from '../core/errors.js';
import { ansibleSettings, type Sourced } from '../core/inventory/ansible-config.js';
import { loadInventory, selectHosts, type HostSpec, type Inventory, type InventoryDefaults } from '../core/inventory/index.js';
import { parsePolicy, policyKeyPosition, type Policy } from '../core/policy/index.js';
import { displayPath, findAnsibleConfig, readInventorySources, readVarsBase } from './ansible-files.js';

/** The login user when the inventory names none: $USER, else the OS account, else root. */
export function defaultUser(): string {
  try {
    return process.env['USER'] || userInfo().username || 'root';
  } catch {
    return 'root';
  }
}

/** A file's text; a file that cannot be read is a diagnostic at `file`, saying why. */
export async function readInput(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ConfigError([{ file, line: 0, col: 0, message: `cannot read the ${what}: ${reason}`, severity: 'error' }]);
  }
}

export interface ReadPolicy {
  /** The path as the user gave it: diagnostics name it so. */
  file: string;
  text: string;
  policy: Policy;
  warnings: Diagnostic[];
}

export async function readPolicy(file: string): Promise<ReadPolicy> {
  const text = await readInput(file, 'policy');
  const { policy, warnings } = parsePolicy(text, file);
  return { file, text, policy, warnings };
}

/** Who runs fleet, and where: what Ansible's config search and relative paths depend on. */
export interface InventoryEnv {
  /** The login user when nothing else names one ($USER). */
  user: string;
  home?: string;
  /** Default process.env: ANSIBLE_CONFIG, ANSIBLE_INVENTORY, ANSIBLE_REMOTE_USER, … */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default process.cwd(): where ./ansible.cfg is looked for. */
  cwd?: string;
}

export interface ReadInventory {
  /** The sources, as messages name them. */
  file: string;
  inventory: Inventory;
  /** ansible.cfg's (or ANSIBLE_FORKS') forks, for a policy that sets none. */
  forks?: Sourced<number>;
}

/**
 * The inventory as Ansible would find it: every -i (files or folders, in order), else the
 * policy's `inventory:` (resolved against the policy's folder), else ANSIBLE_INVENTORY, else
 * ansible.cfg's `inventory`; group_vars/ and host_vars/ beside each source and beside the
 * policy; remote_user and private_key_file from ansible.cfg or the environment as defaults.
 */
export async function readInventory(read: ReadPolicy, flag: string | readonly string[] | undefined, who: InventoryEnv): Promise<ReadInventory> {
  const cwd = who.cwd ?? process.cwd();
  const env = who.env ?? process.env;
  const settings = ansibleSettings({ config: await findAnsibleConfig(env, cwd, who.home), env, cwd, ...(who.home !== undefined ? { home: who.home } : {}) });
  if (settings.diagnostics.some((d) => d.severity === 'error')) throw new ConfigError(settings.diagnostics);
  const flags = flag === undefined ? [] : typeof flag === 'string' ? [flag] : [...flag];
  const paths = flags.length > 0 ? flags : read.policy.inventory ? [read.policy.inventory] : (settings.inventory?.value ?? []);
  if (paths.length === 0) {
    throw new ConfigError([{ file: read.file, line: 0, col: 0, message: 'names no inventory: add inventory: to the policy, pass -i INVENTORY, or set inventory in ansible.cfg', severity: 'error' }]);
  }
  const { sources, varsBases } = await readInventorySources(paths);
  if (sources.length === 0) {
    throw new ConfigError(paths.map((p) => ({ file: displayPath(p), line: 0, col: 0, message: 'holds no inventory file fleet reads (Ansible skips .ini, .cfg, .txt, .md, hidden files, group_vars/, host_vars/ in a folder)', severity: 'error' as const })));
  }
  // The policy plays the playbook's part: Ansible reads group_vars/ and host_vars/ beside it too.
  varsBases.push(await readVarsBase(path.dirname(path.resolve(read.file)), 'policy'));
  const defaults: InventoryDefaults = {
    user: settings.remoteUser?.value ?? who.user,
    ...(settings.remoteUser ? { userOrigin: settings.remoteUser.origin } : {}),
    ...(settings.privateKeyFile ? { identityFile: settings.privateKeyFile.value, identityOrigin: settings.privateKeyFile.origin } : {}),
    ...(who.home !== undefined ? { home: who.home } : {}),
  };
  const inventory = loadInventory({ sources, varsBases }, defaults);
  inventory.warnings.unshift(...settings.diagnostics);
  return { file: inventory.file, inventory, ...(settings.forks ? { forks: settings.forks } : {}) };
}

/**
 * The hosts the policy's `hosts:` selects and, like Ansible's --limit, `limit` selects too
 * (each pattern read on its own). Selecting none is an error at the policy's `hosts:` key.
 */
export function selectPolicyHosts(read: ReadPolicy, inv: { file: string; inventory: Inventory }, limit?: string): HostSpec[] {
  const limited = limit ? new Set(selectHosts(inv.inventory, limit).map((h) => h.name)) : null;
  const where = { file: read.file, ...policyKeyPosition(read.text, read.file, 'hosts') };
  const hosts = selectHosts(inv.inventory, read.policy.hosts, where).filter((h) => limited === null || limited.has(h.name));
  if (hosts.length === 0) {
    const limitNote = limit ? ` limited to ${JSON.stringify(limit)}` : '';
    throw new ConfigError([{ ...where, message: `hosts: pattern ${JSON.stringify(read.policy.hosts)}${limitNote} selects no host of ${inv.file}`, severity: 'error' }]);
  }
  return hosts;
}
