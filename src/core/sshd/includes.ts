/**
 * sshd's Include directive: which patterns a file names, how sshd resolves and orders them,
 * and which ones the fact gatherer still has to expand on the host.
 */
import { parseConfigText } from './document.js';
import type { ConfigTree } from './types.js';

/** sshd resolves relative Include arguments against SSHDIR, not against the including file. */
export const SSHD_DIR = '/etc/ssh';

/** sshd's SERVCONF_MAX_DEPTH: deeper nesting (e.g. a file including itself) is fatal. */
export const MAX_INCLUDE_DEPTH = 16;

/** An Include argument as sshd globs it: relative → under /etc/ssh; `/…` and `~…` as written. */
export function resolveIncludePattern(arg: string): string {
  return arg.startsWith('/') || arg.startsWith('~') ? arg : `${SSHD_DIR}/${arg}`;
}

/**
 * The paths a pattern matched, in the order sshd reads them: OpenSSH's own glob(3) (used on
 * glibc too) sorts results with strcmp, i.e. by bytes, whatever order the host listed them in.
 */
export function sortGlobMatches(paths: readonly string[]): string[] {
  return [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * Every Include pattern in one file, resolved, in file order, including Includes inside Match
 * blocks (sshd reads those too, in that Match context). `filePath` is only for the caller's
 * bookkeeping: relative patterns resolve against /etc/ssh whichever file names them.
 */
export function includePatterns(text: string, filePath: string): string[] {
  void filePath;
  const patterns: string[] = [];
  for (const line of parseConfigText(text).lines) {
    if (line.key !== 'include') continue;
    for (const arg of line.args) if (arg.value !== '') patterns.push(resolveIncludePattern(arg.value));
  }
  return patterns;
}

/**
 * Include patterns named by files in the tree that the tree has no glob result for. The fact
 * gatherer expands them on the host, fetches the files, and asks again until this is empty.
 */
export function missingFiles(tree: ConfigTree): string[] {
  const missing = new Set<string>();
  for (const [path, text] of tree.files) {
    for (const pattern of includePatterns(text, path)) if (!tree.globs.has(pattern)) missing.add(pattern);
  }
  return [...missing];
}
