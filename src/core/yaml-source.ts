/**
 * YAML loading that keeps positions, so every mistake in a user's file can be reported like a
 * compiler error: `policy.yml:7:3: sshd.ClientAliveIntervall is not a known directive`.
 *
 * Files are read as YAML 1.2 (core schema) with merge keys (`<<: *defaults`), which Ansible
 * inventories use. YAML 1.1's implicit booleans are not applied (the `yaml` package's 1.1 schema
 * turns even `y`/`n` into booleans, which Ansible's PyYAML does not); where fleet expects a
 * boolean it accepts the yes/no strings explicitly instead.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from './errors.js';

/** A path into a parsed value: map keys and sequence indexes, as ajv's instancePath has them. */
export type YamlPath = readonly (string | number)[];

/** A parsed YAML file: its plain value, and what is needed to point back into the text. */
export interface YamlSource {
  file: string;
  value: unknown;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/**
 * Alias expansions allowed in one document. An Ansible inventory reuses a few anchors; a
 * "billion laughs" document needs thousands, and is refused before it is expanded.
 */
export const MAX_ALIAS_COUNT = 1000;

/**
 * A value encrypted with Ansible Vault, as `ansible-inventory --list` prints one in JSON and as
 * a `!vault` tag reads here: fleet cannot decrypt it, and a connection var that holds one is an
 * error naming the var (never a silently wrong user or key).
 */
export interface VaultValue {
  __ansible_vault: string;
}

export function isVaultValue(value: unknown): value is VaultValue {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)['__ansible_vault'] === 'string';
}

/** `!vault` values become VaultValue; `!unsafe` values are plain strings to fleet. Neither is an unknown-tag warning. */
const ANSIBLE_TAGS = [
  { tag: '!vault', resolve: (text: string): VaultValue => ({ __ansible_vault: text }) },
  { tag: '!unsafe', resolve: (text: string): string => text },
];

/** Parses one YAML document; syntax errors, duplicate keys and alias bombs become diagnostics. */
export function loadYaml(text: string, file: string): { source?: YamlSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
    customTags: ANSIBLE_TAGS,
  });
  const at = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);
  const firstLine = (message: string): string => message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  // The yaml package places a duplicate key whose first value is empty at the end of the line
  // before; point at the repeated key itself instead.
  const duplicates = duplicateKeyOffsets(doc);
  const diagnostics: Diagnostic[] = [
    ...doc.errors.map((e): Diagnostic => {
      const offset = e.code === 'DUPLICATE_KEY' ? (duplicates.shift() ?? e.pos[0]) : e.pos[0];
      return { file, ...at(offset), message: firstLine(e.message), severity: 'error' };
    }),
    ...doc.warnings.map((w): Diagnostic => ({ file, ...at(w.pos[0]), message: firstLine(w.message), severity: 'warning' })),
  ];
  if (doc.errors.length > 0) return { diagnostics };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml package throws a ReferenceError for excessive aliasing; anything else is a bug.
    if (!(error instanceof ReferenceError)) throw error;
    return {
      diagnostics: [
        ...diagnostics,
        {
          file,
          line: 0,
          col: 0,
          message: `refused: its aliases expand to more than ${MAX_ALIAS_COUNT} copies (a "billion laughs" document?)`,
          severity: 'error',
        },
      ],
    };
  }
  return { source: { file, value, doc, lineCounter }, diagnostics };
}

/** Offsets of every repeated key, in document order. */
function duplicateKeyOffsets(doc: Document.Parsed): number[] {
  const offsets: number[] = [];
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined && seen.has(key) && pair.key && isScalar(pair.key) && pair.key.range) offsets.push(pair.key.range[0]);
        if (key !== undefined) seen.add(key);
        visit(pair.value);
      }
    } else if (isSeq(node)) node.items.forEach(visit);
  };
  visit(doc.contents);
  return offsets.sort((a, b) => a - b);
}

/**
 * A parsed file that is not YAML (an INI inventory, a JSON inventory read into the YAML
 * inventory's shape): its value and its own way to point back into its text, so the same
 * schema diagnostics serve every format.
 */
export interface PositionedSource {
  file: string;
  value: unknown;
  positionOf(path: YamlPath, part: 'key' | 'value'): { line: number; col: number };
  /** How a path reads in a message, when the value's shape is not the file's (default formatPath). */
  describePath?(path: YamlPath): string;
}

/** Where a path points in the text: at the key that names it, or at its value. */
export function positionOf(source: YamlSource | PositionedSource, path: YamlPath, part: 'key' | 'value'): { line: number; col: number } {
  if (!('doc' in source)) return source.positionOf(path, part);
  const { keyNode, valueNode, complete } = walk(source.doc, path);
  const target = part === 'value' && complete ? (valueNode ?? keyNode) : (keyNode ?? valueNode);
  const offset = target?.range?.[0];
  return offset === undefined ? { line: 0, col: 0 } : source.lineCounter.linePos(offset);
}

/** A diagnostic at a path of a parsed file. */
export function diagnosticAt(
  source: YamlSource | PositionedSource,
  path: YamlPath,
  part: 'key' | 'value',
  message: string,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic {
  return { file: source.file, ...positionOf(source, path, part), message, severity };
}

/** `sshd.ClientAliveInterval`, `all.hosts["web1.example.com"].port`, `client.users[0]`. */
export function formatPath(path: YamlPath): string {
  return formatYamlPath(path);
}

function formatYamlPath(path: YamlPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out || '(document)';
}

function walk(doc: Document.Parsed, path: YamlPath): { keyNode?: Node; valueNode?: Node; complete: boolean } {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const segment of path) {
    node = deref(doc, node);
    if (isMap(node)) {
      const pair = findPair(doc, node, String(segment), new Set());
      if (!pair) return { keyNode, valueNode: asNode(node), complete: false };
      keyNode = asNode(pair.key);
      node = pair.value;
    } else if (isSeq(node) && Number.isInteger(Number(segment))) {
      const item: unknown = node.items[Number(segment)];
      if (item === undefined) return { keyNode, valueNode: asNode(node), complete: false };
      keyNode = asNode(item);
      node = item;
    } else {
      return { keyNode, valueNode: asNode(node), complete: false };
    }
  }
  return { keyNode, valueNode: asNode(node), complete: true };
}

/**
 * The pair for a key: exact spelling first, then any letter case (policy directives are matched
 * case-insensitively), then through `<<` merge keys.
 */
function findPair(doc: Document.Parsed, map: YAMLMap, key: string, seen: Set<YAMLMap>): Pair | undefined {
  if (seen.has(map)) return undefined;
  seen.add(map);
  const keyText = (pair: Pair): string | undefined =>
    // With merge keys on, the yaml package reads `<<` as a symbol.
    isScalar(pair.key) ? (typeof pair.key.value === 'symbol' ? '<<' : String(pair.key.value)) : undefined;
  const pairs = map.items.filter((p): p is Pair => isPair(p));
  const found =
    pairs.find((p) => keyText(p) === key) ?? pairs.find((p) => keyText(p)?.toLowerCase() === key.toLowerCase());
  if (found) return found;
  for (const merge of pairs.filter((p) => keyText(p) === '<<')) {
    const sources = deref(doc, merge.value);
    const candidates = isSeq(sources) ? sources.items.map((s) => deref(doc, s)) : [sources];
    for (const candidate of candidates) {
      const inner = isMap(candidate) ? findPair(doc, candidate, key, seen) : undefined;
      if (inner) return inner;
    }
  }
  return undefined;
}

function deref(doc: Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function asNode(value: unknown): Node | undefined {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value) ? value : undefined;
}

/** Levenshtein distance, for did-you-mean suggestions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The closest candidate to a mistyped word, compared without case, `_` or `-`
 * (`identityfile` → `identity_file`), if it is close enough to be a typo.
 */
export function didYouMean(
  word: string,
  candidates: readonly string[],
  maxDistance: (candidate: string) => number = (c) => Math.max(1, Math.floor(c.length / 4)),
): string | undefined {
  const fold = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(fold(word), fold(candidate));
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  return best.distance <= maxDistance(best.candidate) ? best.candidate : undefined;
}

/** Keywords whose failure says a value has the wrong shape (the branches of an anyOf fail this way). */
const VALUE_KEYWORDS = new Set(['type', 'pattern', 'enum', 'const', 'minimum', 'maximum', 'minLength', 'maxLength']);

/**
 * Turns ajv errors (compiled with `allErrors` and `verbose`) into positioned diagnostics. Schemas
 * carry their own wording: `x-expect` on a value ("must be a port number from 1 to 65535") and
 * `x-key-kind` on an object ("directive", so an unknown key reads "is not a known directive").
 * An `anyOf` reports once, with its own wording, unless an error inside the value explains more.
 */
/** At most this many schema errors are positioned and listed per file. */
const MAX_DIAGNOSTICS = 500;

export function schemaDiagnostics(source: YamlSource | PositionedSource, errors: readonly ErrorObject[]): Diagnostic[] {
  const dropped = new Set<ErrorObject>();
  for (const alternative of errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')) {
    const here = alternative.instancePath;
    const explainedDeeper = errors.some(
      (e) => e.instancePath.startsWith(`${here}/`) || (e.instancePath === here && e.propertyName !== undefined),
    );
    for (const e of errors) {
      if (e !== alternative && e.instancePath === here && e.propertyName === undefined && VALUE_KEYWORDS.has(e.keyword)) {
        dropped.add(e);
      }
    }
    if (explainedDeeper) dropped.add(alternative);
  }
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const kept = errors.filter((e) => !dropped.has(e) && e.keyword !== 'propertyNames');
  for (const e of kept.slice(0, MAX_DIAGNOSTICS)) {
    const diagnostic = describe(source, e);
    const key = `${diagnostic.line}:${diagnostic.col}:${diagnostic.message}`;
    if (!seen.has(key)) diagnostics.push(diagnostic);
    seen.add(key);
  }
  // ajv reports in schema order; a reader wants file order.
  diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
  // A file of thousands of mistakes gets a report a person can read (and positioning each
  // one walks the document), so the rest are counted, not listed.
  const more = kept.length - MAX_DIAGNOSTICS;
  if (more > 0 && diagnostics[0]) diagnostics.push({ file: diagnostics[0].file, line: 0, col: 0, message: `… and ${more} more errors`, severity: 'error' });
  return diagnostics;
}

function describe(source: YamlSource | PositionedSource, e: ErrorObject): Diagnostic {
  const path = instancePath(source.value, e.instancePath);
  const formatPath = ('describePath' in source && source.describePath ? source.describePath.bind(source) : formatYamlPath);
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  const expect = typeof schema['x-expect'] === 'string' ? schema['x-expect'] : undefined;
  if (e.propertyName !== undefined) {
    const named = [...path, e.propertyName];
    return diagnosticAt(source, named, 'key', `${formatPath(named)} ${expect ?? `is not a valid name: ${e.message ?? ''}`}`);
  }
  if (e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    const known = Object.keys((schema.properties ?? {}) as Record<string, unknown>);
    const kind = typeof schema['x-key-kind'] === 'string' ? schema['x-key-kind'] : 'key';
    const suggestion = didYouMean(key, known);
    const hint = suggestion ? ` (did you mean ${suggestion}?)` : known.length > 0 ? ` (known: ${known.join(', ')})` : '';
    return diagnosticAt(source, [...path, key], 'key', `${formatPath([...path, key])} is not a known ${kind}${hint}`);
  }
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty: string }).missingProperty);
    return diagnosticAt(source, path, 'key', `${formatPath(path)} is missing ${missing}`);
  }
  const template = typeof e.data === 'string' && e.data.includes('{{') ? ' (fleet does not evaluate Jinja2 templates)' : '';
  return diagnosticAt(source, path, 'value', `${formatPath(path)} ${expect ?? e.message ?? 'is invalid'}${template}`);
}

/** A JSON pointer as a path; segments that index a sequence become numbers. */
function instancePath(value: unknown, pointer: string): (string | number)[] {
  if (pointer === '') return [];
  let current = value;
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => {
      const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      const inSequence = Array.isArray(current);
      current = (current as Record<string, unknown> | undefined)?.[segment];
      return inSequence ? Number(segment) : segment;
    });
}
