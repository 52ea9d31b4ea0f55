/**
 * Reading and writing saved plans (core/saved-plan.ts) at the edge: `fleet plan --save-plan`
 * collects each host's planned files while it runs and writes them with the report; `fleet
 * apply --plan` reads them back instead of a policy and an inventory.
 */
import { readFile } from 'node:fs/promises';
import { FleetError } from '../core/errors.js';
import type { HostSpec } from '../core/inventory/index.js';
import type { Policy } from '../core/policy/index.js';
import { readSavedPlan, SAVED_PLAN_VERSION, sha256, type SavedFile, type SavedHost, type SavedPlan } from '../core/saved-plan.js';
import type { HostResult } from '../engine/types.js';
import { FLEET_VERSION } from '../version.js';

/** Collects what each host's plan would write, during a `plan --save-plan` run. */
export class PlanCollector {
  #planned = new Map<string, { files: SavedFile[]; promised: Record<string, string> }>();

  onPlanned(host: string): (files: SavedFile[], promised: Record<string, string>) => void {
    return (files, promised) => this.#planned.set(host, { files, promised });
  }

  /**
   * The saved plan of the hosts whose plan is complete. A host that failed or was unreachable
   * is left out, so an apply of this plan never touches it; `left` names them.
   */
  build(policy: Policy, policyText: string, hosts: readonly HostSpec[], results: readonly HostResult[], now: Date): { plan: SavedPlan; left: string[] } {
    const ok = new Set(results.filter((r) => r.status === 'changed' || r.status === 'unchanged').map((r) => r.name));
    const saved: SavedHost[] = [];
    const left: string[] = [];
    for (const spec of hosts) {
      const planned = this.#planned.get(spec.name);
      if (planned === undefined || !ok.has(spec.name)) left.push(spec.name);
      else saved.push({ spec, files: planned.files, promised: planned.promised });
    }
    return {
      plan: {
        fleet_saved_plan: SAVED_PLAN_VERSION,
        fleet_version: FLEET_VERSION,
        created_at: now.toISOString(),
        policy_sha256: sha256(policyText) as string,
        inventory_sha256: sha256(JSON.stringify(hosts)) as string,
        policy,
        hosts: saved,
      },
      left,
    };
  }
}

/** A saved plan file, checked; a FleetError names the file and what is wrong. */
export async function loadSavedPlan(path: string): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FleetError('INPUT_MISSING', `--plan ${path}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FleetError('CONFIG_INVALID', `--plan ${path}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  const plan = readSavedPlan(value);
  if (typeof plan === 'string') throw new FleetError('CONFIG_INVALID', `--plan ${path}: ${plan}`);
  return plan;
}
