/**
 * Hosts whose changes are the same are shown once: a fleet built from one image gives a few
 * distinct diffs for hundreds of hosts, and a reviewer reads each one once.
 */
import type { HostResult } from '../engine/types.js';

export interface ChangeGroup {
  hosts: string[];
  changes: HostResult['changes'];
  explain: string[];
  warnings: string[];
}

export function groupChanges(hosts: readonly HostResult[]): ChangeGroup[] {
  const groups = new Map<string, ChangeGroup>();
  for (const h of hosts) {
    if (h.status !== 'changed') continue;
    const key = JSON.stringify([h.changes, h.explain, h.warnings]);
    const group = groups.get(key) ?? { hosts: [], changes: h.changes, explain: h.explain, warnings: h.warnings };
    group.hosts.push(h.name);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length);
}

/** `web1, web2, web3 and 34 more` */
export function hostList(names: readonly string[], max = 12): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The words a command uses for `changed`. */
export function changedWord(command: string): string {
  return command === 'plan' ? 'would change' : command === 'check' ? 'drifted' : 'changed';
}
