/**
 * Makes a value hold for every host in an ssh_config file (~/.ssh/config or a drop-in) with the
 * smallest edit: the first occurrence every host reads is edited in place; when there is none,
 * the directive goes at the end, inside a trailing `Host *` block (ssh reads that block last,
 * so it never takes a value away from a host block the user wrote on purpose).
 */
import { unifiedDiff } from '../diff.js';
import { InternalError } from '../errors.js';
import { type ConfigLine, lineEnding, newLine, parseConfigText, printConfigText, replaceArgument, type SshdDocument, terminateLastLine } from '../sshd/document.js';
import { normalizeValue } from '../sshd/keywords.js';
import { refuseNul } from '../sshd/plan.js';
import { formatArgument } from '../sshd/lexer.js';
import type { DesiredDirectives, EffectiveEntry, FileEdit } from '../sshd/types.js';
import { canonicalClientKeyword, SSH_CLIENT_DEFAULTS } from './keywords.js';
import { clientEffective, clientOccurrencesOf, type ClientScan, scanClientConfig } from './scope.js';

/** The change to one ssh_config file, and the values an arbitrary host gets before and after. */
export interface ClientPlan {
  /** null when the file already gives every host the desired values */
  edit: FileEdit | null;
  before: Record<string, EffectiveEntry>;
  after: Record<string, EffectiveEntry>;
  warnings: string[];
}

export function parseSshConfig(text: string): SshdDocument {
  return parseConfigText(text);
}

export function printSshConfig(doc: SshdDocument): string {
  return printConfigText(doc);
}

function effectiveAll(scan: ClientScan, keywords: readonly string[], path: string): Record<string, EffectiveEntry> {
  return Object.fromEntries(keywords.map((k) => [k, clientEffective(scan, k, path)]));
}

export function planSshClient(path: string, text: string | null, desired: DesiredDirectives): ClientPlan {
  if (text !== null) refuseNul(path, text);
  const doc = parseConfigText(text ?? '');
  const scan = scanClientConfig(doc);
  const wanted = Object.entries(desired).map(([keyword, value]) => ({ keyword: canonicalClientKeyword(keyword) ?? keyword, value }));
  const keywords = wanted.map((w) => w.keyword);
  const before = effectiveAll(scan, keywords, path);
  const warnings: string[] = [];
  const appended: string[] = [];
  let firstRelevantLine = doc.lines.length;

  for (const { keyword, value } of wanted) {
    const want = normalizeValue(keyword, value);
    const entry = before[keyword] as EffectiveEntry;
    for (const o of entry.matchOverrides) {
      warnings.push(`${keyword} ${o.value} for ${o.criteria} at ${path}:${o.origin.line} stays: those hosts keep their own value`);
    }
    const winner = clientOccurrencesOf(scan, keyword).find((o) => o.block.universal);
    if (winner !== undefined) {
      firstRelevantLine = Math.min(firstRelevantLine, winner.lineIndex);
      if (normalizeValue(keyword, winner.args[0] as string) !== want) replaceArgument(doc, winner.lineIndex, 0, value, formatArgument);
    } else if (want !== SSH_CLIENT_DEFAULTS[keyword.toLowerCase()]) {
      appended.push(`${keyword} ${formatArgument(value)}`);
    }
  }
  for (const index of scan.includes) {
    if (index < firstRelevantLine) warnings.push(`Include at ${path}:${index + 1} is not read by fleet; a file it names may set these values first`);
  }
  if (appended.length > 0) appendToHostStar(doc, scan, appended);

  const afterText = printConfigText(doc);
  const changed = afterText !== (text ?? '') || (text === null && afterText !== '');
  const edit = changed ? { path, before: text, after: afterText, diff: unifiedDiff(path, text, afterText) } : null;
  const after = effectiveAll(scanClientConfig(parseConfigText(afterText)), keywords, path);
  for (const { keyword, value } of wanted) {
    const promised = after[keyword]?.value ?? SSH_CLIENT_DEFAULTS[keyword.toLowerCase()] ?? null;
    if (promised !== normalizeValue(keyword, value)) throw new InternalError(`client planner left ${keyword} at ${String(promised)} in ${path}`);
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
