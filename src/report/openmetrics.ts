/**
 * The OpenMetrics text format (Prometheus' exposition format), for node_exporter's textfile
 * collector: a scheduled `fleet check --format openmetrics` written into its folder turns drift,
 * failures and unreachable hosts into gauges that alert rules can watch. Every sample carries
 * no timestamp of its own: the collector stamps them when it scrapes, and
 * `fleet_run_timestamp_seconds` says when the run itself happened, so an alert can also fire
 * when the schedule stops (`time() - fleet_run_timestamp_seconds > …`).
 */
import type { HostResult, HostStatus, RunReport } from '../engine/types.js';

interface Family {
  name: string;
  help: string;
  unit?: string;
  samples: { labels: Record<string, string>; value: number }[];
}

/**
 * A label value as OpenMetrics writes it: backslash, double quote and newline escaped. Host
 * names and error codes come from inventories and hosts, so other control characters are
 * dropped rather than trusted to every reader of the file.
 */
function labelValue(text: string): string {
  return text
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '')
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\n', '\\n');
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${Number.isInteger(value) ? value : value.toFixed(3)}`;
}

const is = (h: HostResult, status: HostStatus): number => (h.status === status ? 1 : 0);

/** The gauges of one run; `command` is a label so check, plan and apply files can share a folder. */
export function renderOpenMetrics(report: RunReport): string {
  const command = report.command;
  const perHost = (name: string, help: string, value: (h: HostResult) => number, withCode = false): Family => ({
    name,
    help,
    samples: report.hosts.map((h) => ({ labels: { command, host: h.name, ...(withCode ? { code: h.error?.code ?? '' } : {}) }, value: value(h) })),
  });
  const families: Family[] = [
    perHost(
      'fleet_host_drift',
      'Whether the host differed from the policy when fleet read it (check: drifted; plan: would change; apply: was changed by this run).',
      (h) => is(h, 'changed'),
    ),
    perHost('fleet_host_failed', 'Whether the host failed; code is the error code (empty when it did not).', (h) => is(h, 'failed'), true),
    perHost('fleet_host_unreachable', 'Whether the host could not be reached over the network; code is the error code.', (h) => is(h, 'unreachable'), true),
    perHost('fleet_host_rolled_back', 'Whether fleet restored the host after a failed change.', (h) => (h.rolled_back ? 1 : 0)),
    { ...perHost('fleet_host_duration_seconds', "Time fleet spent on the host.", (h) => h.duration_ms / 1000), unit: 'seconds' },
    {
      name: 'fleet_run_timestamp_seconds',
      help: 'When the run started, in seconds since the Unix epoch.',
      unit: 'seconds',
      samples: [{ labels: { command }, value: Math.floor(Date.parse(report.started_at) / 1000) }],
    },
    { name: 'fleet_run_duration_seconds', help: 'How long the run took.', unit: 'seconds', samples: [{ labels: { command }, value: report.duration_ms / 1000 }] },
    {
      name: 'fleet_run_hosts',
      help: 'Hosts of the run by status.',
      samples: (['changed', 'unchanged', 'failed', 'unreachable'] as const).map((status) => ({ labels: { command, status }, value: report.summary[status] })),
    },
  ];
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# TYPE ${f.name} gauge`);
    if (f.unit !== undefined) lines.push(`# UNIT ${f.name} ${f.unit}`);
    lines.push(`# HELP ${f.name} ${f.help}`);
    for (const s of f.samples) lines.push(sample(f.name, s.labels, s.value));
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}
