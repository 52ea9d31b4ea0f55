/**
 * Where a setting was written, for the two things that need it: a diagnostic pointing at the
 * line, and `--list-hosts` saying where each value came from (`inventory/host_vars/web1.yml:3
 * (ansible_host)`). Every inventory format (YAML, INI, the JSON of `ansible-inventory --list`,
 * group_vars/host_vars files) hands the core a `Located` source: its value and a way back to
 * its text.
 */
import { isMap, isPair, isScalar } from 'yaml';
import type { Node } from 'yaml';
import { positionOf } from '../yaml-source.js';
import type { PositionedSource, YamlPath, YamlSource } from '../yaml-source.js';

export type Located = YamlSource | PositionedSource;

/** A file, line and column (1-based; line 0 when the file as a whole is meant). */
export interface Position {
  file: string;
  line: number;
  col: number;
}

/** `file:line (var)`, the way `--list-hosts` and the ssh_config resolver name an origin. */
export function describeOrigin(at: Position, name: string): string {
  return `${at.line > 0 ? `${at.file}:${at.line}` : at.file} (${name})`;
}

/**
 * A YAML source whose key positions are indexed once, so asking where each host's vars were
 * written stays linear in the file's size (a 10,000-host group would otherwise be scanned once
 * per question). Paths the index does not hold (through merge keys) fall back to the walk.
 */
export function indexedYaml(source: YamlSource): PositionedSource {
  let index: Map<string, number> | undefined;
  const build = (): Map<string, number> => {
    const found = new Map<string, number>();
    const visit = (node: unknown, prefix: string): void => {
      if (!isMap(node)) return;
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = `${prefix}\u0000${String(pair.key.value)}`;
        const offset = (pair.key as Node).range?.[0];
        if (offset !== undefined && !found.has(key)) found.set(key, offset);
        visit(pair.value, key);
      }
    };
    visit(source.doc.contents, '');
    return found;
  };
  return {
    file: source.file,
    value: source.value,
    positionOf(path: YamlPath, part: 'key' | 'value') {
      if (part === 'key') {
        index ??= build();
        const offset = index.get(path.map((p) => `\u0000${String(p)}`).join(''));
        if (offset !== undefined) return source.lineCounter.linePos(offset);
      }
      return positionOf(source, path, part);
    },
  };
}
