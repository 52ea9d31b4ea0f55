/**
 * The vars fleet reads from an inventory. Ansible's connection vars and fleet's own names are
 * aliases of one setting (`ansible_host` = `address`); every other var belongs to Ansible or a
 * role and is ignored. A var that looks like a misspelled fleet var (`adress`, `identityfile`)
 * is a WARNING, not an error: Ansible allows any var name, and an inventory that Ansible
 * accepts must load unchanged; the warning still shows the typo before anything is connected.
 */
import type { Diagnostic } from '../errors.js';
import { diagnosticAt, didYouMean, formatPath as formatYamlPath, isVaultValue, positionOf } from '../yaml-source.js';
import type { YamlPath } from '../yaml-source.js';
import type { Located, Position } from './located.js';

/** How a path reads in a message about `source` (INI and JSON sources word their own). */
function pathIn(source: Located): (path: YamlPath) => string {
  return 'describePath' in source && source.describePath ? source.describePath.bind(source) : formatYamlPath;
}

/** The settings a host's connection and sshd handling are built from. */
export type Setting =
  | 'address'
  | 'port'
  | 'user'
  | 'identityFile'
  | 'become'
  | 'jump'
  | 'sshdConfigPath'
  | 'sshdBinary'
  | 'sshdReloadCommand';

/** Every var name that sets a setting; fleet's own name first. */
export const SETTING_VARS: Readonly<Record<Setting, readonly string[]>> = {
  address: ['address', 'ansible_host', 'ansible_ssh_host'],
  port: ['port', 'ansible_port', 'ansible_ssh_port'],
  user: ['user', 'ansible_user', 'ansible_ssh_user'],
  identityFile: ['identity_file', 'ansible_ssh_private_key_file', 'ansible_private_key_file'],
  become: ['become', 'ansible_become'],
  jump: ['jump'],
  sshdConfigPath: ['sshd_config_path'],
  sshdBinary: ['sshd_binary'],
  sshdReloadCommand: ['sshd_reload_command'],
};

const KNOWN_VARS = [...Object.values(SETTING_VARS).flat(), 'ansible_group_priority'];

/** A setting's value and where it was written. */
export interface Written {
  value: unknown;
  /** The var that set it (`ansible_host`, `address`, `remote_user`, …). */
  name: string;
  path: YamlPath;
  at: Position;
}

/** The settings one vars map (a group's `vars` or a host entry) writes. */
export type LevelSettings = Partial<Record<Setting, Written>>;

/** One vars map as written: the settings it sets and where. */
export interface VarsLevel {
  settings: LevelSettings;
}

/**
 * Reads the settings of one vars map. Two aliases of one setting with different values in
 * the same map are an error: neither Ansible's precedence nor the reader can tell which is meant.
 */
export function readLevel(
  source: Located,
  vars: Record<string, unknown>,
  path: YamlPath,
  diagnostics: Diagnostic[],
): VarsLevel {
  const formatPath = pathIn(source);
  const settings: LevelSettings = {};
  for (const [setting, names] of Object.entries(SETTING_VARS) as [Setting, readonly string[]][]) {
    for (const name of names) {
      if (!(name in vars)) continue;
      const here = [...path, name];
      if (isVaultValue(vars[name])) {
        // fleet has no vault password and must not connect with a ciphertext as the user or key.
        diagnostics.push(
          diagnosticAt(source, here, 'value', `${formatPath(here)} is encrypted with Ansible Vault (!vault), which fleet cannot decrypt; write the ${setting} in clear (it is not a secret) or override it on the command line`),
        );
        continue;
      }
      const written: Written = { value: vars[name], name, path: here, at: { file: source.file, ...positionOf(source, here, 'key') } };
      const earlier = settings[setting];
      if (earlier && String(earlier.value) !== String(written.value)) {
        diagnostics.push(
          diagnosticAt(
            source,
            written.path,
            'key',
            `${formatPath(written.path)} conflicts with ${formatPath(earlier.path)} (${String(written.value)} vs ${String(earlier.value)}); both set the ${setting}, keep one`,
          ),
        );
      }
      settings[setting] ??= written;
    }
  }
  warnAboutVars(source, vars, path, diagnostics);
  return { settings };
}

function warnAboutVars(source: Located, vars: Record<string, unknown>, path: YamlPath, diagnostics: Diagnostic[]): void {
  const formatPath = pathIn(source);
  for (const [name, value] of Object.entries(vars)) {
    if (KNOWN_VARS.includes(name)) continue;
    const here = [...path, name];
    // Typos only: a short var such as `users` must not be mistaken for `user`.
    const suggestion = didYouMean(name, KNOWN_VARS, (c) => (c.length >= 12 ? 2 : c.length >= 6 ? 1 : 0));
    if (suggestion) {
      diagnostics.push(
        diagnosticAt(source, here, 'key', `${formatPath(here)} is not a var fleet reads (did you mean ${suggestion}?); it is ignored`, 'warning'),
      );
    } else if ((name === 'ansible_ssh_common_args' || name === 'ansible_ssh_extra_args') && typeof value === 'string') {
      const jump = /(?:-J\s*|ProxyJump[=\s]+)([^\s'"]+)/.exec(value)?.[1];
      if (jump !== undefined || value.includes('ProxyCommand')) {
        diagnostics.push(
          diagnosticAt(source, here, 'key', `${formatPath(here)} is not read by fleet; set jump: ${jump ?? 'user@bastion:22'} for a jump host`, 'warning'),
        );
      }
    } else if (name === 'ansible_connection' && !['ssh', 'smart', 'paramiko'].includes(String(value))) {
      diagnostics.push(
        diagnosticAt(source, here, 'value', `${formatPath(here)} is ${String(value)}, but fleet always connects over SSH`, 'warning'),
      );
    }
  }
}

/** Ansible's boolean(): yes/no, true/false, on/off, y/n, t/f, 1/0, in any case. */
export function readFlag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return ['yes', 'y', 'true', 't', 'on', '1'].includes(String(value).toLowerCase());
}

/** A jump host, `[user@]host[:port]` (IPv6 in brackets), as ssh's ProxyJump reads one hop. */
export interface ParsedJump {
  user?: string;
  host: string;
  port: number;
}

/** Parses a jump spec the schema already accepted; undefined for a port out of range. */
export function parseJump(spec: string): ParsedJump | undefined {
  const match = /^(?:([^@]+)@)?(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(spec);
  if (!match) return undefined;
  const port = match[4] === undefined ? 22 : Number(match[4]);
  if (port < 1 || port > 65535) return undefined;
  const host = match[2] ?? match[3]!;
  return match[1] === undefined ? { host, port } : { user: match[1], host, port };
}
