/**
 * Reads the controller's OpenSSH client config from disk, the files ssh itself would read:
 * ~/.ssh/config then /etc/ssh/ssh_config (or one file, like `ssh -F`; `none` reads nothing),
 * and every file their Include lines reach, whichever host they end up applying to. The
 * resolver (src/core/sshconfig) then works on this data, host by host, without I/O.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { globMatches } from '../core/glob.js';
import { sortGlobMatches } from '../core/sshd/includes.js';
import { includeGlob, lexSshConfig, type SshConfigFile, type SshConfigRoot, type SshConfigSet, type SshEnvironment } from '../core/sshconfig/index.js';

/** The system-wide client config ssh reads after the user's. */
export const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';

/** Deeper than ssh's limit (16): enough to let the resolver report the loop it finds. */
const MAX_LOAD_DEPTH = 18;

/** The controller as ssh sees it: $HOME, the local user, uid, host name, environment. */
export function sshEnvironment(home: string, localUser: string): SshEnvironment {
  let uid = 0;
  try {
    uid = userInfo().uid;
  } catch {
    // No passwd entry: %i is the only thing that needs it.
  }
  return { home, localUser, uid, hostname: hostname(), env: process.env };
}

/**
 * Loads the config set. `file` is --ssh-config: one file instead of the default two (missing is
 * an error, as with `ssh -F`), or `none` for no file at all.
 */
export async function loadSshConfig(env: SshEnvironment, file?: string): Promise<SshConfigSet> {
  let roots: SshConfigRoot[];
  if (file === 'none') roots = [];
  else if (file !== undefined) roots = [{ path: path.resolve(file), user: true, checkPermissions: false }];
  else {
    roots = [
      { path: path.join(env.home, '.ssh', 'config'), user: true, checkPermissions: true },
      { path: SYSTEM_SSH_CONFIG, user: false, checkPermissions: false },
    ];
  }
  const files = new Map<string, SshConfigFile>();
  const globs = new Map<string, readonly string[]>();
  const seen = new Set<string>();
  const visit = async (filePath: string, user: boolean, depth: number, required: boolean): Promise<void> => {
    const key = `${user ? 'u' : 's'}:${filePath}`;
    if (seen.has(key) || depth > MAX_LOAD_DEPTH) return;
    seen.add(key);
    let loaded = files.get(filePath);
    if (loaded === undefined) {
      const read = await readConfigFile(filePath, env, required);
      if (read === null) return;
      loaded = read;
      files.set(filePath, loaded);
    }
    for (const line of loaded.lines) {
      if (line.keyword?.toLowerCase() !== 'include') continue;
      for (const arg of line.args) {
        let pattern: string;
        try {
          pattern = includeGlob(arg.value, user, env.home);
        } catch {
          continue; // the resolver names the line
        }
        if (arg.value === '' || (arg.value.startsWith('~') && !user)) continue;
        let matches = globs.get(pattern);
        if (matches === undefined) {
          matches = await glob(pattern);
          globs.set(pattern, matches);
        }
        for (const match of matches) await visit(match, user, depth + 1, false);
      }
    }
  };
  for (const root of roots) await visit(root.path, root.user, 0, file !== undefined && file !== 'none');
  return { roots, files, globs };
}

/** One file, or null when it does not exist (ssh skips a missing file). */
async function readConfigFile(filePath: string, env: SshEnvironment, required: boolean): Promise<SshConfigFile | null> {
  let text: string;
  let info;
  try {
    info = await stat(filePath);
    if (info.isDirectory()) return null;
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return null;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ConfigError([{ file: displayPath(filePath, env.home), line: 0, col: 0, message: `cannot read the ssh client config: ${reason}`, severity: 'error' }]);
  }
  const file: SshConfigFile = { path: filePath, display: displayPath(filePath, env.home), lines: lexSshConfig(text) };
  // readconf.c: owned by the user or root, and writable by nobody else.
  if ((info.uid !== 0 && info.uid !== env.uid) || (info.mode & 0o022) !== 0) {
    file.unsafe = `owner uid ${info.uid}, mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}`;
  }
  return file;
}

/** `~/.ssh/config` for a file under $HOME, as people write it. */
export function displayPath(filePath: string, home: string): string {
  const prefix = home.endsWith('/') ? home : `${home}/`;
  return filePath.startsWith(prefix) ? `~/${filePath.slice(prefix.length)}` : filePath;
}

/** glob(3) of an absolute pattern: every match, sorted by bytes as OpenSSH's glob does. */
async function glob(pattern: string): Promise<string[]> {
  if (!pattern.startsWith('/')) return [];
  const segments = pattern.split('/').slice(1);
  let bases = ['/'];
  for (const segment of segments) {
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?[]/.test(segment)) {
        next.push(path.join(base, segment.replace(/\\(.)/g, '$1')));
        continue;
      }
      let names: string[];
      try {
        names = await readdir(base);
      } catch {
        continue;
      }
      for (const name of names) if (globMatches(segment, name)) next.push(path.join(base, name));
    }
    bases = next;
  }
  const existing: string[] = [];
  for (const candidate of bases) {
    try {
      await stat(candidate);
      existing.push(candidate);
    } catch {
      // glob(3) lists only what exists
    }
  }
  return sortGlobMatches(existing);
}
