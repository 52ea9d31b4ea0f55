/**
 * Ansible YAML inventories, read so that an existing inventory works unchanged: `all`, nested
 * `children`, `hosts` (null or a map of vars), `vars` on groups and hosts, and Ansible's var
 * precedence: host vars > child-group vars > parent-group vars > `all`, groups of the same depth
 * by `ansible_group_priority` then name (the later name wins), as Ansible's `sort_groups`.
 *
 * Connection vars: Ansible's (`ansible_host`, `ansible_port`, `ansible_user`,
 * `ansible_ssh_private_key_file`, `ansible_become`, and the older `ansible_ssh_*` spellings) or
 * fleet's (`address`, `port`, `user`, `identity_file`, `become`, `jump`), plus per-host
 * `sshd_config_path`, `sshd_binary`, `sshd_reload_command`. Values that reach ssh or a remote
 * shell are typed strictly by schemas/inventory.schema.json; other vars are ignored, and one that
 * looks like a misspelled fleet var gets a did-you-mean warning (see ./vars.ts for why not an error).
 */
import type { ValidateFunction } from 'ajv';
import { validate as precompiled } from '../generated/inventory.validate.js';
import { ConfigError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import type { InventoryDocument } from '../generated/inventory.js';
import type { HostSshOptions } from '../sshconfig/types.js';
import { diagnosticAt, formatPath, loadYaml, positionOf, schemaDiagnostics } from '../yamlSource.js';
import type { YamlSource } from '../yamlSource.js';
import { evaluatePattern, parseHostPattern } from './pattern.js';
import type { PatternOrigin } from './pattern.js';
import { buildTree } from './tree.js';
import type { InventoryTree } from './tree.js';
import { parseJump, readFlag } from './vars.js';
import type { LevelSettings } from './vars.js';

export { HostPatternError, parseHostPattern } from './pattern.js';
export type { PatternOrigin, PatternTerm } from './pattern.js';

/** A jump host (ssh's ProxyJump), one hop. */
export interface JumpSpec {
  user?: string;
  host: string;
  port: number;
}

/** A host with every var resolved by Ansible's precedence. */
export interface HostSpec {
  /** The inventory name (`inventory_hostname`). */
  name: string;
  /** Where to connect: `address`/`ansible_host`, else the name. */
  address: string;
  port: number;
  user: string;
  /** Absolute path on the control machine (`~/` expanded when a home directory was given). */
  identityFile?: string;
  become: boolean;
  jump?: JumpSpec;
  /** The main sshd_config; default /etc/ssh/sshd_config. */
  sshdConfigPath: string;
  sshdBinary?: string;
  /** A trusted command line from the inventory's owner, run as given. */
  sshdReloadCommand?: string;
  /** Every group the host is in, directly or through children, except `all`; sorted. */
  groups: string[];
  /**
   * Where each connection value came from, by field name: `inventory.yml:7` for a value the
   * inventory sets, `~/.ssh/config:12` for one ssh_config gives, `--user` for a flag. A field
   * the inventory does not set has no entry (fleet's default, or ssh_config's, applies).
   */
  origins?: Record<string, string>;
  /** What the controller's OpenSSH client config adds (keys, jump hops, known_hosts, timeout). */
  ssh?: HostSshOptions;
}

/** A parsed inventory. */
export interface Inventory {
  file: string;
  /** Hosts in inventory order (the order they first appear in the file). */
  hosts: ReadonlyMap<string, HostSpec>;
  /** Group name → its hosts, transitively, in inventory order; includes `all` and `ungrouped`. */
  groups: ReadonlyMap<string, readonly string[]>;
  /** Things worth reading that do not stop fleet (a misspelled var, an ignored ProxyJump). */
  warnings: Diagnostic[];
}

/** What the inventory does not say and the caller knows. */
export interface InventoryDefaults {
  /** Login user for hosts that set none: the caller's $USER, or root. */
  user: string;
  /** The control machine's home directory, to expand `~/` in identity files. */
  home?: string;
}

const DEFAULT_SSHD_CONFIG = '/etc/ssh/sshd_config';
const USER_NAME = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;

/** The schema compiled ahead of time (scripts/gen-types.mjs, ajv standalone): no compile at start-up. */
function validator(): ValidateFunction<InventoryDocument> {
  return precompiled as unknown as ValidateFunction<InventoryDocument>;
}

/** Parses an inventory; throws ConfigError carrying every positioned diagnostic. */
export function parseInventory(text: string, file: string, defaults: InventoryDefaults): Inventory {
  const loaded = loadYaml(text, file);
  const diagnostics = [...loaded.diagnostics];
  const source = loaded.source;
  if (!source) throw new ConfigError(diagnostics);
  if (source.value === null || source.value === undefined) {
    throw new ConfigError([...diagnostics, { file, line: 0, col: 0, message: 'is empty: an inventory needs at least `all:` with hosts', severity: 'error' }]);
  }
  const validate = validator();
  if (!validate(source.value)) {
    throw new ConfigError([...diagnostics, ...schemaDiagnostics(source, validate.errors ?? [])]);
  }
  const tree = buildTree(source, source.value, diagnostics);
  const hosts = resolveHosts(source, tree, defaults, diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) throw new ConfigError(diagnostics);
  return { file, hosts, groups: groupMembers(tree), warnings: diagnostics.filter((d) => d.severity === 'warning') };
}

/**
 * The hosts a pattern selects, in inventory order; empty when it selects none (the caller
 * decides whether that is an error). Throws HostPatternError (a ConfigError) when malformed.
 */
export function selectHosts(inv: Inventory, pattern: string, origin?: PatternOrigin): HostSpec[] {
  const terms = parseHostPattern(pattern, origin);
  return evaluatePattern(inv, terms).map((name) => inv.hosts.get(name)!);
}

function resolveHosts(
  source: YamlSource,
  tree: InventoryTree,
  defaults: InventoryDefaults,
  diagnostics: Diagnostic[],
): Map<string, HostSpec> {
  const depth = groupDepths(tree);
  const hosts = new Map<string, HostSpec>();
  const memberOf = new Map<string, string[]>();
  for (const group of tree.groups.values()) {
    for (const host of group.hosts) memberOf.set(host, [...(memberOf.get(host) ?? []), group.name]);
  }
  for (const host of tree.hosts.values()) {
    const groups = ancestorsAndSelf(tree, memberOf.get(host.name) ?? []);
    // Ansible's sort_groups: (depth, priority, name); later groups override earlier ones.
    const ordered = [...groups]
      .map((name) => tree.groups.get(name)!)
      .sort((a, b) => depth.get(a.name)! - depth.get(b.name)! || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const settings: LevelSettings = {};
    for (const level of [...ordered.flatMap((g) => g.vars), ...host.levels]) Object.assign(settings, level.settings);

    const text = (key: keyof LevelSettings): string | undefined => {
      const value = settings[key]?.value;
      return value === undefined || value === null ? undefined : String(value);
    };
    const user = text('user') ?? defaults.user;
    if (!USER_NAME.test(user)) {
      diagnostics.push(diagnosticAt(source, host.path, 'key', `host ${host.name} has no user, and the default user ${JSON.stringify(user)} is not a valid user name; set user: or ansible_user:`));
    }
    let jump: JumpSpec | undefined;
    const jumpText = text('jump');
    if (jumpText !== undefined) {
      jump = parseJump(jumpText);
      if (!jump) diagnostics.push(diagnosticAt(source, settings.jump!.path, 'value', `${formatPath(settings.jump!.path)} has a port outside 1-65535`));
    }
    const identity = text('identityFile');
    const spec: HostSpec = {
      name: host.name,
      address: text('address') ?? host.name,
      port: Number(text('port') ?? 22),
      user,
      become: settings.become ? readFlag(settings.become.value) : false,
      sshdConfigPath: text('sshdConfigPath') ?? DEFAULT_SSHD_CONFIG,
      groups: [...groups].filter((g) => g !== 'all').sort(),
    };
    // Which connection values the inventory itself sets: ssh_config fills only the others.
    const origins: Record<string, string> = {};
    for (const key of ['address', 'port', 'user', 'identityFile', 'jump'] as const) {
      const written = settings[key];
      if (written !== undefined && written.value !== null && written.value !== undefined) origins[key] = `${source.file}:${positionOf(source, written.path, 'key').line}`;
    }
    if (Object.keys(origins).length > 0) spec.origins = origins;
    if (identity !== undefined) {
      spec.identityFile = identity.startsWith('~/') && defaults.home !== undefined ? `${defaults.home.replace(/\/$/, '')}/${identity.slice(2)}` : identity;
    }
    if (jump) spec.jump = jump;
    const binary = text('sshdBinary');
    if (binary !== undefined) spec.sshdBinary = binary;
    const reload = text('sshdReloadCommand');
    if (reload !== undefined) spec.sshdReloadCommand = reload;
    hosts.set(host.name, spec);
  }
  return hosts;
}

/** Ansible's group depth: the longest path down from `all`. */
function groupDepths(tree: InventoryTree): Map<string, number> {
  const depth = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0; // loops were reported while building the tree
    seen.add(name);
    const parents = [...(tree.groups.get(name)?.parents ?? [])];
    const value = name === 'all' || parents.length === 0 ? 0 : Math.max(...parents.map((p) => visit(p, seen) + 1));
    depth.set(name, value);
    return value;
  };
  for (const name of tree.groups.keys()) visit(name, new Set());
  return depth;
}

function ancestorsAndSelf(tree: InventoryTree, names: readonly string[]): Set<string> {
  const out = new Set<string>();
  const stack = [...names];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (out.has(name)) continue;
    out.add(name);
    stack.push(...(tree.groups.get(name)?.parents ?? []));
  }
  return out;
}

function groupMembers(tree: InventoryTree): Map<string, readonly string[]> {
  const order = new Map([...tree.hosts.keys()].map((name, index) => [name, index]));
  const members = new Map<string, readonly string[]>();
  for (const group of tree.groups.keys()) {
    const hosts = new Set<string>();
    const seen = new Set<string>();
    const stack = [group];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const node = tree.groups.get(name)!;
      node.hosts.forEach((h) => hosts.add(h));
      stack.push(...node.children);
    }
    members.set(group, [...hosts].sort((a, b) => order.get(a)! - order.get(b)!));
  }
  return members;
}
