/**
 * Ansible host patterns, read as Ansible's InventoryManager reads them:
 *
 * - terms are separated by `,` or `:` (a `[..]` or an IPv6 address keeps its colons; unlike
 *   Ansible, a pattern with commas is split on its colons too);
 * - a plain term adds hosts (union), `&term` keeps only hosts also in it (intersection),
 *   `!term` removes hosts (exclusion); unions apply first, then intersections, then exclusions,
 *   whatever order they are written in; a pattern of only `&`/`!` terms starts from `all`;
 * - a term matches group names and host names, as an fnmatch glob (`web*`, `db?`, `[ab]*`),
 *   or as a regex after `~`; a trailing `[i]`, `[-1]` or `[i:j]` (inclusive, as Ansible's code
 *   does) picks hosts from the term's result; like Ansible, `db[1]` is such a subscript, not a
 *   character class.
 */
import { ConfigError } from '../errors.js';
import { isIPv6Literal } from './host-names.js';

/** One term of a host pattern. */
export interface PatternTerm {
  operation: 'union' | 'intersection' | 'exclusion';
  /** The term without its `&`/`!` prefix or subscript, e.g. `web*`. */
  expression: string;
  matches: (name: string) => boolean;
  /** Whether host names are matched even when a group matched (globs and regexes). */
  alsoHosts: boolean;
  subscript?: { start: number; end?: number };
}

/** Where a malformed pattern came from, to position its diagnostic. */
export interface PatternOrigin {
  file: string;
  line: number;
  col: number;
}

/** A host pattern that cannot be read; a ConfigError with one diagnostic. */
export class HostPatternError extends ConfigError {
  readonly pattern: string;
  readonly reason: string;
  constructor(pattern: string, reason: string, origin?: PatternOrigin) {
    super([
      {
        file: origin?.file ?? 'host pattern',
        line: origin?.line ?? 0,
        col: origin?.col ?? 0,
        message: `host pattern ${JSON.stringify(pattern)} ${reason}`,
        severity: 'error',
      },
    ]);
    this.name = 'HostPatternError';
    this.pattern = pattern;
    this.reason = reason;
  }
}

/** Splits and reads a pattern, in evaluation order (unions, intersections, exclusions). */
export function parseHostPattern(pattern: string, origin?: PatternOrigin): PatternTerm[] {
  const fail = (reason: string): never => {
    throw new HostPatternError(pattern, reason, origin);
  };
  if (pattern.trim() === '') fail('is empty');
  if (/[\u0000-\u001f\u007f]/.test(pattern)) fail('contains a control character');
  if (!bracketsBalance(pattern)) fail('has unbalanced [ ]');
  const terms = splitPattern(pattern).map((text) => readTerm(text, fail));
  if (terms.length === 0) fail('has no terms');
  const ordered = [
    ...terms.filter((t) => t.operation === 'union'),
    ...terms.filter((t) => t.operation === 'intersection'),
    ...terms.filter((t) => t.operation === 'exclusion'),
  ];
  if (ordered[0]?.operation !== 'union') ordered.unshift(readTerm('all', fail));
  return ordered;
}

/** What a pattern is evaluated against: names in inventory order. */
export interface PatternTarget {
  hosts: ReadonlyMap<string, unknown>;
  groups: ReadonlyMap<string, readonly string[]>;
}

/** The host names a pattern selects, in inventory order. */
export function evaluatePattern(target: PatternTarget, terms: readonly PatternTerm[]): string[] {
  let selected: string[] = [];
  for (const term of terms) {
    const matched = applySubscript(matchTerm(target, term), term.subscript);
    if (term.operation === 'union') {
      const have = new Set(selected);
      for (const h of matched) if (!have.has(h)) selected.push(h); // no spread: 100k+ arguments overflow the stack
    } else {
      const set = new Set(matched);
      selected = selected.filter((h) => (term.operation === 'intersection' ? set.has(h) : !set.has(h)));
    }
  }
  const order = new Map([...target.hosts.keys()].map((name, index) => [name, index]));
  return selected.sort((a, b) => order.get(a)! - order.get(b)!);
}

function matchTerm(target: PatternTarget, term: PatternTerm): string[] {
  // A Set keeps insertion order, which subscripts (`web[0]`) rely on.
  const result = new Set<string>();
  const groups = [...target.groups.keys()].filter(term.matches);
  for (const group of groups) target.groups.get(group)!.forEach((h) => result.add(h));
  if (groups.length === 0 || term.alsoHosts) [...target.hosts.keys()].filter(term.matches).forEach((h) => result.add(h));
  return [...result];
}

function applySubscript(hosts: string[], subscript: PatternTerm['subscript']): string[] {
  if (!subscript) return hosts;
  const at = (i: number): number => (i < 0 ? hosts.length + i : i);
  if (subscript.end === undefined) {
    const host = hosts[at(subscript.start)];
    return host === undefined ? [] : [host];
  }
  return hosts.slice(at(subscript.start), at(subscript.end) + 1);
}

/**
 * Ansible splits on commas alone when there is one; fleet then also splits each piece on colons,
 * so `web:&prod,db` means what it looks like instead of a term named `web:&prod` that matches
 * nothing. An IPv6 address stays whole.
 */
function splitPattern(pattern: string): string[] {
  return pattern.split(',').flatMap((piece) => {
    const bare = piece.trim();
    if (isIPv6Literal(bare) || (/^\[[^\]]+\]$/.test(bare) && isIPv6Literal(bare.slice(1, -1)))) return [bare];
    return (bare.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? []).map((t) => t.trim()).filter((t) => t !== '');
  });
}

function readTerm(text: string, fail: (reason: string) => never): PatternTerm {
  const operation = text.startsWith('&') ? 'intersection' : text.startsWith('!') ? 'exclusion' : 'union';
  let expression = operation === 'union' ? text : text.slice(1);
  if (expression === '') fail(`has "${text}" with nothing to ${operation === 'intersection' ? 'intersect' : 'exclude'}`);
  if (/^[&!]/.test(expression)) fail(`has "${text}"; write one & or ! per term`);
  let subscript: PatternTerm['subscript'];
  // As in Ansible, a regex keeps its brackets: `~web[13]` is a character class, not a subscript.
  const sub = expression.startsWith('~') ? null : /^(.+)\[(?:(-?\d+)|(\d+)[:-](\d*))\]$/.exec(expression);
  if (sub) {
    expression = sub[1]!;
    subscript =
      sub[2] !== undefined ? { start: Number(sub[2]) } : { start: Number(sub[3]), end: sub[4] === '' ? -1 : Number(sub[4]) };
  }
  if (expression.startsWith('~')) {
    let regex: RegExp;
    try {
      // Python's re.match anchors at the start only; so does this.
      regex = new RegExp(`^(?:${expression.slice(1)})`);
    } catch (error) {
      return fail(`has an invalid regular expression ${expression}: ${(error as Error).message}`);
    }
    return { operation, expression, matches: (name) => regex.test(name), alsoHosts: true, ...(subscript ? { subscript } : {}) };
  }
  const glob = globToRegExp(expression);
  return {
    operation,
    expression,
    matches: (name) => glob.test(name),
    alsoHosts: /[.?*[]/.test(expression),
    ...(subscript ? { subscript } : {}),
  };
}

/** Python's fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`; anchored; case-sensitive. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        let set = glob.slice(i + 1, close).replaceAll('\\', '\\\\');
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        else if (set.startsWith('^')) set = `\\${set}`;
        out += `[${set}]`;
        i = close;
      }
    } else out += c.replace(/[.+^${}()|\\\]/-]/g, '\\$&');
  }
  return new RegExp(`^(?:${out})$`, 's');
}

function bracketsBalance(pattern: string): boolean {
  let depth = 0;
  for (const c of pattern) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (depth < 0 || depth > 1) return false;
  }
  return depth === 0;
}
