/**
 * The disk side of reading inventories as Ansible does: which ansible.cfg Ansible would use,
 * which files an inventory folder holds (in Ansible's order, skipping what it skips), and the
 * group_vars/ and host_vars/ folders beside each source and the policy. Only reading happens
 * here; what the texts mean is decided in src/core/inventory.
 */
import { access, constants, readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type Diagnostic } from '../core/errors.js';
import type { InventoryText, VarsBase, VarsFile, VarsFolder } from '../core/inventory/index.js';
import { staticInventoryHint } from '../core/inventory/sources.js';

/** A path relative to the working directory when that is shorter, as a compiler prints it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && relative.length < file.length ? relative : file;
}

/** Ansible's search for its config file; the first that exists and can be read wins. */
export async function findAnsibleConfig(env: Readonly<Record<string, string | undefined>>, cwd: string, home: string | undefined): Promise<{ path: string; display: string; text: string } | undefined> {
  const candidates: string[] = [];
  const fromEnv = env['ANSIBLE_CONFIG'];
  if (fromEnv) {
    const resolved = path.resolve(cwd, fromEnv.startsWith('~/') && home ? path.join(home, fromEnv.slice(2)) : fromEnv);
    candidates.push((await isDirectory(resolved)) ? path.join(resolved, 'ansible.cfg') : resolved);
  }
  // Ansible skips ./ansible.cfg in a world-writable folder: anyone could have put it there.
  const cwdMode = await stat(cwd).then((s) => s.mode, () => undefined);
  if (cwdMode !== undefined && (cwdMode & 0o002) === 0) candidates.push(path.join(cwd, 'ansible.cfg'));
  if (home) candidates.push(path.join(home, '.ansible.cfg'));
  candidates.push('/etc/ansible/ansible.cfg');
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.R_OK);
      if (await isDirectory(candidate)) continue;
      return { path: candidate, display: displayPath(candidate), text: await readFile(candidate, 'utf8') };
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * Names Ansible skips in an inventory folder (manager.py's IGNORED with the default
 * INVENTORY_IGNORE_EXTS: REJECT_EXTS + .orig, .ini, .cfg, .retry), checked against
 * ansible-inventory 2.14 by test/unit/inventory/ansible-oracle.test.ts.
 */
const IGNORED_NAMES = /^\.|^host_vars$|^group_vars$|^vars_plugins$/;
const IGNORED_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];

export function ignoredInInventoryFolder(name: string): boolean {
  return IGNORED_NAMES.test(name) || IGNORED_EXTS.some((ext) => name.endsWith(ext));
}

/** What `-i` (or the policy's `inventory:`, or ansible.cfg) names, read: the sources in order and the vars folders beside them. */
export interface ReadSources {
  sources: InventoryText[];
  varsBases: VarsBase[];
}

/**
 * Reads each inventory path: a file as it is, a folder as Ansible reads one (its files in name
 * order, subfolders likewise, skipping what Ansible skips). An executable inventory script is
 * refused by name: fleet does not run it.
 */
export async function readInventorySources(paths: readonly string[]): Promise<ReadSources> {
  const sources: InventoryText[] = [];
  const bases: string[] = [];
  const problems: Diagnostic[] = [];
  const problem = (file: string, message: string): void => {
    problems.push({ file: displayPath(file), line: 0, col: 0, message, severity: 'error' });
  };
  const readOne = async (file: string): Promise<void> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      return problem(file, `cannot read the inventory: ${reason(error)}`);
    }
    if (await isScript(file, text)) {
      return problem(file, `is an executable inventory script, which fleet does not run; ${staticInventoryHint(displayPath(file))}`);
    }
    sources.push({ file: displayPath(file), text });
  };
  // A symlink back up the tree would otherwise be followed for ever.
  const seen = new Set<string>();
  const readFolder = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const name of (await readdir(dir)).sort()) {
      if (ignoredInInventoryFolder(name)) continue;
      const full = path.join(dir, name);
      if (await isDirectory(full)) await readFolder(full);
      else await readOne(full);
    }
  };
  for (const given of paths) {
    const full = path.resolve(given);
    const info = await stat(full).catch((error: unknown) => error as NodeJS.ErrnoException);
    if (info instanceof Error) {
      problem(given, `cannot read the inventory: ${reason(info)}`);
      continue;
    }
    if (info.isDirectory()) {
      await readFolder(full);
      bases.push(full);
    } else {
      await readOne(full);
      bases.push(path.dirname(full));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const unique = [...new Set(bases)];
  return { sources, varsBases: await Promise.all(unique.map((dir) => readVarsBase(dir, 'inventory'))) };
}

/** group_vars/ and host_vars/ of one folder (either may be missing). */
export async function readVarsBase(dir: string, role: VarsBase['role']): Promise<VarsBase> {
  return {
    dir: displayPath(dir),
    role,
    groupVars: await readVarsFolder(path.join(dir, 'group_vars')),
    hostVars: await readVarsFolder(path.join(dir, 'host_vars')),
  };
}

const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

/** Each entry of a vars folder → its files; a subfolder's files as Ansible's _get_dir_vars_files lists them. */
async function readVarsFolder(dir: string): Promise<VarsFolder> {
  const folder = new Map<string, VarsFile[]>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return folder;
  }
  for (const name of names.sort()) {
    const full = path.join(dir, name);
    const files = (await isDirectory(full)) ? await varsFilesIn(full) : [full];
    folder.set(name, await Promise.all(files.map(async (file) => ({ file: displayPath(file), text: await readFile(file, 'utf8') }))));
  }
  return folder;
}

async function varsFilesIn(dir: string, seen = new Set<string>()): Promise<string[]> {
  const found: string[] = [];
  const real = await realpath(dir);
  if (seen.has(real)) return found;
  seen.add(real);
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const ext = path.extname(name);
    const full = path.join(dir, name);
    if (await isDirectory(full)) {
      if (ext === '') found.push(...(await varsFilesIn(full, seen)));
    } else if (ext === '' || VARS_EXTENSIONS.includes(ext)) {
      found.push(full);
    }
  }
  return found;
}

/**
 * Ansible's script plugin takes a file that starts with `#!` or is executable. A YAML or JSON
 * file that is merely executable (a checkout from a FAT disk) is read as what it is.
 */
async function isScript(file: string, text: string): Promise<boolean> {
  if (text.startsWith('#!')) return true;
  if (VARS_EXTENSIONS.includes(path.extname(file))) return false;
  return access(file, constants.X_OK).then(() => true, () => false);
}

async function isDirectory(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isDirectory(), () => false);
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
}

