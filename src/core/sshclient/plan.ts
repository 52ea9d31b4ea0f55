/**
 * Makes values hold for every host in an ssh_config file (~/.ssh/config or a drop-in) with the
 * smallest edit. How a keyword is edited follows how ssh combines its lines (the client table's
 * `combine`):
 * - first value wins (most keywords, and list keywords whose first line wins whole, such as
 *   UserKnownHostsFile and SetEnv): the first occurrence every host reads is edited in place,
 *   all its arguments at once; when there is none, the line goes at the end, inside a trailing
 *   `Host *` block (ssh reads that block last, so it never takes a value away from a host block
 *   the user wrote on purpose).
 * - accumulating keywords (IdentityFile, SendEnv, the forwards…): every line adds, so `present`
 *   members missing from the lines every host reads get new lines in that `Host *` block, and
 *   `absent` members leave every such line (a line left empty is commented out). A plain value
 *   counts as one present member. Host-specific lines stay, with a warning.
 */
import { unifiedDiff } from '../diff.js';
import { InternalError } from '../errors.js';
import { commentOut, type ConfigLine, lineEnding, newLine, parseConfigText, printConfigText, replaceArguments, type SshdDocument, terminateLastLine } from '../sshd/document.js';
import { refuseNul } from '../sshd/plan.js';
import { formatArgument } from '../sshd/lexer.js';
import type { DesiredDirectives, DesiredMembers, EffectiveEntry, FileEdit } from '../sshd/types.js';
import { canonicalClientKeyword, clientCombine, clientLineArguments, normalizeClientValue, SSH_CLIENT_DEFAULTS, sshKeyword } from './keywords.js';
import { clientEffective, clientOccurrencesOf, type ClientOccurrence, type ClientScan, occurrenceValue, scanClientConfig } from './scope.js';

/** The change to one ssh_config file, and the values an arbitrary host gets before and after. */
export interface ClientPlan {
  /** null when the file already gives every host the desired values */
  edit: FileEdit | null;
  before: Record<string, EffectiveEntry>;
  after: Record<string, EffectiveEntry>;
  warnings: string[];
}

export interface ClientPlanOptions {
  /** Accumulating keywords given as members to add or remove. */
  members?: Readonly<Record<string, DesiredMembers>>;
  /** The home `~` stands for in this file's paths (ssh expands it before it prints them). */
  home?: string;
}

export function parseSshConfig(text: string): SshdDocument {
  return parseConfigText(text);
}

export function printSshConfig(doc: SshdDocument): string {
  return printConfigText(doc);
}

function effectiveAll(scan: ClientScan, keywords: readonly string[], path: string, home?: string): Record<string, EffectiveEntry> {
  return Object.fromEntries(keywords.map((k) => [k, clientEffective(scan, k, path, home)]));
}

/** Whether a keyword's members are words of its lines (SendEnv LANG LC_*) rather than whole lines (IdentityFile, LocalForward). */
function membersAreWords(keyword: string): boolean {
  return sshKeyword(keyword)?.annotation?.type.kind === 'list';
}

/** The members one occurrence adds, as `ssh -G` prints them. */
function membersOf(keyword: string, o: ClientOccurrence, home?: string): string[] {
  return membersAreWords(keyword) ? o.args.map((a) => normalizeClientValue(keyword, a, home)) : [occurrenceValue(keyword, o, home)];
}

export function planSshClient(path: string, text: string | null, desired: DesiredDirectives, options: ClientPlanOptions = {}): ClientPlan {
  if (text !== null) refuseNul(path, text);
  const { home } = options;
  const doc = parseConfigText(text ?? '');
  const scan = scanClientConfig(doc);
  const exact: { keyword: string; value: string }[] = [];
  const members = new Map<string, { present: string[]; absent: string[] }>();
  for (const [k, value] of Object.entries(desired)) {
    const keyword = canonicalClientKeyword(k) ?? k;
    if (clientCombine(keyword) !== 'accumulate') exact.push({ keyword, value });
    else members.set(keyword, { present: membersAreWords(keyword) ? value.split(' ').filter((w) => w !== '') : [value], absent: [] });
  }
  for (const [k, m] of Object.entries(options.members ?? {})) {
    const keyword = canonicalClientKeyword(k) ?? k;
    const prior = members.get(keyword) ?? { present: [], absent: [] };
    members.set(keyword, { present: [...prior.present, ...m.present], absent: [...prior.absent, ...m.absent] });
  }
  const keywords = [...exact.map((w) => w.keyword), ...members.keys()];
  const before = effectiveAll(scan, keywords, path, home);
  const warnings: string[] = [];
  const appended: string[] = [];
  const commented: number[] = [];
  let firstRelevantLine = doc.lines.length;
  const line = (keyword: string, args: readonly string[]) => `${keyword} ${args.map(formatArgument).join(' ')}`;

  for (const { keyword, value } of exact) {
    const want = normalizeClientValue(keyword, value, home);
    const entry = before[keyword] as EffectiveEntry;
    for (const o of entry.matchOverrides) {
      warnings.push(`${keyword} ${o.value} for ${o.criteria} at ${path}:${o.origin.line} stays: those hosts keep their own value`);
    }
    const winner = clientOccurrencesOf(scan, keyword).find((o) => o.block.universal);
    if (winner !== undefined) {
      firstRelevantLine = Math.min(firstRelevantLine, winner.lineIndex);
      if (occurrenceValue(keyword, winner, home) !== want) replaceArguments(doc, winner.lineIndex, clientLineArguments(keyword, value), formatArgument);
    } else if (want !== SSH_CLIENT_DEFAULTS[keyword.toLowerCase()]) {
      appended.push(line(keyword, clientLineArguments(keyword, value)));
    }
  }

  for (const [keyword, { present, absent }] of members) {
    const mine = clientOccurrencesOf(scan, keyword);
    const wantedAbsent = new Set(absent.map((m) => normalizeClientValue(keyword, m, home)));
    for (const o of mine) {
      if (!o.block.universal) {
        warnings.push(`${keyword} ${o.args.join(' ')} for ${o.block.header} at ${path}:${o.lineIndex + 1} stays: those hosts keep their own lines`);
        continue;
      }
      firstRelevantLine = Math.min(firstRelevantLine, o.lineIndex);
      if (!membersOf(keyword, o, home).some((m) => wantedAbsent.has(m))) continue;
      const kept = membersAreWords(keyword) ? o.args.filter((a) => !wantedAbsent.has(normalizeClientValue(keyword, a, home))) : [];
      if (kept.length === 0) {
        commentOut(doc, o.lineIndex);
        commented.push(o.lineIndex);
        warnings.push(`${keyword} ${o.args.join(' ')} at ${path}:${o.lineIndex + 1} is commented out: it had only members the policy removes`);
      } else replaceArguments(doc, o.lineIndex, kept, formatArgument);
    }
    const have = new Set(mine.filter((o) => o.block.universal && !commented.includes(o.lineIndex)).flatMap((o) => membersOf(keyword, o, home)));
    const missing = present.filter((m, i) => !have.has(normalizeClientValue(keyword, m, home)) && present.indexOf(m) === i);
    if (missing.length === 0) continue;
    if (membersAreWords(keyword)) appended.push(line(keyword, missing));
    else appended.push(...missing.map((m) => line(keyword, clientLineArguments(keyword, m))));
  }

  for (const index of scan.includes) {
    if (index < firstRelevantLine) warnings.push(`Include at ${path}:${index + 1} is not read by fleet; a file it names may set these values first`);
  }
  if (appended.length > 0) appendToHostStar(doc, scan, appended);

  const afterText = printConfigText(doc);
  const changed = afterText !== (text ?? '') || (text === null && afterText !== '');
  const edit = changed ? { path, before: text, after: afterText, diff: unifiedDiff(path, text, afterText) } : null;
  const afterScan = scanClientConfig(parseConfigText(afterText));
  const after = effectiveAll(afterScan, keywords, path, home);
  // The planner re-reads its own result: a promise it cannot keep is a bug, never a write.
  for (const { keyword, value } of exact) {
    const promised = after[keyword]?.value ?? SSH_CLIENT_DEFAULTS[keyword.toLowerCase()] ?? null;
    if (promised !== normalizeClientValue(keyword, value, home)) throw new InternalError(`client planner left ${keyword} at ${String(promised)} in ${path}`);
  }
  for (const [keyword, { present, absent }] of members) {
    const have = new Set(clientOccurrencesOf(afterScan, keyword).filter((o) => o.block.universal).flatMap((o) => membersOf(keyword, o, home)));
    const wrong = [...present.filter((m) => !have.has(normalizeClientValue(keyword, m, home))), ...absent.filter((m) => have.has(normalizeClientValue(keyword, m, home)))];
    if (wrong.length > 0) throw new InternalError(`client planner left ${keyword} members ${wrong.join(', ')} wrong in ${path}`);
  }
  return { edit, before, after, warnings };
}

/** Appends to the file's last block when it is `Host *`, else opens a new `Host *` block at the end. */
function appendToHostStar(doc: SshdDocument, scan: ClientScan, lines: readonly string[]): void {
  const ending = lineEnding(doc);
  const last = scan.blocks[scan.blocks.length - 1];
  if (last !== undefined && last.kind === 'host' && last.universal) {
    const inBlock = scan.occurrences.filter((o) => o.block === last);
    const anchor = inBlock[inBlock.length - 1]?.lineIndex ?? last.lineIndex;
    const indent = indentOf(doc.lines[inBlock[0]?.lineIndex ?? -1]) ?? '  ';
    if (anchor === doc.lines.length - 1) terminateLastLine(doc, ending);
    doc.lines.splice(anchor + 1, 0, ...lines.map((l) => newLine(indent + l, ending)));
    return;
  }
  terminateLastLine(doc, ending);
  const tail = doc.lines[doc.lines.length - 1];
  // A blank line before the new block, as people write it, unless the file ends with one.
  if (tail !== undefined && tail.text.trim() !== '') doc.lines.push(newLine('', ending));
  doc.lines.push(newLine('Host *', ending), ...lines.map((l) => newLine(`  ${l}`, ending)));
}

function indentOf(line: ConfigLine | undefined): string | undefined {
  return line === undefined ? undefined : (/^[ \t]*/.exec(line.text)?.[0] ?? '');
}
