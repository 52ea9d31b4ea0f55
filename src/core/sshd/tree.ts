/**
 * Pure transformations of a whole ConfigTree: the tree after a plan's edits, and the tree
 * moved under a staging directory so the real `sshd -t` can judge a candidate without
 * touching the live files.
 */
import { globMatches } from '../glob.js';
import { FleetError, InternalError } from '../errors.js';
import { makeLine, parseConfigText, printConfigText } from './document.js';
import { resolveIncludePattern } from './includes.js';
import { formatArgument } from './lexer.js';
import type { ConfigTree, FileEdit } from './types.js';

/** The tree once `edits` are written. Throws InternalError if an edit was planned on other text. */
export function applyEdits(tree: ConfigTree, edits: readonly FileEdit[]): ConfigTree {
  const files = new Map(tree.files);
  const globs = new Map(tree.globs);
  for (const edit of edits) {
    const current = files.get(edit.path) ?? null;
    if (current !== edit.before) throw new InternalError(`edit of ${edit.path} was planned against different text`);
    files.set(edit.path, edit.after);
    if (edit.before !== null) continue;
    // A new file becomes visible to every Include glob that matches it, as on the host.
    for (const [pattern, paths] of globs) {
      if (globMatches(pattern, edit.path) && !paths.includes(edit.path)) globs.set(pattern, [...paths, edit.path]);
    }
  }
  return { main: tree.main, files, globs, ...(tree.links ? { links: tree.links } : {}) };
}

/**
 * The edits as apply writes them: a symlinked file's edit goes to the file the link resolves
 * to, so the link stays a link (Ansible's lineinfile writes through links the same way; a
 * rename over the link would replace it with a copy). Two edited names of one file cannot
 * both be written: refused.
 */
export function writeTargets(tree: ConfigTree, edits: readonly FileEdit[]): FileEdit[] {
  const seen = new Map<string, string>();
  return edits.map((edit) => {
    const target = tree.links?.get(edit.path) ?? edit.path;
    const other = seen.get(target);
    if (other !== undefined) {
      throw new FleetError('CONFIG_UNSUPPORTED', `${other} and ${edit.path} are the same file (${target}); fleet will not write one file twice`);
    }
    seen.set(target, edit.path);
    return target === edit.path ? edit : { ...edit, path: target };
  });
}

/**
 * The same tree with every path under `stageRoot`: file keys, glob patterns and results, and
 * every Include argument in every file (rewritten to the staged absolute pattern, so staged
 * files include staged files). Every other byte is unchanged; other absolute paths such as
 * HostKey keep pointing at the live system.
 */
export function relocate(tree: ConfigTree, stageRoot: string): ConfigTree {
  const root = stageRoot.replace(/\/+$/, '');
  const stage = (path: string): string => (path.startsWith('/') ? `${root}${path}` : path);
  const files = new Map<string, string>();
  for (const [path, text] of tree.files) files.set(stage(path), relocateIncludes(text, stage));
  const globs = new Map<string, readonly string[]>();
  for (const [pattern, paths] of tree.globs) globs.set(stage(pattern), paths.map(stage));
  return { main: stage(tree.main), files, globs };
}

function relocateIncludes(text: string, stage: (path: string) => string): string {
  const doc = parseConfigText(text);
  doc.lines.forEach((line, index) => {
    if (line.key !== 'include') return;
    let rewritten = line.text;
    // Right to left, so earlier offsets stay valid while later arguments change length.
    for (const arg of [...line.args].reverse()) {
      if (arg.value === '') continue;
      const staged = stage(resolveIncludePattern(arg.value));
      rewritten = rewritten.slice(0, arg.start) + formatArgument(staged) + rewritten.slice(arg.end);
    }
    doc.lines[index] = makeLine(rewritten, line.eol);
  });
  return printConfigText(doc);
}
