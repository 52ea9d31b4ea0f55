/**
 * Every directive of a ConfigTree in the order sshd reads it, with the Match context it sits in
 * and whether sshd's startup parse (what `sshd -T` shows without -C) applies it.
 *
 * This mirrors servconf.c: Includes are read in place, glob results sorted; an included file
 * starts in its includer's Match context and its own Match blocks end at its end (sshd restores
 * the includer's state); an Include inside a Match block that is not active is read "syntax
 * only" (SSHCFG_NEVERMATCH), so no Match inside it activates either.
 */
import { canonicalKeyword } from './keywords.js';
import { parseConfigText, type SshdDocument } from './document.js';
import { MAX_INCLUDE_DEPTH, resolveIncludePattern, sortGlobMatches } from './includes.js';
import type { ConfigTree, Origin } from './types.js';

/** The Match block a directive sits in. */
export interface MatchContext {
  /** the Match line's criteria as written, e.g. `User backup` or `all` */
  criteria: string;
  origin: Origin;
}

/** One directive as sshd reads it. */
export interface Occurrence {
  origin: Origin;
  /** 0-based index of the line in its file's document */
  lineIndex: number;
  /** canonical keyword (aliases resolved); the lowercased word when sshd does not know it */
  keyword: string;
  /** the arguments sshd reads */
  args: readonly string[];
  /** enclosing Match block, or null at global scope */
  match: MatchContext | null;
  /**
   * true when sshd's startup parse applies it: global lines, and lines after `Match all`
   * (match_cfg_line returns 1 for `all` even without a connection)
   */
  active: boolean;
}

/** The tree in read order, plus anything that kept it from being read as sshd would. */
export interface ReadOrder {
  occurrences: Occurrence[];
  /** e.g. a glob result missing from tree.files, or includes nested deeper than sshd allows */
  problems: string[];
  /** parsed documents by path, for editors that want to change the lines they found */
  documents: Map<string, SshdDocument>;
}

export function readOrder(tree: ConfigTree): ReadOrder {
  const result: ReadOrder = { occurrences: [], problems: [], documents: new Map() };
  const state = { active: true, stopped: false };
  readFile(tree, tree.main, 0, null, false, state, result);
  return result;
}

function documentOf(tree: ConfigTree, path: string, result: ReadOrder): SshdDocument {
  let doc = result.documents.get(path);
  if (doc === undefined) {
    const text = tree.files.get(path);
    if (text === undefined) result.problems.push(`${path} is named by an Include but was not read from the host`);
    doc = parseConfigText(text ?? '');
    result.documents.set(path, doc);
  }
  return doc;
}

function readFile(
  tree: ConfigTree,
  path: string,
  depth: number,
  inheritedMatch: MatchContext | null,
  neverMatch: boolean,
  state: { active: boolean; stopped: boolean },
  result: ReadOrder,
): void {
  if (state.stopped) return;
  if (depth > MAX_INCLUDE_DEPTH) {
    // sshd dies at the first read this deep; walking on would cost 2^depth reads for a file
    // that includes itself twice.
    result.problems.push(`${path}: Include nesting deeper than ${MAX_INCLUDE_DEPTH} (sshd refuses to start)`);
    state.stopped = true;
    return;
  }
  const doc = documentOf(tree, path, result);
  let match = inheritedMatch;
  doc.lines.forEach((line, lineIndex) => {
    if (line.key === null || state.stopped) return;
    const origin = { path, line: lineIndex + 1 };
    if (line.key === 'match') {
      const criteria = criteriaText(line.text, line.args);
      match = { criteria, origin };
      state.active = !neverMatch && isMatchAll(line.args.map((a) => a.value));
      return;
    }
    if (line.key === 'include') {
      const includerActive = state.active;
      for (const arg of line.args) {
        if (arg.value === '') continue;
        const matched = tree.globs.get(resolveIncludePattern(arg.value)) ?? [];
        for (const included of sortGlobMatches(matched)) {
          if (state.stopped) return;
          readFile(tree, included, depth + 1, match, !includerActive, state, result);
          state.active = includerActive;
        }
      }
      return;
    }
    result.occurrences.push({
      origin,
      lineIndex,
      keyword: canonicalKeyword(line.key) ?? line.key,
      args: line.args.map((a) => a.value),
      match,
      active: state.active,
    });
  });
}

/** `Match all` (alone, optionally followed by a comment) matches every connection. */
function isMatchAll(args: readonly string[]): boolean {
  return args.length === 1 && (args[0] as string).toLowerCase() === 'all';
}

/** The Match line's criteria as written (from the first argument to the last), for messages. */
function criteriaText(text: string, args: readonly { start: number; end: number }[]): string {
  const first = args[0];
  const last = args[args.length - 1];
  return first === undefined || last === undefined ? '' : text.slice(first.start, last.end);
}
