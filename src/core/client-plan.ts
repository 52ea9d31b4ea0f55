/**
 * Plans the client side of a host: each listed user's ~/.ssh/config, or with `system` the
 * system-wide ssh_config drop-in, so that `ssh` from that host uses the policy's ssh_config
 * values for every host it connects to. Pure.
 */
import { SYSTEM_DROP_IN, SYSTEM_SSH_CONFIG, type SystemClientFacts, type UserClientFacts } from './client-facts.js';
import { globMatches } from './glob.js';
import { explainEntry } from './host-plan.js';
import type { Policy } from './policy/index.js';
import { planSshClient } from './sshclient/index.js';
import { clientCombine, normalizeClientValue, sshKeyword } from './sshclient/keywords.js';

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
  /**
   * lowercased keyword → members `ssh -G` must print, or must not: accumulating keywords, and
   * algorithm lists edited with + - ^ (whose full list depends on the client's defaults).
   */
  promisedMembers?: Record<string, PromisedMembers>;
}

/** Members of a keyword `ssh -G` must show (`present`) or must not (`absent`), as it prints them. */
export interface PromisedMembers {
  present: string[];
  absent: string[];
  /** How ssh -G's lines for the keyword split into members: one per line, blank- or comma-separated. */
  split: 'line' | 'blank' | 'comma';
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

/**
 * What `ssh -G` must print once a file is written, in the form it prints it. A path with `%`
 * tokens (ControlPath ~/.ssh/cm-%r@%h:%p) is expanded per connection: ssh -G's acceptance of the
 * file is its only proof, and a warning says so.
 */
function promisesOf(client: ClientPolicy, home: string | undefined, warnings: string[]): Pick<ClientFilePlan, 'promised' | 'promisedMembers'> {
  const promised: Record<string, string> = {};
  const promisedMembers: Record<string, PromisedMembers> = {};
  const membersOf = (keyword: string, present: readonly string[], absent: readonly string[]): void => {
    const words = sshKeyword(keyword)?.annotation?.type.kind === 'list';
    const prior = promisedMembers[keyword.toLowerCase()] ?? { present: [], absent: [], split: words ? 'blank' : 'line' };
    const norm = (m: string) => normalizeClientValue(keyword, m, home);
    promisedMembers[keyword.toLowerCase()] = { ...prior, present: [...prior.present, ...present.map(norm)], absent: [...prior.absent, ...absent.map(norm)] };
  };
  for (const [keyword, value] of Object.entries(client.directives)) {
    const annotation = sshKeyword(keyword)?.annotation;
    if (clientCombine(keyword) === 'accumulate') membersOf(keyword, annotation?.type.kind === 'list' ? value.split(' ') : [value], []);
    else if (annotation?.type.kind === 'algorithms' && /^[+^-]/.test(value)) {
      const names = value.slice(1).split(',');
      promisedMembers[keyword.toLowerCase()] = value.startsWith('-') ? { present: [], absent: names, split: 'comma' } : { present: names, absent: [], split: 'comma' };
    } else if (typeof annotation?.printed === 'object' && 'clientRule' in annotation.printed && annotation.printed.clientRule === 'home' && value.includes('%')) {
      const note = `${keyword} ${value}: ssh expands its % tokens per connection, so fleet proves only that ssh accepts the file`;
      if (!warnings.includes(note)) warnings.push(note);
    } else promised[keyword.toLowerCase()] = normalizeClientValue(keyword, value, home);
  }
  for (const [keyword, m] of Object.entries(client.members ?? {})) membersOf(keyword, m.present, m.absent);
  return Object.keys(promisedMembers).length > 0 ? { promised, promisedMembers } : { promised };
}

export function planClients(facts: { users: readonly UserClientFacts[]; system: SystemClientFacts | null }, client: ClientPolicy): ClientHostPlan {
  const plan: ClientHostPlan = { files: [], explain: [], warnings: [], refusals: [] };
  const explainAll = (label: string, before: Record<string, import('./sshd/index.js').EffectiveEntry>, promises: Pick<ClientFilePlan, 'promised' | 'promisedMembers'>): void => {
    for (const [k, entry] of Object.entries(before)) {
      const members = promises.promisedMembers?.[k.toLowerCase()];
      const wanted = promises.promised[k.toLowerCase()] ?? (members ? [...members.present, ...members.absent.map((m) => `not ${m}`)].join(', ') : '');
      plan.explain.push(`${label}: ${explainEntry(k, entry, wanted, 'ssh')}`);
    }
  };
  const options = (home: string | undefined) => ({ ...(client.members ? { members: client.members } : {}), ...(home === undefined ? {} : { home }) });

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
    // The system file is proven with root's `ssh -G -F file`: its ~ is root's home.
    const p = planSshClient(target.path, target.state?.text ?? null, client.directives, options('/root'));
    const promises = promisesOf(client, '/root', plan.warnings);
    explainAll('system ssh_config', p.before, promises);
    plan.warnings.push(...p.warnings);
    if (p.edit) {
      plan.files.push({ owner: { kind: 'system' }, uid: target.state?.uid ?? 0, gid: target.state?.gid ?? 0, mode: target.state?.mode ?? 0o644, createDir: false, ...p.edit, ...promises });
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
    const p = planSshClient(path, u.config?.text ?? null, client.directives, options(u.home));
    const promises = promisesOf(client, u.home, plan.warnings);
    explainAll(`${u.user}'s ~/.ssh/config`, p.before, promises);
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
        ...promises,
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
