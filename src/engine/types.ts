/**
 * The data a run produces. `RunReport` is fleet's stable JSON contract (version 1): reporters,
 * `--format json` and `fleet report merge` all read and write exactly this shape.
 */

export type Command = 'plan' | 'apply' | 'check';

/**
 * `changed` means "changed" for apply, "would change" for plan and "drifted" for check.
 * `unreachable` is only for network failures (refused, timed out, no route, no name);
 * host-key and authentication problems are `failed`.
 */
export type HostStatus = 'unchanged' | 'changed' | 'failed' | 'unreachable';

/**
 * What became of one file of the plan. `planned`: plan and check (would be written); `written`:
 * apply wrote it and proved it; `refused`: never read or written, stopping only itself (a
 * symlinked ~/.ssh/config…); `failed`: the write or its proof failed and the file holds what it
 * held; `restored`: written, then put back because a later step failed; `not_applied`: never
 * attempted because an earlier step failed; `unknown`: the connection or a restore failed
 * midway, see `reason` and the host's error.
 */
export type FileChangeStatus = 'planned' | 'written' | 'refused' | 'failed' | 'restored' | 'not_applied' | 'unknown';

export interface FileChange {
  file: string;
  /** Unified diff of the planned edit; empty for a refused file (it was never read). */
  diff: string;
  /** Always set by this fleet; absent in reports written before it had per-file outcomes. */
  status?: FileChangeStatus;
  /** Why a file was refused, failed, restored, not applied or is unknown. */
  reason?: string;
}

export interface HostError {
  code: string;
  message: string;
}

export interface HostResult {
  name: string;
  address: string;
  status: HostStatus;
  changes: FileChange[];
  /** keyword → effective value (`sshd -T` after apply; current values for plan and check). */
  effective: Record<string, string>;
  /** One line per desired directive: where its value comes from and what shadows it. */
  explain: string[];
  warnings: string[];
  error: HostError | null;
  rolled_back: boolean;
  /** True when sshd was reloaded on this host during the run. */
  reloaded: boolean;
  duration_ms: number;
}

export interface Summary {
  hosts: number;
  changed: number;
  unchanged: number;
  failed: number;
  unreachable: number;
}

export interface RunReport {
  version: 1;
  command: Command;
  /** ISO time the run started. */
  started_at: string;
  duration_ms: number;
  /** Set when the run used `--accept-new`: host-key checking was relaxed by an explicit flag. */
  accept_new: boolean;
  /** `K/N` when the run was one shard of a fleet. */
  shard?: string;
  summary: Summary;
  hosts: HostResult[];
}

/** Steps a host goes through; reporters show the current one. */
export type Step =
  | 'queued'
  | 'connect'
  | 'lock'
  | 'facts'
  | 'plan'
  | 'stage'
  | 'write'
  | 'commit'
  | 'reload'
  | 'login'
  | 'client'
  | 'rollback'
  | 'done';

export type RunEvent =
  | { type: 'start'; command: Command; hosts: string[] }
  | { type: 'step'; host: string; step: Step }
  | { type: 'host-done'; result: HostResult }
  | { type: 'interrupt'; inFlight: number }
  | { type: 'end'; report: RunReport };

export type RunListener = (event: RunEvent) => void;

export function summarize(hosts: readonly HostResult[]): Summary {
  const summary: Summary = { hosts: hosts.length, changed: 0, unchanged: 0, failed: 0, unreachable: 0 };
  for (const h of hosts) summary[h.status] += 1;
  return summary;
}

/** Exit codes, per command: see the README's reference. */
export function exitCode(report: RunReport): number {
  const s = report.summary;
  if (s.failed > 0 || s.unreachable > 0) return 1;
  if (report.command === 'apply') return 0;
  return s.changed > 0 ? 2 : 0;
}
