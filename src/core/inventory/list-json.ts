/**
 * The JSON that `ansible-inventory -i SRC --list` prints, which is also what every inventory
 * script returns: each group a map of `hosts` (a list), `children` (a list) and `vars` (or,
 * in the older form, just a list of hosts), and `_meta.hostvars` with every host's vars
 * already merged by Ansible. This is how dynamic inventories and plugins (aws_ec2,
 * gcp_compute, azure_rm, netbox, …) reach fleet: run once with Ansible, read here.
 *
 * The result is the YAML inventory's shape, with each host's `_meta.hostvars` as its host vars
 * at the first group that lists it, so one schema and one tree builder serve both.
 */
import { ConfigError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import { diagnosticAt, formatPath, positionOf } from '../yaml-source.js';
import type { PositionedSource, YamlPath, YamlSource } from '../yaml-source.js';

type JsonGroup = { hosts?: Record<string, Record<string, unknown> | null>; vars?: Record<string, unknown>; children?: Record<string, null> };

/** True when a parsed value has the shape of `ansible-inventory --list` output or a script's. */
export function looksLikeListJson(value: unknown): boolean {
  if (!isRecord(value)) return false;
  if ('_meta' in value) return true;
  // The script form lists hosts and children as sequences, which the YAML form never does.
  return Object.values(value).some((g) => Array.isArray(g) || (isRecord(g) && (Array.isArray(g['hosts']) || Array.isArray(g['children']))));
}

/** Reads the JSON (already parsed with positions) into the YAML inventory's shape. */
export function readListJson(parsed: YamlSource): { document: Record<string, JsonGroup>; source: PositionedSource } {
  const value = parsed.value as Record<string, unknown>;
  const diagnostics: Diagnostic[] = [];
  const wrong = (path: YamlPath, message: string): void => {
    diagnostics.push(diagnosticAt(parsed, path, 'value', `${formatPath(path)} ${message}`));
  };
  // Each path of the document built here → the path in the JSON it came from.
  const origin = new Map<string, YamlPath>();
  const note = (path: YamlPath, from: YamlPath): void => {
    origin.set(path.join('\u0000'), from);
  };
  const meta = value['_meta'];
  const hostvars = isRecord(meta) && isRecord(meta['hostvars']) ? meta['hostvars'] : {};
  if (meta !== undefined && !(isRecord(meta) && (meta['hostvars'] === undefined || isRecord(meta['hostvars'])))) wrong(['_meta'], 'must be a map with hostvars: a map of host names to their vars');

  const document: Record<string, JsonGroup> = {};
  const placed = new Set<string>();
  const addHost = (group: JsonGroup, groupName: string, host: unknown, from: YamlPath): void => {
    if (typeof host !== 'string') return wrong(from, 'must be a host name');
    group.hosts ??= {};
    const vars = hostvars[host];
    const first = !placed.has(host);
    placed.add(host);
    group.hosts[host] = first && isRecord(vars) ? vars : (group.hosts[host] ?? null);
    note([groupName, 'hosts', host], from);
    if (first && isRecord(vars)) for (const key of Object.keys(vars)) note([groupName, 'hosts', host, key], ['_meta', 'hostvars', host, key]);
  };
  for (const [name, raw] of Object.entries(value)) {
    if (name === '_meta') continue;
    const group: JsonGroup = (document[name] ??= {});
    note([name], [name]);
    if (Array.isArray(raw)) {
      raw.forEach((host, i) => addHost(group, name, host, [name, i]));
      continue;
    }
    if (raw === null) continue;
    if (!isRecord(raw)) {
      wrong([name], 'must be a group: a map of hosts, children and vars, or a list of hosts');
      continue;
    }
    for (const [section, content] of Object.entries(raw)) {
      if (section === 'hosts' || section === 'children') {
        if (!Array.isArray(content)) {
          wrong([name, section], `must be a list of ${section === 'hosts' ? 'host' : 'group'} names`);
          continue;
        }
        content.forEach((item, i) => {
          if (section === 'hosts') return addHost(group, name, item, [name, section, i]);
          if (typeof item !== 'string') return wrong([name, section, i], 'must be a group name');
          group.children ??= {};
          group.children[item] = null;
          note([name, 'children', item], [name, section, i]);
        });
      } else if (section === 'vars') {
        if (!isRecord(content)) {
          wrong([name, section], 'must be a map of vars');
          continue;
        }
        group.vars = content;
        for (const key of Object.keys(content)) note([name, 'vars', key], [name, 'vars', key]);
      } else {
        wrong([name, section], 'is not a group key (hosts, children, vars)');
      }
    }
  }
  // A host with vars in _meta but in no group is still a host, as Ansible's script plugin has it.
  for (const [host, vars] of Object.entries(hostvars)) {
    if (placed.has(host)) continue;
    const all = (document['all'] ??= {});
    addHost(all, 'all', host, ['_meta', 'hostvars', host]);
    if (!isRecord(vars)) all.hosts![host] = null;
  }
  if (diagnostics.length > 0) throw new ConfigError(diagnostics);

  const jsonPath = (path: YamlPath): YamlPath => {
    for (let n = path.length; n > 0; n--) {
      const found = origin.get(path.slice(0, n).join('\u0000'));
      if (found) return found;
    }
    return [];
  };
  const source: PositionedSource = {
    file: parsed.file,
    value: document,
    positionOf: (path, part) => positionOf(parsed, jsonPath(path), part),
    describePath: (path) => formatPath(jsonPath(path)),
  };
  return { document, source };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
