/**
 * Keywords inside Match blocks (a policy's `sshd_match:`). The block is found by its criteria as
 * written after `Match` (blanks aside), in the order sshd reads the files; inside it, the first
 * line of a keyword is edited in place and a keyword the block lacks is added after its last
 * directive. A block no file has is appended to the main file. The value then holds for every
 * connection the criteria select, unless an earlier Match block that selects it too sets the
 * keyword first (sshd keeps the first value): such blocks are reported, not changed.
 */
import { InternalError } from '../errors.js';
import { newLine, lineEnding, replaceArgument, replaceArguments, terminateLastLine, type SshdDocument } from './document.js';
import { occurrencesOf, occurrenceValue } from './effective.js';
import { lineArguments, normalizeValue } from './keywords.js';
import { formatArgument } from './lexer.js';
import { type Occurrence, type ReadOrder, readOrder } from './read-order.js';
import type { ConfigTree, DesiredMatchBlock } from './types.js';

/** Where a Match block starts: its file and the index of its `Match` line. */
interface BlockStart {
  path: string;
  lineIndex: number;
}

const criteriaKey = (text: string): string => text.trim().split(/[ \t]+/).join(' ');

/** The first `Match` line with these criteria, in sshd's read order. */
function findBlock(order: ReadOrder, criteria: string): BlockStart | undefined {
  const wanted = criteriaKey(criteria);
  for (const [path, doc] of order.documents) {
    const lineIndex = doc.lines.findIndex((l) => l.key === 'match' && criteriaKey(l.args.map((a) => a.value).join(' ')) === wanted);
    if (lineIndex !== -1) return { path, lineIndex };
  }
  return undefined;
}

function inBlock(o: Occurrence, block: BlockStart): boolean {
  return o.match !== null && o.match.origin.path === block.path && o.match.origin.line === block.lineIndex + 1;
}


/**
 * Plans the Match blocks into `editable` documents; returns warnings. `version` gives the
 * `sshd -T` forms for comparing values. Lines are inserted last, bottom up, so the line
 * numbers read from the files stay right while the blocks are edited.
 */
export function planMatchBlocks(
  tree: ConfigTree,
  order: ReadOrder,
  blocks: readonly DesiredMatchBlock[],
  editable: (path: string) => SshdDocument,
  version?: readonly [number, number],
): string[] {
  const warnings: string[] = [];
  const appended: string[] = [];
  const insertions: { path: string; matchIndex: number; lines: string[] }[] = [];
  for (const { criteria, set } of blocks) {
    const block = findBlock(order, criteria);
    if (block === undefined) {
      appended.push(`Match ${criteria}`, ...Object.entries(set).map(([k, v]) => `  ${k} ${lineArguments(k, v).map(formatArgument).join(' ')}`));
      continue;
    }
    const missing: string[] = [];
    for (const [keyword, value] of Object.entries(set)) {
      const mine = occurrencesOf(order.occurrences, keyword);
      const here = mine.find((o) => inBlock(o, block));
      const earlier = mine.filter((o) => o.match !== null && !inBlock(o, block) && before(order, o, block));
      for (const o of earlier) warnings.push(`${keyword} is also set at ${o.origin.path}:${o.origin.line} in an earlier Match ${o.match!.criteria}: a connection both select gets that value`);
      if (here === undefined) {
        missing.push(`${keyword} ${lineArguments(keyword, value).map(formatArgument).join(' ')}`);
        continue;
      }
      if (occurrenceValue(keyword, here, version) === normalizeValue(keyword, value, version)) continue;
      // The line may live in a file the block includes: edit it there.
      const args = lineArguments(keyword, value);
      const lineDoc = editable(here.origin.path);
      if (args.length === 1 && here.args.length === 1) replaceArgument(lineDoc, here.lineIndex, 0, args[0] as string, formatArgument);
      else replaceArguments(lineDoc, here.lineIndex, args, formatArgument);
    }
    if (missing.length > 0) insertions.push({ path: block.path, matchIndex: block.lineIndex, lines: missing });
  }
  insertions.sort((a, b) => b.matchIndex - a.matchIndex);
  for (const { path, matchIndex, lines } of insertions) insertInBlock(editable(path), matchIndex, lines);
  if (appended.length > 0) appendLines(editable(tree.main), appended);
  return warnings;
}

/** Whether `o` is read before the block's Match line. */
function before(order: ReadOrder, o: Occurrence, block: BlockStart): boolean {
  const paths = [...order.documents.keys()];
  const a = paths.indexOf(o.origin.path);
  const b = paths.indexOf(block.path);
  return a < b || (a === b && o.lineIndex < block.lineIndex);
}

/** New lines after the block's last directive, indented like its first one (two spaces if none). */
function insertInBlock(doc: SshdDocument, matchIndex: number, lines: readonly string[]): void {
  let last = matchIndex;
  for (let i = matchIndex + 1; i < doc.lines.length && doc.lines[i]!.key !== 'match'; i++) if (doc.lines[i]!.key !== null) last = i;
  const firstDirective = doc.lines.slice(matchIndex + 1, last + 1).find((l) => l.key !== null);
  const indent = firstDirective ? (/^[ \t]*/.exec(firstDirective.text)?.[0] ?? '') : '  ';
  const ending = lineEnding(doc);
  if (last === doc.lines.length - 1) terminateLastLine(doc, ending);
  doc.lines.splice(last + 1, 0, ...lines.map((text) => newLine(`${indent}${text}`, ending)));
}

function appendLines(doc: SshdDocument, lines: readonly string[]): void {
  const ending = lineEnding(doc);
  terminateLastLine(doc, ending);
  doc.lines.push(...lines.map((text) => newLine(text, ending)));
}

/** After the edits: every block's keyword must read as wanted, or the planner has a bug. */
export function checkMatchBlocks(edited: ConfigTree, blocks: readonly DesiredMatchBlock[], version?: readonly [number, number]): void {
  const order = readOrder(edited);
  for (const { criteria, set } of blocks) {
    const block = findBlock(order, criteria);
    if (block === undefined) throw new InternalError(`planner left no Match ${criteria} block in ${edited.main}`);
    for (const [keyword, value] of Object.entries(set)) {
      const here = occurrencesOf(order.occurrences, keyword).find((o) => inBlock(o, block));
      const got = here === undefined ? null : occurrenceValue(keyword, here, version);
      if (got !== normalizeValue(keyword, value, version)) throw new InternalError(`planner left ${keyword} at ${String(got)} in Match ${criteria} in ${edited.main}`);
    }
  }
}

