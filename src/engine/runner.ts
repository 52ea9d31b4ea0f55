/**
 * Runs one command over a fleet: `forks` hosts at once, apply in `serial` batches, no new
 * batch once failures pass `max_fail_percent`, and on Ctrl-C or SIGTERM nothing new starts
 * while hosts in flight finish or roll back. Every selected host ends with a result, and the
 * run always ends with a report: an error that escapes one host's work (a bug) becomes that
 * host's INTERNAL failure, and a listener that throws costs neither a host nor the run.
 */
import pLimit from 'p-limit';
import type { HostSpec } from '../core/inventory/index.js';
import type { Policy } from '../core/policy/index.js';
import type { HostRunContext } from './context.js';
import { runHost } from './host.js';
import { summarize, type Command, type HostResult, type RunEvent, type RunListener, type RunReport } from './types.js';

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
  /** Told of a bug the run survived (a listener that threw); the CLI prints it and exits 1. */
  onInternalError?(error: unknown): void;
}

export function batchSizes(total: number, serial: Policy['rollout']['serial']): number[] {
  const size = serial.kind === 'count' ? serial.n : Math.ceil((total * serial.pct) / 100);
  const step = Math.max(1, Math.min(total, size || total));
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= step) sizes.push(Math.min(step, left));
  return sizes;
}

function notStarted(host: HostSpec, code: 'SKIPPED' | 'INTERRUPTED' | 'INTERNAL', message: string): HostResult {
  return {
    name: host.name, address: host.address, status: 'failed', changes: [], effective: {}, explain: [], warnings: [],
    error: { code, message }, rolled_back: false, reloaded: false, duration_ms: 0,
  };
}

/** A host whose work threw past runHost, which turns every failure it knows into a result: a bug. */
function internalFailure(host: HostSpec, error: unknown, durationMs: number): HostResult {
  const message = error instanceof Error ? error.message : String(error);
  return { ...notStarted(host, 'INTERNAL', `internal error (a bug in fleet): ${message}`), duration_ms: durationMs };
}

export async function runFleet(opts: FleetRunOptions): Promise<RunReport> {
  const startedAt = new Date();
  const limit = pLimit(Math.max(1, opts.forks));
  const results = new Map<string, HostResult>();
  const notify = (event: RunEvent): void => {
    try {
      opts.listener(event);
    } catch (error) {
      opts.onInternalError?.(error);
    }
  };
  const finish = (r: HostResult): void => {
    results.set(r.name, r);
    notify({ type: 'host-done', result: r });
  };
  const work = async (host: HostSpec): Promise<HostResult> => {
    const started = Date.now();
    try {
      return await runHost(opts.contextFor(host, (step) => notify({ type: 'step', host: host.name, step })));
    } catch (error) {
      return internalFailure(host, error, Date.now() - started);
    }
  };
  notify({ type: 'start', command: opts.command, hosts: opts.hosts.map((h) => h.name) });
  const onAbort = (): void => notify({ type: 'interrupt', inFlight: limit.activeCount });
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
          finish(await work(host));
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
  notify({ type: 'end', report });
  return report;
}
