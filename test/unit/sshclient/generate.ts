/**
 * fast-check generators for ssh_config files the OpenSSH 9.2 client accepts: global lines,
 * Host/Match blocks (universal and host-specific), random keyword case, separators, indentation,
 * comments, CRLF, missing final newline, or no file at all.
 *
 * `PROBE_HOST` matches none of the host-specific blocks generated here (the negated block
 * excludes exactly it), so `ssh -G PROBE_HOST` shows what an arbitrary host gets.
 */
import fc from 'fast-check';
import type { DesiredDirectives } from '../../../src/core/sshd/index.js';

export const PROBE_HOST = 'fleet-probe';

const directive = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('0', '15', '60', '240', '4m', '1h', '90s', '030').map((v) => ['ServerAliveInterval', v] as const) },
  { weight: 3, arbitrary: fc.constantFrom('1', '3', '5', '05').map((v) => ['ServerAliveCountMax', v] as const) },
  { weight: 2, arbitrary: fc.constantFrom('yes', 'no', 'Yes', 'NO').map((v) => ['TCPKeepAlive', v] as const) },
  fc.constantFrom(['ForwardAgent', 'no'] as const, ['User', 'deploy'] as const, ['Port', '2222'] as const, ['Compression', 'yes'] as const),
);

const keywordCase = fc.constantFrom<(k: string) => string>((k) => k, (k) => k.toLowerCase(), (k) => k.toUpperCase());
const separator = fc.constantFrom(' ', '\t', '=', ' = ', '  ');
const indent = fc.constantFrom('', '  ', '    ', '\t');
const trailing = fc.constantFrom('', '', ' # note', '  ');

const directiveLine = fc
  .tuple(directive, keywordCase, separator, indent, trailing)
  .map(([[keyword, value], kcase, sep, ind, tail]) => `${ind}${kcase(keyword)}${sep}${value}${tail}`);
const noise = fc.constantFrom('', '# comment', '#ServerAliveInterval 0', '  # indented');
const body = fc.array(fc.oneof({ weight: 3, arbitrary: directiveLine }, { weight: 1, arbitrary: noise }), { maxLength: 4 });

const header = fc.constantFrom(
  'Host *',
  'host *',
  'Host * !fleet-probe',
  'Host web-* db-?',
  'HOST bastion',
  'Host *.example.com',
  'Match all',
  'Match host web-*',
  'Match originalhost db-*',
);

export interface GeneratedClientConfig {
  text: string | null;
  desired: DesiredDirectives;
}

const desired: fc.Arbitrary<DesiredDirectives> = fc
  .record(
    {
      ServerAliveInterval: fc.constantFrom('240', '60', '0', '4m'),
      ServerAliveCountMax: fc.constantFrom('3', '5'),
      TCPKeepAlive: fc.constantFrom('yes', 'no'),
    },
    { requiredKeys: [] },
  )
  .chain((record) => fc.shuffledSubarray(Object.entries(record), { minLength: Object.keys(record).length }))
  .filter((entries) => entries.length > 0)
  .map((entries) => Object.fromEntries(entries));

export const generatedClientConfig: fc.Arbitrary<GeneratedClientConfig> = fc
  .record({
    missing: fc.nat(9).map((n) => n === 0),
    global: body,
    blocks: fc.array(fc.tuple(header, body), { maxLength: 4 }),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
    desired,
  })
  .map((g) => {
    const lines = [...g.global, ...g.blocks.flatMap(([h, b]) => [h, ...b])];
    const eol = g.crlf ? '\r\n' : '\n';
    const text = lines.join(eol) + (g.finalNewline && lines.length > 0 ? eol : '');
    return { text: g.missing ? null : text, desired: g.desired };
  });
