/**
 * ssh_config's scoping: lines before the first Host/Match apply to every host, then each Host
 * or Match line opens a block that runs to the next one. ssh keeps the first value it obtains
 * for the host it connects to, so what matters for "every host" is the first occurrence in a
 * block that applies to any host name.
 */
import type { SshdDocument } from '../sshd/document.js';
import type { EffectiveEntry } from '../sshd/types.js';
import { canonicalClientKeyword, clientCombine, normalizeClientValue } from './keywords.js';

/** The block a line sits in. */
export interface ClientBlock {
  /** 'global' before any Host/Match line */
  kind: 'global' | 'host' | 'match';
  /** the header as written from the keyword on, e.g. `Host web-* !web-db`; '' for global */
  header: string;
  /** true when the block applies to an arbitrary host: global scope, `Host *` (no negation), `Match all` */
  universal: boolean;
  /** 0-based index of the header line; -1 for global */
  lineIndex: number;
}

/** One directive line of the file. */
export interface ClientOccurrence {
  lineIndex: number;
  /** canonical keyword (aliases resolved), or the lowercased word when ssh does not know it */
  keyword: string;
  args: readonly string[];
  block: ClientBlock;
}

export interface ClientScan {
  occurrences: ClientOccurrence[];
  blocks: ClientBlock[];
  /** 0-based indexes of Include lines: files fleet does not read, which may set values first */
  includes: number[];
}

export function scanClientConfig(doc: SshdDocument): ClientScan {
  let block: ClientBlock = { kind: 'global', header: '', universal: true, lineIndex: -1 };
  const scan: ClientScan = { occurrences: [], blocks: [block], includes: [] };
  doc.lines.forEach((line, lineIndex) => {
    if (line.key === null) return;
    if (line.key === 'host' || line.key === 'match') {
      const args = line.args.map((a) => a.value);
      const header = line.text.slice(line.text.search(/\S/), line.args[line.args.length - 1]?.end ?? line.text.length).replace(/\r$/, '');
      const universal = line.key === 'host' ? hostIsUniversal(args) : args.length === 1 && (args[0] as string).toLowerCase() === 'all';
      block = { kind: line.key, header, universal, lineIndex };
      scan.blocks.push(block);
      return;
    }
    if (line.key === 'include') {
      scan.includes.push(lineIndex);
      return;
    }
    if (line.args.length === 0) return;
    scan.occurrences.push({
      lineIndex,
      keyword: canonicalClientKeyword(line.key) ?? line.key,
      args: line.args.map((a) => a.value),
      block,
    });
  });
  return scan;
}

/** A Host line applies to any name when one pattern is all `*` and none is negated. */
function hostIsUniversal(patterns: readonly string[]): boolean {
  return patterns.some((p) => /^\*+$/.test(p)) && !patterns.some((p) => p.startsWith('!'));
}

export function clientOccurrencesOf(scan: ClientScan, keyword: string): ClientOccurrence[] {
  const wanted = keyword.toLowerCase();
  return scan.occurrences.filter((o) => o.keyword.toLowerCase() === wanted);
}

/** One occurrence's value as `ssh -G` prints it. */
export function occurrenceValue(keyword: string, o: ClientOccurrence, home?: string): string {
  return normalizeClientValue(keyword, o.args.join(' '), home);
}

/**
 * What an arbitrary host gets: the first occurrence in a universal block (for an accumulating
 * keyword, every universal occurrence, joined by `, `). Host-specific occurrences before it win
 * for their hosts and are reported as overrides (criteria: the block header); universal ones
 * after it are shadowed.
 */
export function clientEffective(scan: ClientScan, keyword: string, path: string, home?: string): EffectiveEntry {
  const mine = clientOccurrencesOf(scan, keyword);
  const origin = (o: ClientOccurrence) => ({ path, line: o.lineIndex + 1 });
  const override = (o: ClientOccurrence) => ({ origin: origin(o), value: occurrenceValue(keyword, o, home), criteria: o.block.header });
  if (clientCombine(keyword) === 'accumulate') {
    const universal = mine.filter((o) => o.block.universal);
    return {
      keyword,
      value: universal.length === 0 ? null : universal.map((o) => occurrenceValue(keyword, o, home)).join(', '),
      origin: universal[0] === undefined ? null : origin(universal[0]),
      shadowed: [],
      matchOverrides: mine.filter((o) => !o.block.universal).map(override),
    };
  }
  const winnerIndex = mine.findIndex((o) => o.block.universal);
  const winner = mine[winnerIndex];
  const deciding = winner === undefined ? mine : mine.slice(0, winnerIndex);
  return {
    keyword,
    value: winner === undefined ? null : occurrenceValue(keyword, winner, home),
    origin: winner === undefined ? null : origin(winner),
    shadowed: mine.filter((o, i) => i > winnerIndex && winner !== undefined && o.block.universal).map(origin),
    matchOverrides: deciding.filter((o) => !o.block.universal).map(override),
  };
}
