/**
 * Ansible inventories, read so that an existing inventory works unchanged: YAML (`all`, nested
 * `children`, `hosts` as null or a map of vars, `vars` on groups and hosts), INI (./ini.ts) and
 * the JSON of `ansible-inventory --list` (./list-json.ts), several sources into one inventory,
 * and `group_vars/` / `host_vars/` (./vars-folders.ts), with Ansible's var precedence: host vars >
 * child-group vars > parent-group vars > `all`, groups of the same depth by
 * `ansible_group_priority` then name (the later name wins), as Ansible's `sort_groups`; the
 * vars folders slot in where Ansible's host_group_vars plugin puts them (see levelsOf).
 * Every value keeps where it was written, for diagnostics and for HostSpec.origins.
 *
 * Connection vars: Ansible's (`ansible_host`, `ansible_port`, `ansible_user`,
 * `ansible_ssh_private_key_file`, `ansible_become`, and the older `ansible_ssh_*` spellings) or
 * fleet's (`address`, `port`, `user`, `identity_file`, `become`, `jump`), plus per-host
 * `sshd_config_path`, `sshd_binary`, `sshd_reload_command`. Values that reach ssh or a remote
 * shell are typed strictly by schemas/inventory.schema.json; other vars are ignored, and one that
 * looks like a misspelled fleet var gets a did-you-mean warning (see ./vars.ts for why not an error).
 */
import { ConfigError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import { formatPath, schemaDiagnostics } from '../yaml-source.js';
import { describeOrigin } from './located.js';
import type { HostSshOptions } from '../sshconfig/types.js';
import { evaluatePattern, parseHostPattern } from './pattern.js';
import type { PatternOrigin } from './pattern.js';
import { validator, withoutVaultErrors } from './schema.js';
import { readInventorySource } from './sources.js';
import { addDocument, emptyTree, reconcile } from './tree.js';
import type { GroupNode, InventoryTree } from './tree.js';
import { parseJump, readFlag } from './vars.js';
import type { LevelSettings, Setting, VarsLevel } from './vars.js';
import { VarsFileReader, varsFilesFor } from './vars-folders.js';
import type { VarsBase } from './vars-folders.js';

export { HostPatternError, parseHostPattern } from './pattern.js';
export type { PatternOrigin, PatternTerm } from './pattern.js';
export type { VarsBase, VarsFile, VarsFolder } from './vars-folders.js';
export { SETTING_VARS } from './vars.js';

/** A jump host (ssh's ProxyJump), one hop. */
export interface JumpSpec {
  user?: string;
  host: string;
  port: number;
}

/**
 * Where each connection value of a host came from, as a short human string:
 * `inventory/host_vars/web1.yml:3 (ansible_host)`, `ansible.cfg:4 (remote_user)`,
 * `ANSIBLE_REMOTE_USER`, `--user`, or exactly `default` when nothing set it (the name as the
 * address, port 22, the local user): a later stage such as ssh_config may fill those.
 */
export type HostOrigins = Partial<Record<Setting, string>>;

/** The origin of a value no source set. */
export const DEFAULT_ORIGIN = 'default';

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
  /**
   * An OpenSSH user certificate for the identity (ssh_config CertificateFile). Without it,
   * `<identityFile>-cert.pub` is used when it exists, as ssh does.
   */
  certificateFile?: string;
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
   * Where each value came from, by field name: `inventory/host_vars/web1.yml:3 (ansible_host)`,
   * `ansible.cfg:4 (remote_user)`, `--user`, `~/.ssh/config:12` for what ssh_config gives, and
   * `default` (DEFAULT_ORIGIN) for address, port and user when nothing set them. The inventory
   * loader always sets it; a HostSpec made by hand may leave it out. ssh_config fills only the
   * fields without an origin or with the default one.
   */
  origins?: HostOrigins & Record<string, string>;
  /** What the controller's OpenSSH client config adds (keys, jump hops, known_hosts, timeout). */
  ssh?: HostSshOptions;
}

/** A parsed inventory. */
export interface Inventory {
  /** The inventory sources, comma-separated, as messages name them. */
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
  /** Login user for hosts that set none: ansible.cfg's remote_user, else the caller's $USER, or root. */
  user: string;
  /** Where `user` came from (`ansible.cfg:3 (remote_user)`); default `default`. */
  userOrigin?: string;
  /** Key for hosts that set none (ansible.cfg's private_key_file), already absolute. */
  identityFile?: string;
  identityOrigin?: string;
  /** The control machine's home directory, to expand `~/` in identity files. */
  home?: string;
}

/** One inventory file's text, in the order Ansible reads its sources. */
export interface InventoryText {
  file: string;
  text: string;
}

/** Everything an inventory is read from: its sources, and the vars folders beside them and the policy. */
export interface InventoryInput {
  sources: readonly InventoryText[];
  varsBases?: readonly VarsBase[];
}

const DEFAULT_SSHD_CONFIG = '/etc/ssh/sshd_config';
const USER_NAME = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;

/** Parses one YAML inventory; throws ConfigError carrying every positioned diagnostic. */
export function parseInventory(text: string, file: string, defaults: InventoryDefaults): Inventory {
  return loadInventory({ sources: [{ file, text }] }, defaults);
}

/**
 * Reads every source (YAML, INI, or the JSON of `ansible-inventory --list`) into one inventory,
 * as Ansible does with several `-i`, and resolves each host's vars with group_vars/ and
 * host_vars/ by Ansible's precedence. Throws ConfigError carrying every positioned diagnostic.
 */
export function loadInventory(input: InventoryInput, defaults: InventoryDefaults): Inventory {
  const diagnostics: Diagnostic[] = [];
  const tree = emptyTree();
  for (const { file, text } of input.sources) {
    const read = readInventorySource(text, file, new Set(tree.groups.keys()));
    diagnostics.push(...read.diagnostics);
    if (!read.document || !read.source) continue;
    const validate = validator();
    if (!validate(read.document)) {
      // A vault value fails the schema's types; readLevel names it instead, with the reason.
      const errors = withoutVaultErrors(validate.errors ?? []);
      diagnostics.push(...schemaDiagnostics(read.source, errors));
      if (errors.length > 0) continue;
    }
    addDocument(tree, read.source, read.document, diagnostics);
  }
  if (diagnostics.some((d) => d.severity === 'error')) throw new ConfigError(diagnostics);
  reconcile(tree);
  const hosts = resolveHosts(tree, input.varsBases ?? [], defaults, diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) throw new ConfigError(diagnostics);
  const file = input.sources.map((s) => s.file).join(', ');
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

/**
 * A host's vars levels, lowest precedence first, in Ansible's order (VARIABLE_PRECEDENCE's
 * default, then host vars): the inventory's `all` vars and its groups' vars (parents before
 * children, then priority, then name); group_vars/all beside the inventory, then beside the
 * policy; group_vars/GROUP beside the inventory, then beside the policy; the inventory's host
 * vars; host_vars/HOST beside the inventory, then beside the policy.
 */
function levelsOf(host: string, ordered: readonly GroupNode[], hostLevels: readonly VarsLevel[], bases: readonly VarsBase[], reader: VarsFileReader): VarsLevel[] {
  const inventoryBases = bases.filter((b) => b.role === 'inventory');
  const policyBases = bases.filter((b) => b.role === 'policy');
  const fromFolders = (which: 'groupVars' | 'hostVars', names: readonly string[], side: readonly VarsBase[]): VarsLevel[] =>
    side.flatMap((base) => names.flatMap((name) => varsFilesFor(base[which], name).map((f) => reader.level(f)).filter((l): l is VarsLevel => l !== null)));
  const groupNames = ordered.map((g) => g.name).filter((g) => g !== 'all');
  return [
    ...ordered.flatMap((g) => g.vars),
    ...fromFolders('groupVars', ['all'], inventoryBases),
    ...fromFolders('groupVars', ['all'], policyBases),
    ...fromFolders('groupVars', groupNames, inventoryBases),
    ...fromFolders('groupVars', groupNames, policyBases),
    ...hostLevels,
    ...fromFolders('hostVars', [host], inventoryBases),
    ...fromFolders('hostVars', [host], policyBases),
  ];
}

function resolveHosts(tree: InventoryTree, bases: readonly VarsBase[], defaults: InventoryDefaults, diagnostics: Diagnostic[]): Map<string, HostSpec> {
  const depth = groupDepths(tree);
  const hosts = new Map<string, HostSpec>();
  const reader = new VarsFileReader(diagnostics);
  const memberOf = new Map<string, string[]>();
  for (const group of tree.groups.values()) {
    for (const host of group.hosts) memberOf.set(host, [...(memberOf.get(host) ?? []), group.name]);
  }
  for (const host of tree.hosts.values()) {
    const groups = ancestorsAndSelf(tree, memberOf.get(host.name) ?? []);
    groups.add('all');
    // Ansible's sort_groups: (depth, priority, name); later groups override earlier ones.
    const ordered = [...groups]
      .map((name) => tree.groups.get(name)!)
      .sort((a, b) => depth.get(a.name)! - depth.get(b.name)! || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const settings: LevelSettings = {};
    for (const level of levelsOf(host.name, ordered, host.levels, bases, reader)) Object.assign(settings, level.settings);

    const text = (key: Setting): string | undefined => {
      const value = settings[key]?.value;
      return value === undefined || value === null ? undefined : String(value);
    };
    const origins: HostOrigins = {};
    for (const [key, written] of Object.entries(settings) as [Setting, NonNullable<LevelSettings[Setting]>][]) {
      if (written.value !== undefined && written.value !== null) origins[key] = describeOrigin(written.at, written.name);
    }
    origins.address ??= DEFAULT_ORIGIN;
    origins.port ??= DEFAULT_ORIGIN;
    const user = text('user') ?? defaults.user;
    origins.user ??= defaults.userOrigin ?? DEFAULT_ORIGIN;
    if (!USER_NAME.test(user)) {
      diagnostics.push({ ...host.at, message: `host ${host.name} has no user, and the default user ${JSON.stringify(user)} is not a valid user name; set user: or ansible_user:`, severity: 'error' });
    }
    let jump: JumpSpec | undefined;
    const jumpText = text('jump');
    if (jumpText !== undefined) {
      jump = parseJump(jumpText);
      if (!jump) diagnostics.push({ ...settings.jump!.at, message: `${formatPath(settings.jump!.path)} has a port outside 1-65535`, severity: 'error' });
    }
    let identity = text('identityFile');
    if (identity === undefined && defaults.identityFile !== undefined) {
      identity = defaults.identityFile;
      origins.identityFile = defaults.identityOrigin ?? DEFAULT_ORIGIN;
    }
    const spec: HostSpec = {
      name: host.name,
      address: text('address') ?? host.name,
      port: Number(text('port') ?? 22),
      user,
      become: settings.become ? readFlag(settings.become.value) : false,
      sshdConfigPath: text('sshdConfigPath') ?? DEFAULT_SSHD_CONFIG,
      groups: [...groups].filter((g) => g !== 'all').sort(),
      origins,
    };
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
