import { describe, expect, test } from 'vitest';
import { formatArgument, lexLine } from '../../../src/core/sshd/index.js';

const args = (line: string): string[] => lexLine(line).args.map((a) => a.value);

describe('lexLine: keyword and separator forms sshd accepts', () => {
  test.each([
    ['ClientAliveInterval 300'],
    ['ClientAliveInterval=300'],
    ['ClientAliveInterval = 300'],
    ['ClientAliveInterval= 300'],
    ['ClientAliveInterval =300'],
    ['ClientAliveInterval\t300'],
    ['   ClientAliveInterval 300'],
    ['\tClientAliveInterval  300  '],
    ['ClientAliveInterval 300\r'],
    ['ClientAliveInterval 300 # keepalive'],
    ['"ClientAliveInterval" 300'],
  ])('%j → ClientAliveInterval [300]', (line) => {
    const lexed = lexLine(line);
    expect(lexed.keyword).toBe('ClientAliveInterval');
    expect(args(line)).toEqual(['300']);
  });

  test('raw offsets point at the value bytes only (CRLF, trailing comment)', () => {
    const line = '  clientaliveinterval = "4m58s"   # old\r';
    const [arg] = lexLine(line).args;
    expect(arg?.value).toBe('4m58s');
    expect(line.slice(arg?.start, arg?.end)).toBe('"4m58s"');
  });

  test('only one = is a separator; a second one is part of the value', () => {
    expect(args('Port == 22')).toEqual(['=', '22']);
  });
});

describe('lexLine: comments, blanks and lines sshd ignores', () => {
  test.each([[''], ['   '], ['\r'], ['# comment'], ['   #ClientAliveInterval 0'], ['#'], ['\t# x = y']])('%j is no directive', (line) => {
    expect(lexLine(line).keyword).toBeNull();
  });

  test('a `#` starting an argument ends the line; inside an argument it does not', () => {
    expect(args('ClientAliveInterval 300 #comment')).toEqual(['300']);
    expect(args('ClientAliveInterval 300#x')).toEqual(['300#x']);
    expect(args('Banner "/etc/#issue"')).toEqual(['/etc/#issue']);
  });

  test('a keyword without a value is kept with no arguments (sshd rejects it)', () => {
    expect(lexLine('ClientAliveInterval').keyword).toBe('ClientAliveInterval');
    expect(args('ClientAliveInterval   ')).toEqual([]);
  });

  test('an unmatched quote in the keyword makes sshd ignore the line', () => {
    expect(lexLine('Client"AliveInterval 5').keyword).toBeNull();
  });

  test('an unmatched quote in the arguments is flagged', () => {
    expect(lexLine('Banner "/etc/issue').badQuotes).toBe(true);
  });
});

describe('lexLine: quoting like argv_split', () => {
  test('double and single quotes group, escapes are removed', () => {
    expect(args('Banner "/etc/my banner"')).toEqual(['/etc/my banner']);
    expect(args("ForceCommand 'echo hi' x")).toEqual(['echo hi', 'x']);
    expect(args('AcceptEnv LANG LC_*')).toEqual(['LANG', 'LC_*']);
    expect(args('Banner /etc/my\\ banner')).toEqual(['/etc/my banner']);
    expect(args('Banner a"b c"d')).toEqual(['ab cd']);
  });

  test('formatArgument writes bare words bare and quotes the rest', () => {
    expect(formatArgument('298')).toBe('298');
    expect(formatArgument('/etc/ssh/sshd_config.d/*.conf')).toBe('/etc/ssh/sshd_config.d/*.conf');
    expect(formatArgument('/tmp/a b/*.conf')).toBe('"/tmp/a b/*.conf"');
    expect(args(`Include ${formatArgument('/tmp/a b/#x')}`)).toEqual(['/tmp/a b/#x']);
  });
});
