/**
 * The smallest set of line edits that makes sshd's effective global values the desired ones.
 *
 * sshd keeps the FIRST value it reads, so the only occurrence worth changing is the one that
 * wins today (see effective.ts; for ClientAlive* a `Match all` line beats global lines): it is
 * edited in place, wherever it lives (main file or drop-in). When nothing
 * global sets the keyword, a line is added where sshd reads first: in the main file, before
 * its first directive, which is also before the Debian/RHEL `Include sshd_config.d/*.conf`.
 * Later occurrences are shadowed and left alone; Match blocks are the site's exceptions.
 */
import { unifiedDiff } from '../diff.js';
import { FleetError, InternalError } from '../errors.js';
import { lineEnding, newLine, parseConfigText, printConfigText, replaceArgument, terminateLastLine, type SshdDocument } from './document.js';
import { effectiveFromOccurrences, occurrencesOf, winningOccurrence } from './effective.js';
import { canonicalKeyword, normalizeValue, SSHD_DEFAULTS } from './keywords.js';
import { formatArgument } from './lexer.js';
import { type Occurrence, readOrder } from './read-order.js';
import { applyEdits } from './tree.js';
import type { ConfigTree, DesiredDirectives, FileEdit, SshdPlan } from './types.js';

export function planSshd(tree: ConfigTree, desired: DesiredDirectives): SshdPlan {
  for (const [path, text] of tree.files) refuseNul(path, text);
  const order = readOrder(tree);
  const wanted = Object.entries(desired).map(([keyword, value]) => ({ keyword: canonicalKeyword(keyword) ?? keyword, value }));
  const keywords = wanted.map((w) => w.keyword);
  const before = effectiveFromOccurrences(order.occurrences, keywords);
  const warnings = [...order.problems];
  const changed = new Map<string, SshdDocument>();
  const additions: string[] = [];

  const editable = (path: string): SshdDocument => {
    let doc = changed.get(path);
    if (doc === undefined) {
      doc = parseConfigText(tree.files.get(path) ?? '');
      changed.set(path, doc);
    }
    return doc;
  };

  for (const { keyword, value } of wanted) {
    const want = normalizeValue(keyword, value);
    const mine = occurrencesOf(order.occurrences, keyword);
    const winner = winningOccurrence(mine, keyword);
    for (const o of mine) {
      // Active Match blocks are `Match all`: they apply to everyone, so they are no exception.
      if (o.match !== null && !o.active) warnings.push(exceptionWarning(keyword, o));
    }
    if (winner === undefined) {
      if (want !== SSHD_DEFAULTS[keyword.toLowerCase()]) additions.push(`${keyword} ${formatArgument(value)}`);
      continue;
    }
    if (normalizeValue(keyword, winner.args[0] as string) === want) continue;
    replaceArgument(editable(winner.origin.path), winner.lineIndex, 0, value, formatArgument);
    if (winner.match !== null) {
      warnings.push(`${keyword} is set for every connection by Match ${winner.match.criteria} at ${where(winner)}; that line is the one changed`);
    }
  }

  if (additions.length > 0) insertAtTop(editable(tree.main), additions);

  const edits: FileEdit[] = [];
  for (const [path, doc] of changed) {
    const beforeText = tree.files.get(path) ?? null;
    const afterText = printConfigText(doc);
    if (afterText === beforeText) continue;
    edits.push({ path, before: beforeText, after: afterText, diff: unifiedDiff(path, beforeText, afterText) });
  }
  // Main file first, then the rest in path order, so plans print the same way every time.
  edits.sort((a, b) => (a.path === tree.main ? -1 : b.path === tree.main ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const after = effectiveFromOccurrences(readOrder(applyEdits(tree, edits)).occurrences, keywords);
  for (const { keyword, value } of wanted) {
    const promised = after[keyword]?.value ?? SSHD_DEFAULTS[keyword.toLowerCase()] ?? null;
    if (promised !== normalizeValue(keyword, value)) {
      throw new InternalError(`planner left ${keyword} at ${String(promised)} instead of ${value} in ${tree.main}`);
    }
  }
  return { edits, before, after, warnings };
}

/**
 * New lines go right before the main file's first directive: after its leading comments, read
 * before anything else (including drop-ins) and outside any Match block. A file with no
 * directive gets them at its end.
 */
function insertAtTop(doc: SshdDocument, lines: readonly string[]): void {
  const ending = lineEnding(doc);
  const created = lines.map((text) => newLine(text, ending));
  const first = doc.lines.findIndex((line) => line.key !== null);
  if (first === -1) {
    terminateLastLine(doc, ending);
    doc.lines.push(...created);
  } else {
    doc.lines.splice(first, 0, ...created);
  }
}

function where(o: Occurrence): string {
  return `${o.origin.path}:${o.origin.line}`;
}

function exceptionWarning(keyword: string, o: Occurrence): string {
  const value = normalizeValue(keyword, o.args[0] as string);
  return `${keyword} ${value} in Match ${o.match?.criteria ?? ''} at ${where(o)} stays as the site's exception`;
}

/**
 * sshd and ssh read a line up to its first NUL and drop the rest of it AND its newline, so the
 * next line is glued onto it and vanishes: no edit of such a file can be trusted to take effect.
 */
export function refuseNul(path: string, text: string): void {
  const at = text.indexOf('\0');
  if (at === -1) return;
  const line = text.slice(0, at).split('\n').length;
  throw new FleetError('CONFIG_UNSUPPORTED', `${path}:${line}: contains a NUL byte; sshd and ssh ignore the rest of that line and the next one, so fleet will not edit this file`);
}
