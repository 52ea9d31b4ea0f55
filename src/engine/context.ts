/**
 * What one host's run needs from the outside world. The engine only sees these interfaces,
 * so tests can drive it with a real lab or a scripted transport alike.
 */
import type { GuardedProbe, HostFacts } from '../facts/index.js';
import type { Policy } from '../core/policy/index.js';
import type { HostSpec } from '../core/inventory/index.js';
import type { Transport } from '../transport/index.js';
import type { Command, Step } from './types.js';
import type { SavedFile, SavedHost } from '../core/saved-plan.js';

export interface HostRunContext {
  command: Command;
  host: HostSpec;
  policy: Pick<Policy, 'sshd' | 'client'>;
  /** Opens a NEW session every call: the second login proof depends on it. */
  connect(host: HostSpec): Promise<Transport>;
  gatherFacts(t: Transport): Promise<HostFacts>;
  /** `guard` then the facts probe, in one round trip (see facts/index.ts). */
  probeAfter(t: Transport, guard: string): Promise<GuardedProbe>;
  /** Unique per run; names temp files and the lock's owner. */
  runId: string;
  /** `<runId> <controller host> <controller pid>`: written into the host's lock; the random run id is what is compared. */
  lockOwner: string;
  /** How long a lock stays this run's without renewal; the running apply renews it every third of that. */
  lockLeaseSeconds: number;
  /** True when this controller's process `pid` is alive (a lock left by a dead fleet is stale). */
  ownerAlive(owner: string): boolean;
  now(): Date;
  step(step: Step): void;
  /** Delay between fresh-login attempts while sshd re-executes after a reload. */
  loginRetryDelaysMs: readonly number[];
  /** plan --save-plan: receives what the host's plan would write. */
  onPlanned?: (files: SavedFile[], promised: Record<string, string>) => void;
  /** apply --plan: the reviewed plan of each host; a host whose plan differs is not touched. */
  reviewed?: ReadonlyMap<string, SavedHost>;
}
