/**
 * Walks an Ansible YAML inventory (already schema-valid) into groups and hosts, the way
 * Ansible's yaml inventory plugin does: keys in the order written, a group may be defined in
 * several places (its definitions merge), a host may sit in several groups, and every group
 * without a parent becomes a child of `all`.
 */
import type { Diagnostic } from '../errors.js';
import type { InventoryDocument, InventoryGroup, InventoryVars } from '../generated/inventory.js';
import { diagnosticAt, formatPath, positionOf } from '../yaml-source.js';
import type { YamlPath } from '../yaml-source.js';
import { HostKeyError, expandHostKey } from './host-names.js';
import type { Located, Position } from './located.js';
import { readLevel } from './vars.js';
import type { VarsLevel } from './vars.js';

/** A group as the inventory defines it. */
export interface GroupNode {
  name: string;
  parents: Set<string>;
  children: string[];
  /** Hosts listed directly under this group, in the order written. */
  hosts: Set<string>;
  vars: VarsLevel[];
  /** `ansible_group_priority`: breaks ties between groups of the same depth. */
  priority: number;
}

/** A host as the inventory lists it, possibly under several groups. */
export interface HostNode {
  name: string;
  /** Where the host was first written, to point at it. */
  at: Position;
  /** Host-level vars from each place the host is listed, in the order written (later wins). */
  levels: VarsLevel[];
}

/** Groups and hosts in the order they first appear. */
export interface InventoryTree {
  groups: Map<string, GroupNode>;
  hosts: Map<string, HostNode>;
}

/** A tree holding only `all`; sources are added with addDocument, then reconcile() once. */
export function emptyTree(): InventoryTree {
  const tree: InventoryTree = { groups: new Map(), hosts: new Map() };
  group(tree, 'all');
  return tree;
}

/**
 * Adds one inventory source to the tree, as Ansible adds each `-i` source to one inventory: a
 * group or host met again merges with what earlier sources said, and its vars written later win.
 * Mistakes (bad host keys, group loops, conflicting vars) go to `diagnostics`.
 */
export function addDocument(tree: InventoryTree, source: Located, document: InventoryDocument, diagnostics: Diagnostic[]): void {
  for (const [name, definition] of Object.entries(document)) {
    visitGroup(source, tree, name, definition, [name], undefined, diagnostics);
  }
}

/**
 * Ansible's reconcile step, once every source is in: orphan groups hang under `all`, hosts in
 * no group but `all` form `ungrouped`, and a host a source put in `ungrouped` (the JSON of
 * `ansible-inventory --list` does) leaves it when another group holds it.
 */
export function reconcile(tree: InventoryTree): void {
  const ungrouped = group(tree, 'ungrouped');
  for (const node of tree.groups.values()) {
    if (node.name !== 'all' && node.parents.size === 0) link(tree, 'all', node.name);
  }
  const others = [...tree.groups.values()].filter((g) => g.name !== 'all' && g.name !== 'ungrouped');
  const inOtherGroup = (host: string): boolean => others.some((g) => g.hosts.has(host));
  for (const host of [...ungrouped.hosts]) if (inOtherGroup(host)) ungrouped.hosts.delete(host);
  for (const host of tree.groups.get('all')!.hosts) {
    if (!inOtherGroup(host)) ungrouped.hosts.add(host);
  }
}

function visitGroup(
  source: Located,
  tree: InventoryTree,
  name: string,
  definition: InventoryGroup,
  path: YamlPath,
  parent: string | undefined,
  diagnostics: Diagnostic[],
): void {
  const node = group(tree, name);
  if (parent !== undefined) {
    if (name === 'all' || name === parent || descends(tree, parent, name)) {
      diagnostics.push(diagnosticAt(source, path, 'key', `${formatPath(path)}: group ${name} cannot be a child of ${parent}, which is already inside it (a loop)`));
      return;
    }
    link(tree, parent, name);
  }
  if (definition === null) return;
  for (const [section, content] of Object.entries(definition)) {
    if (content === null || content === undefined) continue;
    const here = [...path, section];
    if (section === 'vars') {
      const vars = content as InventoryVars;
      node.vars.push(readLevel(source, vars, here, diagnostics));
      // Ansible's Group.set_variable takes int() of it, so the INI string "10" counts too.
      const priority = vars.ansible_group_priority;
      if (priority !== undefined && priority !== null && Number.isInteger(Number(priority))) node.priority = Number(priority);
    } else if (section === 'children') {
      for (const [child, childDefinition] of Object.entries(content as Record<string, InventoryGroup>)) {
        visitGroup(source, tree, child, childDefinition, [...here, child], name, diagnostics);
      }
    } else if (section === 'hosts') {
      // Ansible allows `hosts: web1` for a single host.
      const entries = typeof content === 'string' ? { [content]: null } : (content as Record<string, InventoryVars | null>);
      for (const [key, vars] of Object.entries(entries)) {
        addHosts(source, tree, node, key, vars, typeof content === 'string' ? here : [...here, key], diagnostics);
      }
    }
  }
}

function addHosts(
  source: Located,
  tree: InventoryTree,
  owner: GroupNode,
  key: string,
  vars: InventoryVars | null,
  path: YamlPath,
  diagnostics: Diagnostic[],
): void {
  let expanded;
  try {
    expanded = expandHostKey(key);
  } catch (error) {
    if (!(error instanceof HostKeyError)) throw error;
    diagnostics.push(diagnosticAt(source, path, 'key', `host ${JSON.stringify(key)} ${error.message}`));
    return;
  }
  // The same vars map applies to every host a range expands to: read (and warn about) it once.
  const level = vars ? readLevel(source, vars, path, diagnostics) : undefined;
  for (const name of expanded.names) {
    let host = tree.hosts.get(name);
    if (!host) {
      host = { name, at: { file: source.file, ...positionOf(source, path, 'key') }, levels: [] };
      tree.hosts.set(name, host);
    }
    owner.hosts.add(name);
    // A port in the key is set first, so vars written for the host override it, as in Ansible.
    if (expanded.port !== undefined) {
      host.levels.push({ settings: { port: { value: expanded.port, name: 'host:port', path, at: { file: source.file, ...positionOf(source, path, 'key') } } } });
    }
    if (level) host.levels.push(level);
  }
}

function group(tree: InventoryTree, name: string): GroupNode {
  let node = tree.groups.get(name);
  if (!node) {
    node = { name, parents: new Set(), children: [], hosts: new Set(), vars: [], priority: 1 };
    tree.groups.set(name, node);
  }
  return node;
}

function link(tree: InventoryTree, parent: string, child: string): void {
  const parentNode = group(tree, parent);
  if (!parentNode.children.includes(child)) parentNode.children.push(child);
  group(tree, child).parents.add(parent);
}

/** True when `name` is `ancestor` or lies below it. */
function descends(tree: InventoryTree, name: string, ancestor: string): boolean {
  const seen = new Set<string>();
  const stack = [ancestor];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current === name) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    stack.push(...(tree.groups.get(current)?.children ?? []));
  }
  return false;
}
