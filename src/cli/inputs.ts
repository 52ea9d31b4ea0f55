/**
 * Reading the user's files, shared by `fleet validate` and the commands that connect: the
 * policy, the inventory it names (or -i), and the hosts its pattern selects. Each step throws
 * ConfigError with positioned diagnostics, so validate can collect them and the others stop.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { ConfigError, type Diagnostic } from '../core/errors.js';
import { parseInventory, selectHosts, type HostSpec, type Inventory } from '../core/inventory/index.js';
import { parsePolicy, policyKeyPosition, type Policy } from '../core/policy/index.js';

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

/** The inventory -i names, else the policy's `inventory:` (resolved against the policy's folder). */
export async function readInventory(read: ReadPolicy, flag: string | undefined, env: { user: string; home?: string }): Promise<{ file: string; inventory: Inventory }> {
  const file = flag ?? (read.policy.inventory ? displayPath(read.policy.inventory) : undefined);
  if (file === undefined) {
    throw new ConfigError([{ file: read.file, line: 0, col: 0, message: 'names no inventory: add inventory: to the policy or pass -i INVENTORY', severity: 'error' }]);
  }
  return { file, inventory: parseInventory(await readInput(file, 'inventory'), file, env) };
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

/** A path relative to the working directory when that is shorter, as a compiler prints it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && relative.length < file.length ? relative : file;
}
