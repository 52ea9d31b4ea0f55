/**
 * A saved plan: what `fleet plan --save-plan` showed for review, kept so that `fleet apply
 * --plan` applies exactly that and nothing else, like Terraform's saved plans. The policy and
 * each host's resolved connection are in it, so the apply needs no policy file.
 *
 * The apply re-plans every host from its live files with the saved policy; planning is
 * deterministic, so the plan it gets equals the reviewed one exactly when each file's bytes are
 * what they were. Every file is compared by the sha256 of its bytes before and after, and a host
 * where anything moved is not touched (CONFLICT, naming what moved). The commit script then
 * compares the live bytes once more right before its rename, for edits made after this check.
 */
import { createHash } from 'node:crypto';
import type { HostSpec } from './inventory/index.js';
import type { Policy } from './policy/index.js';

export const SAVED_PLAN_VERSION = 1;

/** One file of a host's reviewed change. */
export interface SavedFile {
  /** sshd_config (and what it includes) or a client file (`~/.ssh/config`, the system drop-in). */
  kind: 'sshd' | 'client';
  path: string;
  /** sha256 of the bytes the plan was made from; null when the file did not exist. */
  before_sha256: string | null;
  /** The reviewed new text. */
  after: string;
  after_sha256: string;
}

export interface SavedHost {
  /** The host as the plan connected to it (inventory and ssh_config resolved). */
  spec: HostSpec;
  /** Empty: the reviewed plan changes nothing here, and the apply must find it so. */
  files: SavedFile[];
  /** keyword → value sshd -T must print once applied. */
  promised: Record<string, string>;
}

export interface SavedPlan {
  fleet_saved_plan: typeof SAVED_PLAN_VERSION;
  fleet_version: string;
  created_at: string;
  /** sha256 of the policy file's bytes and of the resolved hosts, for the record. */
  policy_sha256: string;
  inventory_sha256: string;
  policy: Pick<Policy, 'sshd' | 'client'> & Partial<Policy>;
  hosts: SavedHost[];
}

export function sha256(text: string | null): string | null {
  return text === null ? null : createHash('sha256').update(text, 'utf8').digest('hex');
}

interface Planned {
  path: string;
  before: string | null;
  after: string;
}

export function savedFiles(sshd: readonly Planned[], clients: readonly Planned[]): SavedFile[] {
  const one = (kind: SavedFile['kind']) => (f: Planned): SavedFile => ({ kind, path: f.path, before_sha256: sha256(f.before), after: f.after, after_sha256: sha256(f.after) as string });
  return [...sshd.map(one('sshd')), ...clients.map(one('client'))];
}

/**
 * What moved between the reviewed plan of a host and the plan made now: one line per file, empty
 * when they are the same. `now` are the files planned from the host's live bytes; `live` gives
 * an sshd file's live text, so a host that already holds the reviewed bytes is not a conflict.
 */
export function planDrift(reviewed: readonly SavedFile[], now: readonly SavedFile[], live: (path: string) => string | null | undefined = () => undefined): string[] {
  const key = (f: SavedFile): string => `${f.kind}:${f.path}`;
  const before = new Map(reviewed.map((f) => [key(f), f]));
  const after = new Map(now.map((f) => [key(f), f]));
  const short = (h: string | null): string => (h === null ? 'absent' : `sha256 ${h.slice(0, 12)}…`);
  const moved: string[] = [];
  for (const [k, r] of before) {
    const n = after.get(k);
    // Already applied (a second `apply --plan`): the file holds the reviewed bytes, nothing to do.
    if (n === undefined && r.kind === 'sshd' && sha256(live(r.path) ?? null) === r.after_sha256) continue;
    if (n === undefined) moved.push(`${r.path}: the reviewed plan changes it, but it needs no change now (its bytes moved: ${short(r.before_sha256)} when reviewed)`);
    else if (n.before_sha256 !== r.before_sha256) moved.push(`${r.path}: was ${short(r.before_sha256)} when reviewed, is ${short(n.before_sha256)} now`);
    else if (n.after_sha256 !== r.after_sha256) moved.push(`${r.path}: the plan would now write other bytes than the reviewed ones`);
  }
  for (const [k, n] of after) {
    if (!before.has(k)) moved.push(`${n.path}: not in the reviewed plan, but needs a change now (${short(n.before_sha256)})`);
  }
  return moved;
}

/** A parsed saved plan, or a message saying what is wrong with it. */
export function readSavedPlan(value: unknown): SavedPlan | string {
  const v = value as Partial<SavedPlan> | null;
  if (v === null || typeof v !== 'object') return 'not a saved plan (expected a JSON object)';
  if (v.fleet_saved_plan !== SAVED_PLAN_VERSION) return `not a saved plan of this fleet (fleet_saved_plan must be ${SAVED_PLAN_VERSION})`;
  if (!Array.isArray(v.hosts) || v.policy === undefined || typeof v.policy !== 'object') return 'a saved plan needs `policy` and `hosts`';
  for (const [i, h] of v.hosts.entries()) {
    const host = h as Partial<SavedHost>;
    if (typeof host.spec?.name !== 'string' || typeof host.spec.address !== 'string' || !Array.isArray(host.files)) return `hosts[${i}] is not a saved host`;
    for (const f of host.files) {
      if (typeof f.path !== 'string' || typeof f.after !== 'string' || (f.kind !== 'sshd' && f.kind !== 'client')) return `hosts[${i}] (${host.spec.name}) has a malformed file entry`;
      if (sha256(f.after) !== f.after_sha256) return `hosts[${i}] (${host.spec.name}): ${f.path}'s new text does not match its after_sha256 (the file was edited by hand)`;
    }
  }
  return v as SavedPlan;
}
