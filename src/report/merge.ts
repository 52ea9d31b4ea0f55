/**
 * Joins the JSON reports of shard jobs (`--shard K/N`, one per CI matrix job or Indexed Job
 * pod) into the report one unsharded run would have written, so the exit code and every
 * renderer work on the whole fleet again.
 */
import { readFile } from 'node:fs/promises';
import { FleetError } from '../core/errors.js';
import { summarize, type Command, type HostResult, type RunReport } from '../engine/types.js';

const COMMANDS: readonly Command[] = ['plan', 'apply', 'check'];
const STATUSES: readonly HostResult['status'][] = ['unchanged', 'changed', 'failed', 'unreachable'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads one saved report, checking the fields a merge relies on. Anything else (an older or
 * newer contract, a text report saved by mistake) is refused by name rather than half-merged.
 */
export function parseReport(text: string, file: string): RunReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FleetError('CONFIG_INVALID', `${file}: not JSON (${(error as Error).message}); write shard reports with --format json`);
  }
  if (!isObject(value) || value['version'] !== 1) throw new FleetError('CONFIG_INVALID', `${file}: not a fleet JSON report of version 1`);
  const { command, hosts, started_at: startedAt, duration_ms: duration, shard } = value;
  if (!COMMANDS.includes(command as Command)) throw new FleetError('CONFIG_INVALID', `${file}: "command" must be one of ${COMMANDS.join(', ')}`);
  if (typeof startedAt !== 'string' || Number.isNaN(Date.parse(startedAt))) throw new FleetError('CONFIG_INVALID', `${file}: "started_at" is not an ISO time`);
  if (typeof duration !== 'number') throw new FleetError('CONFIG_INVALID', `${file}: "duration_ms" is not a number`);
  if (shard !== undefined && (typeof shard !== 'string' || !/^\d+\/\d+$/.test(shard))) throw new FleetError('CONFIG_INVALID', `${file}: "shard" is not K/N`);
  if (!Array.isArray(hosts)) throw new FleetError('CONFIG_INVALID', `${file}: "hosts" is not a list`);
  hosts.forEach((h: unknown, i) => {
    if (!isObject(h) || typeof h['name'] !== 'string' || !STATUSES.includes(h['status'] as HostResult['status'])) {
      throw new FleetError('CONFIG_INVALID', `${file}: hosts[${i}] has no name or no known status`);
    }
  });
  return value as unknown as RunReport;
}

/** Reads and parses each report file; a missing file is named. */
export async function readReports(paths: readonly string[]): Promise<RunReport[]> {
  return Promise.all(
    paths.map(async (path) => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
        throw new FleetError('INPUT_MISSING', `${path}: cannot read the report: ${reason}`);
      }
      return parseReport(text, path);
    }),
  );
}

/**
 * A missing shard must not pass for a clean fleet: a drift check whose third job never
 * uploaded would otherwise report "no drift" for two thirds of the hosts. So when the inputs
 * are shards, all of them must be there, once, of the same split.
 */
function checkShards(reports: readonly RunReport[]): void {
  const shards = reports.map((r) => r.shard);
  if (shards.every((s) => s === undefined)) return;
  if (shards.some((s) => s === undefined)) throw new FleetError('CONFIG_INVALID', 'cannot merge a sharded report with an unsharded one');
  const parsed = shards.map((s) => (s as string).split('/').map(Number) as [number, number]);
  const count = parsed[0]![1];
  if (parsed.some(([, n]) => n !== count)) throw new FleetError('CONFIG_INVALID', `the reports come from different splits: ${shards.join(', ')}`);
  const seen = new Set<number>();
  for (const [k] of parsed) {
    if (seen.has(k)) throw new FleetError('CONFIG_INVALID', `shard ${k}/${count} is given twice`);
    seen.add(k);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length > 0) throw new FleetError('CONFIG_INVALID', `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} missing: a merge of part of the fleet would hide its hosts`);
}

/**
 * One report for the whole fleet: hosts of every shard sorted by name, summary recomputed,
 * `started_at` the earliest start, `duration_ms` the longest shard (they ran side by side),
 * `accept_new` if any shard relaxed host-key checking, and no `shard`.
 */
export function mergeReports(reports: readonly RunReport[]): RunReport {
  const first = reports[0];
  if (first === undefined) throw new FleetError('INPUT_MISSING', 'no report to merge');
  const commands = [...new Set(reports.map((r) => r.command))];
  if (commands.length > 1) throw new FleetError('CONFIG_INVALID', `cannot merge reports of different commands (${commands.join(', ')}): run every shard with the same command`);
  checkShards(reports);

  const hosts = reports.flatMap((r) => r.hosts);
  const names = new Set<string>();
  for (const h of hosts) {
    if (names.has(h.name)) throw new FleetError('CONFIG_INVALID', `host ${h.name} appears in more than one report: shards of one fleet never share a host`);
    names.add(h.name);
  }
  // Code-unit order, not locale order: the merged report must be the same on every machine.
  hosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const startedAt = reports.map((r) => r.started_at).reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
  return {
    version: 1,
    command: first.command,
    started_at: startedAt,
    duration_ms: Math.max(...reports.map((r) => r.duration_ms)),
    accept_new: reports.some((r) => r.accept_new),
    summary: summarize(hosts),
    hosts,
  };
}
