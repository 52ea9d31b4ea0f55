/**
 * The fleet runner survives bugs: an error that escapes one host's work becomes that host's
 * INTERNAL failure, a listener that throws costs neither a host nor the run, and the run
 * always ends with a report covering every host.
 */
import { describe, expect, it } from 'vitest';
import { FleetError, InternalError } from '../../../src/core/errors.js';
import type { HostSpec } from '../../../src/core/inventory/index.js';
import type { HostRunContext } from '../../../src/engine/context.js';
import { runFleet, type FleetRunOptions } from '../../../src/engine/runner.js';
import type { RunEvent } from '../../../src/engine/types.js';

const spec = (name: string): HostSpec => ({ name, address: `192.0.2.${name.length}`, port: 22, user: 'root', become: false, sshdConfigPath: '/etc/ssh/sshd_config', groups: [] });

/** A context whose connect fails the way `connect` says: no network, no host touched. */
function context(host: HostSpec, step: HostRunContext['step'], connect: HostRunContext['connect']): HostRunContext {
  return {
    command: 'apply',
    host,
    policy: { sshd: { ClientAliveInterval: '300' } } as HostRunContext['policy'],
    connect,
    gatherFacts: () => Promise.reject(new Error('not reached')),
    probeAfter: () => Promise.reject(new Error('not reached')),
    runId: 'test',
    lockOwner: 'test controller 1 0',
    lockLeaseSeconds: 60,
    ownerAlive: () => true,
    now: () => new Date(0),
    step,
    loginRetryDelaysMs: [],
  };
}

const down = (): Promise<never> => Promise.reject(new FleetError('UNREACHABLE', 'no route to host'));

function options(over: Partial<FleetRunOptions>): FleetRunOptions {
  return {
    command: 'apply',
    hosts: ['web1', 'web2', 'web3'].map(spec),
    policy: { sshd: { ClientAliveInterval: '300' } } as FleetRunOptions['policy'],
    forks: 2,
    serial: { kind: 'percent', pct: 100 },
    maxFailPercent: 100,
    acceptNew: false,
    contextFor: (host, step) => context(host, step, down),
    listener: () => undefined,
    signal: new AbortController().signal,
    ...over,
  };
}

describe('runFleet contains bugs', () => {
  it('a host whose work throws past runHost (here: building its context) fails INTERNAL; the others are run and reported', async () => {
    const report = await runFleet(
      options({
        contextFor: (host, step) => {
          if (host.name === 'web2') throw new InternalError('no context for web2');
          return context(host, step, down);
        },
      }),
    );
    expect(report.hosts.map((h) => [h.name, h.status, h.error?.code])).toEqual([
      ['web1', 'unreachable', 'UNREACHABLE'],
      ['web2', 'failed', 'INTERNAL'],
      ['web3', 'unreachable', 'UNREACHABLE'],
    ]);
    expect(report.hosts[1]?.error?.message).toBe('internal error (a bug in fleet): no context for web2');
    expect(report.summary).toMatchObject({ hosts: 3, failed: 1, unreachable: 2 });
  });

  it('an unexpected exception inside a host (not a FleetError) is that host’s INTERNAL failure', async () => {
    const report = await runFleet(
      options({
        contextFor: (host, step) => context(host, step, host.name === 'web1' ? () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'x')")) : down),
      }),
    );
    expect(report.hosts[0]).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', message: expect.stringContaining('reading') } });
    expect(report.hosts.slice(1).map((h) => h.status)).toEqual(['unreachable', 'unreachable']);
  });

  it('a listener that throws on every event loses no host and no report; each throw is passed on as an internal error', async () => {
    const seen: string[] = [];
    const contained: unknown[] = [];
    const report = await runFleet(
      options({
        listener: (event: RunEvent) => {
          seen.push(event.type);
          throw new Error(`renderer bug on ${event.type}`);
        },
        onInternalError: (error) => contained.push(error),
      }),
    );
    expect(report.hosts.map((h) => h.error?.code)).toEqual(['UNREACHABLE', 'UNREACHABLE', 'UNREACHABLE']);
    expect(seen[0]).toBe('start');
    expect(seen.at(-1)).toBe('end');
    expect(seen.filter((t) => t === 'host-done')).toHaveLength(3);
    expect(contained).toHaveLength(seen.length);
  });
});
