/** `--format openmetrics`, read back by the Prometheus project's own strict parser. */
import { describe, expect, it } from 'vitest';
import { summarize, type HostResult, type RunReport } from '../../../src/engine/types.js';
import { render } from '../../../src/report/index.js';
import { parseOpenMetrics, type ParsedSample } from '../../helpers/openmetrics.js';

function host(name: string, status: HostResult['status'], extra: Partial<HostResult> = {}): HostResult {
  return { name, address: '127.0.1.9', status, changes: [], effective: {}, explain: [], warnings: [], error: null, rolled_back: false, reloaded: false, duration_ms: 1250, ...extra };
}
function report(hosts: HostResult[]): RunReport {
  return { version: 1, command: 'check', started_at: '2026-12-02T07:00:00.000Z', duration_ms: 4321, accept_new: false, summary: summarize(hosts), hosts };
}
const value = (samples: ParsedSample[], name: string, labels: Record<string, string>): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('openmetrics report', () => {
  const hostile = 'we"ird\\host\nname\u001b[31m';
  const samples = parseOpenMetrics(
    render(
      report([
        host('web1', 'changed'),
        host('db1', 'unchanged'),
        host('db2', 'failed', { error: { code: 'LOGIN_FAILED', message: 'x' }, rolled_back: true }),
        host('gone', 'unreachable', { error: { code: 'UNREACHABLE', message: 'refused' } }),
        host(hostile, 'unchanged'),
      ]),
      'openmetrics',
    ),
  );

  it('has per-host drift, failure and unreachable gauges with their codes', () => {
    expect(value(samples, 'fleet_host_drift', { host: 'web1', command: 'check' })).toBe(1);
    expect(value(samples, 'fleet_host_drift', { host: 'db1' })).toBe(0);
    expect(value(samples, 'fleet_host_failed', { host: 'db2', code: 'LOGIN_FAILED' })).toBe(1);
    expect(value(samples, 'fleet_host_failed', { host: 'web1', code: '' })).toBe(0);
    expect(value(samples, 'fleet_host_unreachable', { host: 'gone', code: 'UNREACHABLE' })).toBe(1);
    expect(value(samples, 'fleet_host_rolled_back', { host: 'db2' })).toBe(1);
    expect(value(samples, 'fleet_host_duration_seconds', { host: 'web1' })).toBe(1.25);
  });

  it("has the run's timestamp, duration and counts", () => {
    expect(value(samples, 'fleet_run_timestamp_seconds', {})).toBe(Date.parse('2026-12-02T07:00:00Z') / 1000);
    expect(value(samples, 'fleet_run_duration_seconds', {})).toBe(4.321);
    expect(value(samples, 'fleet_run_hosts', { status: 'changed' })).toBe(1);
    expect(value(samples, 'fleet_run_hosts', { status: 'unchanged' })).toBe(2);
    expect(value(samples, 'fleet_run_hosts', { status: 'failed' })).toBe(1);
    expect(value(samples, 'fleet_run_hosts', { status: 'unreachable' })).toBe(1);
  });

  it('keeps a host name with quotes, backslashes and newlines one label value, without control bytes', () => {
    const names = samples.filter((s) => s.name === 'fleet_host_drift').map((s) => s.labels.host);
    expect(names).toContain('we"ird\\host\nname[31m');
  });

  it('is refused by the parser when broken (the test can fail)', () => {
    expect(() => parseOpenMetrics('fleet_host_drift{host="a"} 1\n')).toThrow(/not valid OpenMetrics/);
  });
});
