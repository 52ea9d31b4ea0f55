import type { ErrorObject, ValidateFunction } from 'ajv';
import { isVaultValue } from '../yaml-source.js';
import { validate as precompiled } from '../generated/inventory.validate.js';
import type { InventoryDocument } from '../generated/inventory.js';

/** The inventory schema compiled ahead of time (scripts/gen-types.mjs, ajv standalone): no compile at start-up. */
export function validator(): ValidateFunction<InventoryDocument> {
  return precompiled as unknown as ValidateFunction<InventoryDocument>;
}

/**
 * Schema errors less those a vault value causes: a `!vault` connection var fails the schema's
 * types (and every `anyOf` around it), but readLevel names it with the real reason instead.
 */
export function withoutVaultErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const vaultPaths = errors.filter((e) => isVaultValue(e.data)).map((e) => e.instancePath);
  // Around a vault value, the branches of each enclosing anyOf fail on type alone; a real
  // mistake there (an unknown key, a bad name) is reported by its own keyword and kept.
  const branchMiss = new Set(['anyOf', 'oneOf', 'type', 'pattern', 'enum', 'const']);
  const underVault = (e: ErrorObject): boolean =>
    vaultPaths.includes(e.instancePath) || (branchMiss.has(e.keyword) && e.propertyName === undefined && vaultPaths.some((p) => p.startsWith(`${e.instancePath}/`)));
  return errors.filter((e) => !underVault(e));
}
