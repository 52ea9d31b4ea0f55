/**
 * lab.json: a running lab described on disk, so another process (the lab CLI, a human, a
 * later test run) can find its hosts and stop them.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { releaseAddress } from './addresses.js';
import path from 'node:path';
import type { LabHost } from './index.js';
import { LabError } from './proc.js';
import { stopHosts } from './stop.js';

/** The contents of `<dir>/lab.json`. */
export interface LabRecord {
  version: 1;
  dir: string;
  clientKey: string;
  knownHosts: string;
  inventory: string;
  /** Each host, with the listener pid when it was last started (stale after a restart by hand). */
  hosts: Array<LabHost & { pid?: number }>;
}

export const labRecordPath = (dir: string): string => path.join(dir, 'lab.json');

export async function writeLabRecord(record: LabRecord): Promise<void> {
  const file = labRecordPath(record.dir);
  // One temp name per write: concurrent writers (stopHost on two hosts at once) must not
  // rename each other's file away.
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temp, file);
}

export async function readLabRecord(dir: string): Promise<LabRecord> {
  const file = labRecordPath(dir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new LabError(`${file}: cannot read (is ${dir} a lab directory?)`, { cause: e });
  }
  const record = JSON.parse(text) as LabRecord;
  if (record.version !== 1 || !Array.isArray(record.hosts)) throw new LabError(`${file}: not a lab record`);
  return record;
}

/**
 * Stops the lab recorded in `dir` (finding its processes by namespace, not trusting the
 * recorded pids) and removes the directory unless `keepDir`.
 */
export async function stopLabDir(dir: string, opts: { keepDir?: boolean } = {}): Promise<LabRecord> {
  const record = await readLabRecord(dir);
  await stopHosts(record.hosts);
  for (const h of record.hosts) releaseAddress(h.address, record.dir);
  if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
  return record;
}

/** Whether `dir` already holds a lab record. */
export function holdsLab(dir: string): boolean {
  return existsSync(labRecordPath(dir));
}
