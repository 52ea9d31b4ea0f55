/**
 * Parses OpenMetrics text with the reference parser (the Prometheus project's own Python client,
 * Debian's python3-prometheus-client, installed by the global test setup): strict, so a file the
 * textfile collector or a Prometheus server would reject fails here too.
 */
import { spawnSync } from 'node:child_process';

export interface ParsedSample {
  family: string;
  type: string;
  name: string;
  labels: Record<string, string>;
  value: number;
}

const PARSE = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        out.append({"family": fam.name, "type": fam.type, "name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps(out))
`;

/** Throws with the parser's message when the text is not valid OpenMetrics. */
export function parseOpenMetrics(text: string): ParsedSample[] {
  const res = spawnSync('/usr/bin/python3', ['-c', PARSE], { input: text, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`not valid OpenMetrics: ${res.stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(res.stdout) as ParsedSample[];
}
