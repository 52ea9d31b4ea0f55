/**
 * Loads a corpus tree from test/fixtures/distro/<name> as the fact gatherer would deliver it:
 * every file under its absolute path, and every Include pattern expanded against the tree's
 * files (listed in reverse order, so the planner has to sort them as sshd does).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { globMatches } from '../../../src/core/glob.js';
import { includePatterns } from '../../../src/core/sshd/index.js';
import type { ConfigTree } from '../../../src/core/sshd/index.js';

export const DISTRO_DIR = fileURLToPath(new URL('../../fixtures/distro/', import.meta.url));

export function corpusNames(): string[] {
  return readdirSync(DISTRO_DIR).filter((name) => statSync(join(DISTRO_DIR, name)).isDirectory()).sort();
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** A tree from files keyed by absolute path, globs expanded against those files. */
export function treeFromFiles(files: ReadonlyMap<string, string>, main = '/etc/ssh/sshd_config'): ConfigTree {
  const globs = new Map<string, string[]>();
  for (const [path, text] of files) {
    for (const pattern of includePatterns(text, path)) {
      if (globs.has(pattern)) continue;
      globs.set(pattern, [...files.keys()].filter((p) => globMatches(pattern, p)).sort().reverse());
    }
  }
  return { main, files, globs };
}

export function loadCorpusTree(name: string): ConfigTree {
  const root = join(DISTRO_DIR, name);
  const files = new Map<string, string>();
  for (const path of walk(root, [])) files.set(`/${relative(root, path)}`, readFileSync(path, 'utf8'));
  return treeFromFiles(files);
}
