/**
 * Plans the client side of a host: each listed user's ~/.ssh/config, or with `system` the
 * system-wide ssh_config drop-in, so that `ssh` from that host sends keepalives. Pure.
 */
import { SYSTEM_DROP_IN, SYSTEM_SSH_CONFIG, type SystemClientFacts, type UserClientFacts } from './clientFacts.js';
import { globMatches } from './glob.js';
import { explainEntry } from './hostPlan.js';
import type { Policy } from './policy/index.js';
import { planSshClient } from './sshclient/index.js';
import { normalizeValue } from './sshd/index.js';

export interface ClientFilePlan {
  /** `system` files are written by root; a user's file is written as that user. */
  owner: { kind: 'user'; user: string; home: string } | { kind: 'system' };
  uid: number;
  gid: number;
  mode: number;
  /** ~/.ssh must be created first (mode 0700, as the user). */
  createDir: boolean;
  path: string;
  before: string | null;
  after: string;
  diff: string;
  /** lowercased keyword → value that `ssh -G` must print once the file is written */
  promised: Record<string, string>;
}

/** A client file fleet will not read or write, and why. It stops only itself. */
export interface ClientRefusal {
  /** The file's owner (null for the system file). */
  user: string | null;
  path: string;
  reason: string;
}

export interface ClientHostPlan {
  files: ClientFilePlan[];
  explain: string[];
  warnings: string[];
  /** Files that cannot be changed safely (a symlinked home file…); every other file is still planned. */
  refusals: ClientRefusal[];
}

type ClientPolicy = NonNullable<Policy['client']>;

function promisedOf(directives: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(directives).map(([k, v]) => [k.toLowerCase(), normalizeValue(k, v)]));
}

export function planClients(facts: { users: readonly UserClientFacts[]; system: SystemClientFacts | null }, client: ClientPolicy): ClientHostPlan {
  const plan: ClientHostPlan = { files: [], explain: [], warnings: [], refusals: [] };
  const promised = promisedOf(client.directives);
  const explainAll = (label: string, before: Record<string, import('./sshd/index.js').EffectiveEntry>): void => {
    for (const [k, entry] of Object.entries(before)) plan.explain.push(`${label}: ${explainEntry(k, entry, promised[k.toLowerCase()] ?? '', 'ssh')}`);
  };

  if (client.system) {
    const sys = facts.system;
    if (!sys) return plan;
    if (sys.unsafe) {
      plan.refusals.push({ user: null, path: SYSTEM_SSH_CONFIG, reason: sys.unsafe });
      return plan;
    }
    // Debian and Ubuntu read ssh_config.d/*.conf at the top of ssh_config; where the main file
    // has no such Include, a drop-in would never be read, so the main file itself is edited.
    const readsDropIn = sys.dropInDirExists && includesDropIn(sys.main?.text ?? '');
    const target = readsDropIn ? { path: SYSTEM_DROP_IN, state: sys.dropIn } : { path: SYSTEM_SSH_CONFIG, state: sys.main };
    const p = planSshClient(target.path, target.state?.text ?? null, client.directives);
    explainAll('system ssh_config', p.before);
    plan.warnings.push(...p.warnings);
    if (p.edit) {
      plan.files.push({ owner: { kind: 'system' }, uid: target.state?.uid ?? 0, gid: target.state?.gid ?? 0, mode: target.state?.mode ?? 0o644, createDir: false, ...p.edit, promised });
    }
    return plan;
  }

  for (const u of facts.users) {
    if (!u.exists) {
      plan.warnings.push(`user ${u.user} does not exist on this host; its ~/.ssh/config was skipped`);
      continue;
    }
    const path = `${u.home.replace(/\/$/, '')}/.ssh/config`;
    if (u.unsafe) {
      plan.refusals.push({ user: u.user, path, reason: u.unsafe });
      continue;
    }
    const p = planSshClient(path, u.config?.text ?? null, client.directives);
    explainAll(`${u.user}'s ~/.ssh/config`, p.before);
    plan.warnings.push(...p.warnings);
    if (p.edit) {
      plan.files.push({
        owner: { kind: 'user', user: u.user, home: u.home },
        uid: u.uid,
        gid: u.gid,
        // ssh's manual asks for 0600 (it refuses a config others can write): never looser than that.
        mode: u.config ? u.config.mode & ~0o077 : 0o600,
        createDir: u.sshDir === 'absent',
        ...p.edit,
        promised,
      });
    }
  }
  return plan;
}

function includesDropIn(mainText: string): boolean {
  for (const line of mainText.split(/\r?\n/)) {
    const m = /^\s*include(?:\s*=\s*|\s+)(.+)$/i.exec(line);
    if (!m) continue;
    for (const arg of (m[1] ?? '').trim().split(/\s+/)) {
      const pattern = arg.replace(/^"|"$/g, '');
      const absolute = pattern.startsWith('/') ? pattern : `/etc/ssh/${pattern}`;
      if (globMatches(absolute, SYSTEM_DROP_IN)) return true;
    }
  }
  return false;
}
