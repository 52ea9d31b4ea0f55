/**
 * The parts of Ansible's configuration that say how to reach hosts, read as Ansible reads them:
 * `[defaults]` `inventory`, `remote_user`, `private_key_file` and `forks` from the ansible.cfg
 * Ansible would pick (the edge finds it: ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg,
 * /etc/ansible/ansible.cfg), overridden by ANSIBLE_INVENTORY, ANSIBLE_REMOTE_USER,
 * ANSIBLE_PRIVATE_KEY_FILE and ANSIBLE_FORKS. Paths in the file are relative to its folder,
 * paths in the environment to the working folder, as in Ansible.
 *
 * Nothing here can relax host-key checking: `host_key_checking = False` (or
 * ANSIBLE_HOST_KEY_CHECKING) only earns a warning that fleet checks keys anyway.
 */
import path from 'node:path';
import type { Diagnostic } from '../errors.js';
import { readFlag } from './vars.js';

/** A value and where it came from (`ansible.cfg:4 (remote_user)`, `ANSIBLE_REMOTE_USER`). */
export interface Sourced<T> {
  value: T;
  origin: string;
}

/** What Ansible's configuration says about reaching hosts. */
export interface AnsibleSettings {
  /** Inventory sources, absolute. */
  inventory?: Sourced<string[]>;
  remoteUser?: Sourced<string>;
  /** Absolute. */
  privateKeyFile?: Sourced<string>;
  forks?: Sourced<number>;
  diagnostics: Diagnostic[];
}

/** One `key = value` of a config file, with its line. */
interface ConfigEntry {
  value: string;
  line: number;
}

/**
 * Python's configparser as Ansible sets it up: `[section]`, `key = value` or `key: value`
 * (keys without case), `#`/`;` comment lines, `;` after a space ends a value, indented lines
 * continue the value before. Returns section → key → entry.
 */
export function parseConfigIni(text: string, file: string, diagnostics: Diagnostic[]): Map<string, Map<string, ConfigEntry>> {
  const sections = new Map<string, Map<string, ConfigEntry>>();
  let section: Map<string, ConfigEntry> | undefined;
  let last: ConfigEntry | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (trimmed === '') last = undefined;
      return;
    }
    if (/^\s/.test(raw) && last) {
      last.value += `\n${stripInlineComment(trimmed)}`;
      return;
    }
    const header = /^\[([^\]]+)\]$/.exec(trimmed);
    if (header) {
      section = sections.get(header[1]!) ?? new Map();
      sections.set(header[1]!, section);
      last = undefined;
      return;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!pair || !section) {
      diagnostics.push({ file, line, col: 1, message: section ? `cannot read ${JSON.stringify(trimmed)}: expected key = value` : 'a setting before any [section]', severity: 'error' });
      return;
    }
    const key = pair[1]!.toLowerCase();
    if (section.has(key)) {
      diagnostics.push({ file, line, col: 1, message: `${key} is set twice in its section (first on line ${section.get(key)!.line}); Ansible refuses this file`, severity: 'error' });
      return;
    }
    last = { value: stripInlineComment(pair[2]!), line };
    section.set(key, last);
  });
  return sections;
}

function stripInlineComment(value: string): string {
  const at = value.search(/\s;/);
  return (at < 0 ? value : value.slice(0, at)).trim();
}

/** Inputs of {@link ansibleSettings}: the config file Ansible would use, its environment, where it runs. */
export interface AnsibleConfigInput {
  /** The ansible.cfg found, if any: its path (absolute), how to name it, its text. */
  config?: { path: string; display: string; text: string };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home?: string;
}

const USER_NAME = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;
const KEY_PATH = /^\/[A-Za-z0-9._+@%,:=/-]*$/;

export function ansibleSettings(input: AnsibleConfigInput): AnsibleSettings {
  const diagnostics: Diagnostic[] = [];
  const settings: AnsibleSettings = { diagnostics };
  const defaults = input.config ? (parseConfigIni(input.config.text, input.config.display, diagnostics).get('defaults') ?? new Map<string, ConfigEntry>()) : new Map<string, ConfigEntry>();
  const cfgDir = input.config ? path.dirname(input.config.path) : input.cwd;
  const resolve = (p: string, base: string): string => {
    const expanded = input.home !== undefined && (p === '~' || p.startsWith('~/')) ? path.join(input.home, p.slice(1)) : p;
    return path.resolve(base, expanded);
  };
  // The environment wins over the file, as in Ansible.
  const pick = (key: string, envName: string): { value: string; origin: string; base: string; at: Diagnostic['line'] } | undefined => {
    const fromEnv = input.env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, origin: envName, base: input.cwd, at: 0 };
    const entry = defaults.get(key);
    if (entry && entry.value !== '') return { value: entry.value, origin: `${input.config!.display}:${entry.line} (${key})`, base: cfgDir, at: entry.line };
    return undefined;
  };
  const fail = (where: { origin: string; at: number }, message: string): void => {
    const file = where.at > 0 ? input.config!.display : where.origin;
    diagnostics.push({ file, line: where.at, col: where.at > 0 ? 1 : 0, message, severity: 'error' });
  };

  const inventory = pick('inventory', 'ANSIBLE_INVENTORY');
  if (inventory) {
    const paths = inventory.value.split(',').map((p) => p.trim()).filter((p) => p !== '');
    settings.inventory = { value: paths.map((p) => resolve(p, inventory.base)), origin: inventory.origin };
  }
  const user = pick('remote_user', 'ANSIBLE_REMOTE_USER');
  if (user) {
    if (USER_NAME.test(user.value)) settings.remoteUser = { value: user.value, origin: user.origin };
    else fail(user, `remote_user ${JSON.stringify(user.value)} is not a user name`);
  }
  const key = pick('private_key_file', 'ANSIBLE_PRIVATE_KEY_FILE');
  if (key) {
    const absolute = resolve(key.value, key.base);
    if (KEY_PATH.test(absolute)) settings.privateKeyFile = { value: absolute, origin: key.origin };
    else fail(key, `private_key_file ${JSON.stringify(key.value)} must be a path of letters, digits and ._+@%,:=/- only`);
  }
  const forks = pick('forks', 'ANSIBLE_FORKS');
  if (forks) {
    if (/^\d+$/.test(forks.value) && Number(forks.value) >= 1) settings.forks = { value: Number(forks.value), origin: forks.origin };
    else fail(forks, `forks ${JSON.stringify(forks.value)} must be a whole number of at least 1`);
  }
  const checking = pick('host_key_checking', 'ANSIBLE_HOST_KEY_CHECKING');
  if (checking && !readFlag(checking.value)) {
    const file = checking.at > 0 ? input.config!.display : checking.origin;
    diagnostics.push({
      file,
      line: checking.at,
      col: checking.at > 0 ? 1 : 0,
      message: 'host_key_checking is off here, which fleet ignores: it always checks host keys against known_hosts (--accept-new records a new host\'s key)',
      severity: 'warning',
    });
  }
  return settings;
}
