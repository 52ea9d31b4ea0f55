/**
 * fast-check generators for sshd_config trees that OpenSSH 9.2 accepts: random keyword case,
 * separators (` `, tab, `=`, ` = `), indentation, trailing comments, CRLF, missing final
 * newline, Match blocks (User/Group/Address/LocalPort/all), drop-ins included by absolute or
 * relative pattern (also from inside a Match block), and a nested include.
 */
import fc from 'fast-check';
import type { ConfigTree, DesiredDirectives } from '../../../src/core/sshd/index.js';
import { treeFromFiles } from './fixture-tree.js';

/** One directive to write: canonical keyword and value text. */
interface Directive {
  keyword: string;
  value: string;
}

const timeValue = fc.constantFrom('0', '15', '30', '120', '298', '300', '4m58s', '5m', '1h', '2M', '90s', '010');
const countValue = fc.constantFrom('0', '1', '3', '5', '05', '10');
const flagValue = fc.constantFrom('yes', 'no', 'Yes', 'NO');

// Keywords sshd allows inside Match blocks (SSHCFG_ALL) and ones it allows only globally.
const matchSafe: fc.Arbitrary<Directive> = fc.oneof(
  { weight: 4, arbitrary: timeValue.map((value) => ({ keyword: 'ClientAliveInterval', value })) },
  { weight: 4, arbitrary: countValue.map((value) => ({ keyword: 'ClientAliveCountMax', value })) },
  fc.constantFrom(
    { keyword: 'PermitRootLogin', value: 'no' },
    { keyword: 'X11Forwarding', value: 'yes' },
    { keyword: 'MaxAuthTries', value: '4' },
    { keyword: 'LogLevel', value: 'VERBOSE' },
    { keyword: 'AllowTcpForwarding', value: 'no' },
  ),
);
const globalOnly: fc.Arbitrary<Directive> = fc.oneof(
  { weight: 3, arbitrary: flagValue.map((value) => ({ keyword: 'TCPKeepAlive', value })) },
  flagValue.map((value) => ({ keyword: 'KeepAlive', value })),
  fc.constantFrom({ keyword: 'UsePAM', value: 'yes' }, { keyword: 'PrintMotd', value: 'no' }, { keyword: 'UseDNS', value: 'no' }),
);
const anyDirective = fc.oneof(matchSafe, globalOnly);

const keywordCase = fc.constantFrom<(k: string) => string>((k) => k, (k) => k.toLowerCase(), (k) => k.toUpperCase(), (k) => k[0]?.toLowerCase() + k.slice(1));
const separator = fc.constantFrom(' ', '  ', '\t', '=', ' = ', '= ', ' =');
const indent = fc.constantFrom('', '', '  ', '    ', '\t');
const trailing = fc.constantFrom('', '', '', ' # keepalive', '\t# set by hand', '  ');

const directiveLine = (d: fc.Arbitrary<Directive>): fc.Arbitrary<string> =>
  fc.tuple(d, keywordCase, separator, indent, trailing).map(([dir, kcase, sep, ind, tail]) => `${ind}${kcase(dir.keyword)}${sep}${dir.value}${tail}`);

const noise = fc.constantFrom('', '# a comment', '#ClientAliveInterval 0', '   # indented comment', '#\tTCPKeepAlive no');

const lines = (d: fc.Arbitrary<Directive>, max: number): fc.Arbitrary<string[]> =>
  fc.array(fc.oneof({ weight: 3, arbitrary: directiveLine(d) }, { weight: 1, arbitrary: noise }), { maxLength: max });

const matchHeader = fc.tuple(
  fc.constantFrom('User alice', 'Group staff', 'Address 10.0.0.0/8', 'Host *.example.com', 'User backup,deploy', 'all'),
  fc.constantFrom('Match', 'match', 'MATCH'),
  fc.constantFrom(' ', '\t'),
).map(([criteria, kw, sep]) => `${kw}${sep}${criteria}`);

const matchBlocks = fc.array(fc.tuple(matchHeader, lines(matchSafe, 3)).map(([h, body]) => [h, ...body]), { maxLength: 2 }).map((blocks) => blocks.flat());

export interface GeneratedTree {
  tree: ConfigTree;
  desired: DesiredDirectives;
}

const desired: fc.Arbitrary<DesiredDirectives> = fc
  .record(
    {
      ClientAliveInterval: fc.constantFrom('298', '300', '60', '0', '5m'),
      ClientAliveCountMax: fc.constantFrom('3', '5', '2'),
      TCPKeepAlive: fc.constantFrom('yes', 'no'),
    },
    { requiredKeys: [] },
  )
  .chain((record) => fc.shuffledSubarray(Object.entries(record), { minLength: Object.keys(record).length }))
  .filter((entries) => entries.length > 0)
  .map((entries) => Object.fromEntries(entries));

/** A whole tree: main file, 0-3 drop-ins, maybe a nested include, and the desired values. */
export const generatedTree: fc.Arbitrary<GeneratedTree> = fc
  .record({
    head: fc.array(noise, { maxLength: 3 }),
    before: lines(anyDirective, 4),
    includeArg: fc.constantFrom('/etc/ssh/sshd_config.d/*.conf', 'sshd_config.d/*.conf', '/etc/ssh/sshd_config.d/*.conf /etc/ssh/extra.d/*.conf'),
    includeInMatch: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: matchHeader }),
    after: lines(anyDirective, 4),
    tailMatches: matchBlocks,
    dropInNames: fc.uniqueArray(fc.constantFrom('10-a.conf', '50-cloud-init.conf', '60-b.conf', '99-z.conf', 'Z.conf'), { maxLength: 3 }),
    nested: fc.boolean(),
    seed: fc.array(fc.tuple(lines(anyDirective, 3), lines(matchSafe, 3), matchBlocks), { minLength: 4, maxLength: 4 }),
    eol: fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 6, maxLength: 6 }),
    desired,
  })
  .map((g): GeneratedTree => {
    const join = (ls: string[], i: number): string => {
      const [crlf, finalNewline] = g.eol[i] ?? [false, true];
      const eol = crlf ? '\r\n' : '\n';
      return ls.join(eol) + (finalNewline && ls.length > 0 ? eol : '');
    };
    // An Include inside a (non-all) Match block is read "syntax only" in that context: its files
    // may then hold only Match-allowed keywords, or sshd refuses the whole config.
    const inMatch = g.includeInMatch !== null;
    const includeLines = inMatch ? [g.includeInMatch, `  Include ${g.includeArg}`] : [`Include ${g.includeArg}`];
    const mainLines = [...g.head, ...(inMatch ? [] : includeLines), 'Subsystem sftp /usr/lib/openssh/sftp-server', ...g.before, ...g.after, ...(inMatch ? includeLines : []), ...g.tailMatches];
    const files = new Map<string, string>([['/etc/ssh/sshd_config', join(mainLines as string[], 0)]]);
    g.dropInNames.forEach((name, i) => {
      const [globalBody, safeBody, blocks] = g.seed[i] ?? [[], [], []];
      const body = [...(inMatch ? safeBody : globalBody), ...blocks];
      if (i === 0 && g.nested) body.unshift('Include /etc/ssh/nested/*.conf');
      files.set(`/etc/ssh/sshd_config.d/${name}`, join(body, i + 1));
    });
    if (g.nested && g.dropInNames.length > 0) {
      const [globalBody, safeBody] = g.seed[3] ?? [[], []];
      files.set('/etc/ssh/nested/keepalive.conf', join(inMatch ? safeBody : globalBody, 5));
    }
    return { tree: treeFromFiles(files), desired: g.desired };
  });

