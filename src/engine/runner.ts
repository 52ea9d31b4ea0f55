/**
 * Runs one command over a fleet: `forks` hosts at once, apply in `serial` batches, no new
 * batch once failures pass `max_fail_percent`, and on Ctrl-C or SIGTERM nothing new starts
 * while hosts in flight finish or roll back. Every selected host ends with a result.
 */
import pLimit from 'p-limit';
import type { HostSpec } from '../core/inventory/index.js';
import type { Policy } from '../core/policy/index.js';
import type { HostRunContext } from './context.js';
import { runHost } from './host.js';
import { summarize, type Command, type HostResult, type RunListener, type RunReport } from './types.js';

export interface FleetRunOptions {
  command: Command;
  hosts: readonly HostSpec[];
  policy: Pick<Policy, 'sshd' | 'client'>;
  forks: number;
  serial: Policy['rollout']['serial'];
  maxFailPercent: number;
  acceptNew: boolean;
  shard?: string;
  /** Builds the per-host context (connector, facts, clock) for a host. */
  contextFor(host: HostSpec, step: HostRunContext['step']): HostRunContext;
  listener: RunListener;
  /** Aborted by Ctrl-C / SIGTERM: start nothing new. */
  signal: AbortSignal;
}

export function batchSizes(total: number, serial: Policy['rollout']['serial']): number[] {
  const size = serial.kind === 'count' ? serial.n : Math.ceil((total * serial.pct) / 100);
  const step = Math.max(1, Math.min(total, size || total));
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= step) sizes.push(Math.min(step, left));
  return sizes;
}

function notStarted(host: HostSpec, code: 'SKIPPED' | 'INTERRUPTED', message: string): HostResult {
  return {
    name: host.name, address: host.address, status: 'failed', changes: [], effective: {}, explain: [], warnings: [],
    error: { code, message }, rolled_back: false, reloaded: false, duration_ms: 0,
  };
}

export async function runFleet(opts: FleetRunOptions): Promise<RunReport> {
  const startedAt = new Date();
  const limit = pLimit(Math.max(1, opts.forks));
  const results = new Map<string, HostResult>();
  const finish = (r: HostResult): void => {
    results.set(r.name, r);
    opts.listener({ type: 'host-done', result: r });
  };
  opts.listener({ type: 'start', command: opts.command, hosts: opts.hosts.map((h) => h.name) });
  const onAbort = (): void => opts.listener({ type: 'interrupt', inFlight: limit.activeCount });
  opts.signal.addEventListener('abort', onAbort, { once: true });

  // Reading is harmless, so plan and check take the whole fleet as one batch.
  const sizes = opts.command === 'apply' ? batchSizes(opts.hosts.length, opts.serial) : [opts.hosts.length];
  let offset = 0;
  let stopReason: string | null = null;
  for (const size of sizes) {
    const batch = opts.hosts.slice(offset, offset + size);
    offset += size;
    if (stopReason !== null) {
      for (const h of batch) finish(notStarted(h, 'SKIPPED', stopReason));
      continue;
    }
    await Promise.all(
      batch.map((host) =>
        limit(async () => {
          if (opts.signal.aborted) return finish(notStarted(host, 'INTERRUPTED', 'not started: the run was interrupted'));
          const ctx = opts.contextFor(host, (step) => opts.listener({ type: 'step', host: host.name, step }));
          finish(await runHost(ctx));
        }),
      ),
    );
    const done = [...results.values()];
    const failing = done.filter((r) => r.status === 'failed' || r.status === 'unreachable').length;
    const pct = (failing / opts.hosts.length) * 100;
    if (opts.command === 'apply' && offset < opts.hosts.length && pct > opts.maxFailPercent) {
      stopReason = `not started: ${failing} of ${opts.hosts.length} hosts failed (${pct.toFixed(0)}%), above max_fail_percent ${opts.maxFailPercent}`;
    }
  }
  opts.signal.removeEventListener('abort', onAbort);

  const hosts = opts.hosts.map((h) => results.get(h.name) as HostResult);
  const report: RunReport = {
    version: 1,
    command: opts.command,
    started_at: startedAt.toISOString(),
    duration_ms: Date.now() - startedAt.getTime(),
    accept_new: opts.acceptNew,
    ...(opts.shard ? { shard: opts.shard } : {}),
    summary: summarize(hosts),
    hosts,
  };
  opts.listener({ type: 'end', report });
  return report;
}
