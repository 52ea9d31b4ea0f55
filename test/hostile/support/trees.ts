/**
 * Hostile sshd_config trees for fuzzing: arbitrary text, and the distro corpus
 * (test/fixtures/distro) mutated the way real files get damaged or hand-edited: lines deleted,
 * duplicated or inserted (directives, Match, Include), bytes flipped, CRLF and LF swapped,
 * files truncated, drop-ins added.
 *
 * Trees are built as the fact gatherer delivers them: every file under its absolute path and
 * every Include pattern expanded against the tree's files. The expansion here is the test's
 * stand-in for glob(3) on the host, so it must never throw on a malformed pattern (sshd's
 * glob just matches nothing); whatever the code under test does with the pattern is what is
 * being tested.
 */
import fc from 'fast-check';
import { globMatches } from '../../../src/core/glob.js';
import { includePatterns, type ConfigTree, type DesiredDirectives } from '../../../src/core/sshd/index.js';
import { corpusNames, loadCorpusTree } from '../../unit/sshd/fixture-tree.js';

export const MAIN = '/etc/ssh/sshd_config';

/** glob(3) as the host would answer it; a pattern sshd's glob cannot use matches nothing. */
function hostGlob(pattern: string, paths: readonly string[]): string[] {
  return paths.filter((path) => {
    try {
      return globMatches(pattern, path);
    } catch {
      return false;
    }
  });
}

/** A tree from files keyed by absolute path, with every Include pattern expanded (in reverse, so the planner must sort). */
export function hostTree(files: ReadonlyMap<string, string>, main = MAIN): ConfigTree {
  const globs = new Map<string, string[]>();
  for (const [path, text] of files) {
    for (const pattern of includePatterns(text, path)) {
      if (!globs.has(pattern)) globs.set(pattern, hostGlob(pattern, [...files.keys()]).sort().reverse());
    }
  }
  return { main, files, globs };
}

/** Desired values as a validated policy hands them to the planner: seconds, integers, yes/no. */
export const desiredValues: fc.Arbitrary<DesiredDirectives> = fc
  .record(
    {
      ClientAliveInterval: fc.constantFrom('0', '1', '60', '240', '298', '300', '2147483647'),
      ClientAliveCountMax: fc.constantFrom('0', '1', '3', '50'),
      TCPKeepAlive: fc.constantFrom('yes', 'no'),
    },
    { requiredKeys: [] },
  )
  .filter((d) => Object.keys(d).length > 0);

/** Lines worth inserting: valid and invalid keepalive lines, Match and Include lines, other directives, junk. */
const insertedLine: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      'ClientAliveInterval 0',
      'ClientAliveInterval 120',
      'clientaliveinterval=4m',
      'CLIENTALIVEINTERVAL\t1h # hand-tuned',
      '  ClientAliveInterval "60"',
      'ClientAliveCountMax 010',
      'ClientAliveCountMax 0',
      'clientalivecountmax = 7',
      'TCPKeepAlive no',
      'tcpkeepalive YES',
      'KeepAlive no',
      'ClientAliveInterval 5 # ',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'ClientAliveInterval abc',
      'ClientAliveInterval',
      'ClientAliveInterval 1 2',
      'ClientAliveCountMax -1',
      'TCPKeepAlive maybe',
      'ClientAliveInterval 99999999999',
      'ClientAliveInterval "unterminated',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom('Match all', 'Match User alice', 'match Group staff', 'Match Address 10.0.0.0/8', 'Match User backup,deploy', 'Match', 'Match all User x', 'Match LocalPort 2222'),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'Include /etc/ssh/sshd_config.d/*.conf',
      'Include sshd_config.d/*.conf',
      'Include /etc/ssh/fuzz.d/*.conf',
      'Include /etc/ssh/nowhere/*.conf',
      'Include "/etc/ssh/sshd_config.d/*.conf"',
      'Include /etc/ssh/sshd_config',
      'Include /etc/ssh/[z-a].conf',
      'Include /etc/ssh/fuzz.d/[!0-4]*.conf',
      'Include',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('Port 2222', 'PermitRootLogin no', 'X11Forwarding yes', 'UsePAM no', 'LogLevel VERBOSE', 'MaxAuthTries 4', 'Subsystem sftp internal-sftp', 'NoSuchKeyword yes'),
  },
  { weight: 2, arbitrary: fc.constantFrom('', '# comment', '#ClientAliveInterval 0', '   ', '\t', '\f', '\r') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** One edit to one file; indexes are reduced modulo the sizes they pick from. */
export type TextMutation =
  | { kind: 'delete' | 'duplicate' | 'crlf'; file: number; at: number }
  | { kind: 'insert'; file: number; at: number; line: string }
  | { kind: 'flip'; file: number; at: number; char: string }
  | { kind: 'truncate'; file: number; at: number }
  | { kind: 'swapEndings'; file: number };

type Mutation = TextMutation | { kind: 'dropIn'; name: string; lines: string[] };

const position = fc.nat({ max: 1 << 16 });
const fileIndex = fc.nat({ max: 16 });
const flippedChar = fc.oneof(
  fc.constantFrom('\n', '\r', '\t', ' ', '"', "'", '#', '=', '\\', '\0', '\f', '*', '[', ']', '\u00a0', '\u2028', '\ufeff'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

/** Line-level and byte-level damage to one file, inserting lines from `pool`. */
export function textMutation(pool: fc.Arbitrary<string>): fc.Arbitrary<TextMutation> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const, 'crlf' as const), file: fileIndex, at: position }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), file: fileIndex, at: position, line: pool }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('flip' as const), file: fileIndex, at: position, char: flippedChar }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), file: fileIndex, at: position }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('swapEndings' as const), file: fileIndex }) },
  );
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 10, arbitrary: textMutation(insertedLine) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('dropIn' as const),
      name: fc.constantFrom('/etc/ssh/sshd_config.d/00-fuzz.conf', '/etc/ssh/sshd_config.d/zz-fuzz.conf', '/etc/ssh/fuzz.d/5-a.conf', '/etc/ssh/fuzz.d/.hidden.conf'),
      lines: fc.array(insertedLine, { maxLength: 4 }),
    }),
  },
);

/** Splits keeping each line's terminator, so edits never lose or invent bytes elsewhere. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The text after one mutation (its `file` is the caller's business). */
export function mutateText(text: string, m: TextMutation): string {
  const lines = linesOf(text);
  const i = 'at' in m ? m.at % (lines.length + 1) : 0;
  switch (m.kind) {
    case 'delete':
      lines.splice(i, 1);
      return lines.join('');
    case 'duplicate':
      if (lines[i] !== undefined) lines.splice(i, 0, lines[i]!.endsWith('\n') ? lines[i]! : `${lines[i]!}\n`);
      return lines.join('');
    case 'crlf': {
      const line = lines[i];
      if (line === undefined || !line.endsWith('\n')) return text;
      lines[i] = line.endsWith('\r\n') ? `${line.slice(0, -2)}\n` : `${line.slice(0, -1)}\r\n`;
      return lines.join('');
    }
    case 'insert':
      lines.splice(i, 0, `${m.line}\n`);
      return lines.join('');
    case 'flip': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.char + text.slice(at + 1);
    }
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'swapEndings':
      return text.includes('\r\n') ? text.replaceAll('\r\n', '\n') : text.replaceAll('\n', '\r\n');
  }
}

/** Applies mutations to a tree's files; drop-ins become visible through the tree's own Includes. */
export function mutateTree(tree: ConfigTree, mutations: readonly Mutation[]): ConfigTree {
  const files = new Map(tree.files);
  for (const m of mutations) {
    if (m.kind === 'dropIn') {
      files.set(m.name, m.lines.map((l) => `${l}\n`).join(''));
      continue;
    }
    const paths = [...files.keys()].sort();
    const path = paths[m.file % paths.length]!;
    files.set(path, mutateText(files.get(path)!, m));
  }
  return hostTree(files, tree.main);
}

/**
 * How many file reads sshd's include walk takes (capped). fleet's readOrder keeps walking after
 * it passes sshd's depth limit, so a file that includes itself twice costs 2^16 reads and more
 * (sshd-corner-cases.test.ts); the fuzzers leave such trees to that test.
 */
export function includeVisits(tree: ConfigTree, cap = 5000): number {
  let visits = 0;
  const walk = (path: string, depth: number): void => {
    if (visits >= cap || depth > 16) return;
    visits++;
    for (const pattern of includePatterns(tree.files.get(path) ?? '', path)) {
      for (const next of tree.globs.get(pattern) ?? []) walk(next, depth + 1);
    }
  };
  walk(tree.main, 0);
  return visits;
}

/** Trees whose include walk stays small (see includeVisits). */
export const BOUNDED_INCLUDES = (tree: ConfigTree): boolean => includeVisits(tree) < 1000;

/** The corpus names, loaded once. */
const CORPUS = new Map(corpusNames().map((name) => [name, loadCorpusTree(name)]));

export interface MutatedTree {
  corpus: string;
  tree: ConfigTree;
  desired: DesiredDirectives;
}

/** A corpus tree with 1-5 mutations, and the values a policy wants. */
export const mutatedTree: fc.Arbitrary<MutatedTree> = fc
  .record({ corpus: fc.constantFrom(...CORPUS.keys()), mutations: fc.array(mutation, { minLength: 1, maxLength: 5 }), desired: desiredValues })
  .map(({ corpus, mutations, desired }) => ({ corpus, tree: mutateTree(CORPUS.get(corpus)!, mutations), desired }))
  .filter(({ tree }) => BOUNDED_INCLUDES(tree));

/** Arbitrary text: UTF-16 strings with any code point, and bytes decoded as latin1 or UTF-8. */
export const arbitraryText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
  // Mostly config-significant characters, so keywords, quotes and Includes actually occur.
  fc
    .tuple(fc.array(fc.oneof(insertedLine, fc.constantFrom(' ', '\t', '\r', '"', "'", '#', '=', '\\')), { maxLength: 30 }), fc.constantFrom('\n', '\r\n', ''))
    .map(([parts, separator]) => parts.join(separator)),
);

/** A tree of arbitrary text: a main file, possibly including an arbitrary drop-in. */
export const arbitraryTree: fc.Arbitrary<ConfigTree> = fc
  .record({ main: arbitraryText, dropIn: fc.option(arbitraryText), includeFirst: fc.boolean() })
  .map(({ main, dropIn, includeFirst }) => {
    const files = new Map<string, string>();
    if (dropIn === null) files.set(MAIN, main);
    else {
      const include = 'Include /etc/ssh/sshd_config.d/*.conf\n';
      files.set(MAIN, includeFirst ? include + main : main + include);
      files.set('/etc/ssh/sshd_config.d/50-fuzz.conf', dropIn);
    }
    return hostTree(files);
  })
  .filter(BOUNDED_INCLUDES);
