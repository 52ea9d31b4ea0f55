/**
 * The smallest set of line edits that makes sshd's effective global values the desired ones.
 *
 * How a keyword is edited follows how sshd combines its lines (the keyword table's `combine`):
 * - first value wins (most keywords, and list keywords whose first line wins whole): the
 *   occurrence that wins today (see effective.ts; a `Match all` line beats global lines for the
 *   keywords the Match pass copies) is edited in place, wherever it lives (main file or
 *   drop-in). Later occurrences are shadowed and left alone; Match blocks are the site's
 *   exceptions. Where the last line wins (MaxStartups before 10.1) the last line is edited.
 * - accumulating keywords (AcceptEnv, AllowUsers, Port, HostKey, …): an exact list becomes one
 *   line in the winning place and every other active line is commented out (reported);
 *   `present` adds one line with the missing members; `absent` removes members from every line
 *   in every file, commenting out a line left empty.
 * - keyed keywords (Subsystem): the first line for the same name is edited in place.
 * When nothing sets a keyword, a line is added where sshd reads first: in the main file, before
 * its first directive, which is also before the Debian/RHEL `Include sshd_config.d/*.conf`.
 * Fleet never writes a trailing comment.
 */
import { unifiedDiff } from '../diff.js';
import { FleetError, InternalError } from '../errors.js';
import { commentOut, lineEnding, newLine, parseConfigText, printConfigText, replaceArgument, replaceArguments, terminateLastLine, type SshdDocument } from './document.js';
import { accumulates, effectiveFromOccurrences, occurrencesOf, occurrenceValue, winningOccurrence } from './effective.js';
import { canonicalKeyword, lineArguments, normalizeValue, SSHD_DEFAULTS, sshdKeyword } from './keywords.js';
import { formatArgument } from './lexer.js';
import { type Occurrence, readOrder } from './read-order.js';
import { applyEdits } from './tree.js';
import { checkMatchBlocks, planMatchBlocks } from './plan-match.js';
import type { ConfigTree, DesiredDirectives, DesiredMatchBlock, DesiredMembers, FileEdit, SshdPlan } from './types.js';

export interface PlanOptions {
  /** Accumulating keywords given as members to add or remove. */
  members?: Readonly<Record<string, DesiredMembers>>;
  /** The host's sshd release, for the forms `sshd -T` prints differently across releases. */
  version?: readonly [number, number];
  /** Keywords to set inside Match blocks. */
  match?: readonly DesiredMatchBlock[];
}

export function planSshd(tree: ConfigTree, desired: DesiredDirectives, options: PlanOptions = {}): SshdPlan {
  for (const [path, text] of tree.files) refuseNul(path, text);
  const { version } = options;
  const order = readOrder(tree);
  const wanted = Object.entries(desired).map(([keyword, value]) => ({ keyword: canonicalKeyword(keyword) ?? keyword, value }));
  const memberWanted = Object.entries(options.members ?? {}).map(([keyword, m]) => ({ keyword: canonicalKeyword(keyword) ?? keyword, ...m }));
  const keywords = [...wanted.map((w) => w.keyword), ...memberWanted.map((m) => m.keyword)];
  const before = effectiveFromOccurrences(order.occurrences, keywords, version);
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
  const normal = (keyword: string, value: string): string => normalizeValue(keyword, value, version);
  const line = (keyword: string, args: readonly string[]): string => `${keyword} ${args.map(formatArgument).join(' ')}`;

  for (const { keyword, value } of wanted) {
    const want = normal(keyword, value);
    const args = lineArguments(keyword, value);
    const mine = occurrencesOf(order.occurrences, keyword);
    for (const o of mine) {
      // Active Match blocks are `Match all`: they apply to everyone, so they are no exception.
      if (o.match !== null && !o.active) warnings.push(exceptionWarning(keyword, o, version));
    }
    if (accumulates(keyword)) {
      planExactList(keyword, args, mine, { editable, additions, warnings, line });
      continue;
    }
    const winner = isKeyed(keyword) ? keyedOccurrence(mine, keyword, args[0] as string) : winningOccurrence(mine, keyword, version);
    if (winner === undefined) {
      if (want !== SSHD_DEFAULTS[keyword.toLowerCase()]) additions.push(line(keyword, args));
      continue;
    }
    if (occurrenceValue(keyword, winner, version) === want) continue;
    // One value for one: replaceArgument keeps a quoted value quoted.
    if (args.length === 1 && winner.args.length === 1) replaceArgument(editable(winner.origin.path), winner.lineIndex, 0, args[0] as string, formatArgument);
    else replaceArguments(editable(winner.origin.path), winner.lineIndex, args, formatArgument);
    if (winner.match !== null) {
      warnings.push(`${keyword} is set for every connection by Match ${winner.match.criteria} at ${where(winner)}; that line is the one changed`);
    }
  }

  for (const { keyword, present, absent } of memberWanted) {
    const mine = occurrencesOf(order.occurrences, keyword);
    planMembers(keyword, present, absent, mine, { editable, additions, warnings, line });
  }

  // Match blocks first: new global lines at the top would move the lines they edit.
  if (options.match !== undefined) warnings.push(...planMatchBlocks(tree, order, options.match, editable, version));
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

  const edited = applyEdits(tree, edits);
  if (options.match !== undefined) checkMatchBlocks(edited, options.match, version);
  const afterOccurrences = readOrder(edited).occurrences;
  const after = effectiveFromOccurrences(afterOccurrences, keywords, version);
  for (const { keyword, value } of wanted) {
    const promised = isKeyed(keyword)
      ? (keyedOccurrence(afterOccurrences, keyword, lineArguments(keyword, value)[0] as string)?.args.join(' ') ?? null)
      : (after[keyword]?.value ?? SSHD_DEFAULTS[keyword.toLowerCase()] ?? null);
    if (promised !== normal(keyword, value)) {
      throw new InternalError(`planner left ${keyword} at ${String(promised)} instead of ${value} in ${tree.main}`);
    }
  }
  for (const { keyword, present, absent } of memberWanted) {
    const members = (after[keyword]?.value ?? '').split(' ');
    const wrong = [...present.filter((m) => !members.includes(m)), ...absent.filter((m) => members.includes(m))];
    if (wrong.length > 0) throw new InternalError(`planner left ${keyword} as ${after[keyword]?.value ?? '(unset)'}, wrong for ${wrong.join(', ')} in ${tree.main}`);
  }
  return { edits, before, after, warnings };
}

function isKeyed(keyword: string): boolean {
  return sshdKeyword(keyword)?.annotation?.combine === 'keyed';
}

/** For a keyed keyword (Subsystem), the line sshd uses for `name`: the first active one. */
export function keyedOccurrence(occurrences: readonly Occurrence[], keyword: string, name: string): Occurrence | undefined {
  return occurrencesOf(occurrences, keyword).find((o) => o.active && o.args[0] === name);
}

interface Editing {
  editable: (path: string) => SshdDocument;
  additions: string[];
  warnings: string[];
  line: (keyword: string, args: readonly string[]) => string;
}


/**
 * An exact list of an accumulating keyword: the first active line carries the whole list and
 * every other active line is commented out, so sshd reads exactly these members.
 */
function planExactList(keyword: string, args: readonly string[], mine: readonly Occurrence[], e: Editing): void {
  const active = mine.filter((o) => o.active);
  const [first, ...rest] = active;
  if (first === undefined) {
    e.additions.push(e.line(keyword, args));
    return;
  }
  if (first.args.join(' ') !== args.join(' ')) replaceArguments(e.editable(first.origin.path), first.lineIndex, args, formatArgument);
  for (const o of rest) {
    commentOut(e.editable(o.origin.path), o.lineIndex);
    e.warnings.push(`${keyword} ${o.args.join(' ')} at ${where(o)} is commented out: the whole list is now ${where(first)}`);
  }
}

/** `absent` members leave every line of every file; `present` ones missing from the active lines get one new line. */
function planMembers(keyword: string, present: readonly string[], absent: readonly string[], mine: readonly Occurrence[], e: Editing): void {
  for (const o of mine) {
    if (!o.args.some((a) => absent.includes(a))) continue;
    const kept = o.args.filter((a) => !absent.includes(a));
    const doc = e.editable(o.origin.path);
    if (kept.length === 0) {
      commentOut(doc, o.lineIndex);
      e.warnings.push(`${keyword} ${o.args.join(' ')} at ${where(o)} is commented out: it had only members the policy removes`);
    } else replaceArguments(doc, o.lineIndex, kept, formatArgument);
  }
  const have = new Set(mine.filter((o) => o.active).flatMap((o) => o.args));
  const missing = present.filter((m) => !have.has(m));
  if (missing.length > 0) e.additions.push(e.line(keyword, missing));
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

function exceptionWarning(keyword: string, o: Occurrence, version?: readonly [number, number]): string {
  const value = occurrenceValue(keyword, o, version);
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
