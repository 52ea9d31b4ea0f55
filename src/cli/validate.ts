/**
 * `fleet validate POLICY [-i INVENTORY]`: checks a policy and its inventory without connecting
 * to anything, and gathers advice about the keepalive numbers. Every user mistake becomes a
 * positioned diagnostic; only a bug in fleet throws.
 */
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import { adviseKeepalive } from '../core/advice.js';
import type { Advice } from '../core/advice.js';
import { ConfigError } from '../core/errors.js';
import type { Diagnostic } from '../core/errors.js';
import { parseInventory, selectHosts } from '../core/inventory/index.js';
import type { Inventory } from '../core/inventory/index.js';
import { parsePolicy, policyKeyPosition } from '../core/policy/index.js';
import type { Policy } from '../core/policy/index.js';

/** What `fleet validate` found. */
export interface ValidateResult {
  /** True when no diagnostic is an error. */
  ok: boolean;
  /** Errors and warnings, positioned, in the order found. */
  diagnostics: Diagnostic[];
  advice: Advice[];
  /** How many hosts the policy's pattern selects (0 when it could not be evaluated). */
  hosts: number;
}

/** The login user when the inventory names none: $USER, else the OS account, else root. */
export function defaultUser(): string {
  if (process.env['USER']) return process.env['USER'];
  try {
    return userInfo().username || 'root';
  } catch {
    return 'root';
  }
}

/** Reads and checks a policy and its inventory (-i overrides the policy's `inventory:`). */
export async function validateFiles(
  policyPath: string,
  inventoryPath?: string,
  env: { user: string; home?: string } = { user: defaultUser(), home: homedir() },
): Promise<ValidateResult> {
  const diagnostics: Diagnostic[] = [];
  const done = (advice: Advice[] = [], hosts = 0): ValidateResult => ({
    ok: !diagnostics.some((d) => d.severity === 'error'),
    diagnostics,
    advice,
    hosts,
  });

  const policyText = await readText(policyPath, 'policy', diagnostics);
  if (policyText === undefined) return done();
  let policy: Policy;
  try {
    const parsed = parsePolicy(policyText, policyPath);
    policy = parsed.policy;
    diagnostics.push(...parsed.warnings);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    diagnostics.push(...error.diagnostics);
    return done();
  }
  const advice = adviseKeepalive(policy);

  const inventoryFile = inventoryPath ?? (policy.inventory ? displayPath(policy.inventory) : undefined);
  if (inventoryFile === undefined) {
    diagnostics.push({ file: policyPath, line: 0, col: 0, message: 'names no inventory: add inventory: to the policy or pass -i INVENTORY', severity: 'error' });
    return done(advice);
  }
  const inventoryText = await readText(inventoryFile, 'inventory', diagnostics);
  if (inventoryText === undefined) return done(advice);
  let inventory: Inventory;
  try {
    inventory = parseInventory(inventoryText, inventoryFile, env);
    diagnostics.push(...inventory.warnings);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    diagnostics.push(...error.diagnostics);
    return done(advice);
  }

  const where = { file: policyPath, ...policyKeyPosition(policyText, policyPath, 'hosts') };
  try {
    const hosts = selectHosts(inventory, policy.hosts, where);
    if (hosts.length === 0) {
      diagnostics.push({ ...where, message: `hosts: pattern ${JSON.stringify(policy.hosts)} selects no host of ${inventoryFile}`, severity: 'error' });
    }
    return done(advice, hosts.length);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    diagnostics.push(...error.diagnostics);
    return done(advice);
  }
}

async function readText(file: string, what: string, diagnostics: Diagnostic[]): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
    diagnostics.push({ file, line: 0, col: 0, message: `cannot read ${what}: ${reason}`, severity: 'error' });
    return undefined;
  }
}

/** A path relative to the working directory when that is shorter, as a compiler prints it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && relative.length < file.length ? relative : file;
}
