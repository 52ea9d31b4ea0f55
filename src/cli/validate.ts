/**
 * `fleet validate POLICY [-i INVENTORY]`: checks a policy and its inventory without connecting
 * to anything, and gathers advice about the keepalive numbers. Every user mistake becomes a
 * positioned diagnostic; only a bug in fleet throws.
 */
import { homedir } from 'node:os';
import { adviseKeepalive, type Advice } from '../core/advice.js';
import { ConfigError, type Diagnostic } from '../core/errors.js';
import type { HostSpec } from '../core/inventory/index.js';
import { defaultUser, readInventory, readPolicy, selectPolicyHosts, type InventoryEnv } from './inputs.js';

/** What `fleet validate` found. */
export interface ValidateResult {
  /** True when no diagnostic is an error. */
  ok: boolean;
  /** Errors and warnings, positioned, in the order found. */
  diagnostics: Diagnostic[];
  advice: Advice[];
  /** How many hosts the policy's pattern selects (0 when it could not be evaluated). */
  hosts: number;
  /** The hosts selected, for --list-hosts (empty when they could not be evaluated). */
  selected: HostSpec[];
}

/** Reads and checks a policy and its inventory (-i overrides the policy's `inventory:`). */
export async function validateFiles(
  policyPath: string,
  inventoryPath?: string | readonly string[],
  env: InventoryEnv = { user: defaultUser(), home: homedir() },
): Promise<ValidateResult> {
  const diagnostics: Diagnostic[] = [];
  let advice: Advice[] = [];
  const done = (selected: HostSpec[] = []): ValidateResult => ({ ok: !diagnostics.some((d) => d.severity === 'error'), diagnostics, advice, hosts: selected.length, selected });
  try {
    const read = await readPolicy(policyPath);
    diagnostics.push(...read.warnings);
    advice = adviseKeepalive(read.policy);
    const inv = await readInventory(read, inventoryPath, env);
    diagnostics.push(...inv.inventory.warnings);
    return done(selectPolicyHosts(read, inv));
  } catch (error) {
    // Each step stops at its first broken file: what it found so far is the answer.
    if (!(error instanceof ConfigError)) throw error;
    diagnostics.push(...error.diagnostics);
    return done();
  }
}
