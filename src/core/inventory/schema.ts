import type { ValidateFunction } from 'ajv';
import { validate as precompiled } from '../generated/inventory.validate.js';
import type { InventoryDocument } from '../generated/inventory.js';

/** The inventory schema compiled ahead of time (scripts/gen-types.mjs, ajv standalone): no compile at start-up. */
export function validator(): ValidateFunction<InventoryDocument> {
  return precompiled as unknown as ValidateFunction<InventoryDocument>;
}
