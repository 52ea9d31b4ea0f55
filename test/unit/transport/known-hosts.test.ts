import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  judgeHostKey,
  keyTypeOf,
  knownHostsLine,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';
import { matchPattern } from '../../../src/core/sshconfig/match.js';

let dir: string;
/** Real keys from ssh-keygen: `type base64` and the decoded wire blob. */
interface Key {
  type: string;
  base64: string;
  blob: Buffer;
}
let ed1: Key;
let ed2: Key;
let rsa: Key;

function makeKey(name: string, type: string): Key {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', path]);
  const [t, b64] = readFileSync(`${path}.pub`, 'utf8').trim().split(' ');
  return { type: t!, base64: b64!, blob: Buffer.from(b64!, 'base64') };
}

/** Hashes a known_hosts text with the real `ssh-keygen -H`. */
function hashWithSshKeygen(text: string): string {
  const file = join(dir, `kh-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  return readFileSync(file, 'utf8');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-kh-'));
  ed1 = makeKey('ed1', 'ed25519');
  ed2 = makeKey('ed2', 'ed25519');
  rsa = makeKey('rsa', 'rsa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (hosts: string, k: Key) => `${hosts} ${k.type} ${k.base64}`;

describe('parseKnownHosts', () => {
  it('skips comments, blank and malformed lines, and keeps line numbers', () => {
    const text = [
      '# a comment',
      '',
      line('web1', ed1),
      'broken-line-without-key',
      '@unknown-marker web1 ssh-ed25519 AAAA',
      `web2 ssh-ed25519 not*base64`,
      `  ${line('web3', ed2)}  trailing comment words`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => e.line)).toEqual([3, 7]);
    expect(entries[1]!.keyBase64).toBe(ed2.base64);
  });

  it('reads markers and CRLF files', () => {
    const entries = parseKnownHosts(`@revoked * ${ed1.type} ${ed1.base64}\r\n@cert-authority *.example ${ed2.type} ${ed2.base64}\r\n`);
    expect(entries.map((e) => e.marker)).toEqual(['revoked', 'cert-authority']);
  });
});

describe('lookupName', () => {
  it('uses the bare host on port 22 and [host]:port otherwise, lowercased', () => {
    expect(lookupName('Web1.Example', 22)).toBe('web1.example');
    expect(lookupName('127.0.1.5', 2222)).toBe('[127.0.1.5]:2222');
  });
});

describe('judgeHostKey', () => {
  it('trusts a plain entry and treats a different key as a mismatch', () => {
    const entries = parseKnownHosts(line('web1,10.0.0.1', ed1));
    expect(judgeHostKey(entries, '10.0.0.1', 22, ed1.blob)).toEqual({ kind: 'trusted', line: 1 });
    expect(judgeHostKey(entries, '10.0.0.1', 22, ed2.blob)).toEqual({ kind: 'mismatch', lines: [1] });
    expect(judgeHostKey(entries, '10.0.0.2', 22, ed1.blob)).toEqual({ kind: 'unknown' });
  });

  it('distinguishes ports: [host]:port entries never match port 22 and vice versa', () => {
    const entries = parseKnownHosts([line('[10.0.0.1]:2222', ed1), line('10.0.0.2', ed2)].join('\n'));
    expect(judgeHostKey(entries, '10.0.0.1', 2222, ed1.blob).kind).toBe('trusted');
    expect(judgeHostKey(entries, '10.0.0.1', 22, ed1.blob).kind).toBe('unknown');
    expect(judgeHostKey(entries, '10.0.0.2', 2200, ed2.blob).kind).toBe('unknown');
  });

  it('matches names hashed by the real ssh-keygen -H, including [host]:port', () => {
    const hashed = hashWithSshKeygen([line('web1.example', ed1), line('[10.1.2.3]:2222', ed2)].join('\n') + '\n');
    expect(hashed).toMatch(/^\|1\|/);
    expect(hashed).not.toContain('web1');
    const entries = parseKnownHosts(hashed);
    expect(entries.every((e) => e.names.kind === 'hashed')).toBe(true);
    expect(judgeHostKey(entries, 'WEB1.example', 22, ed1.blob).kind).toBe('trusted');
    expect(judgeHostKey(entries, 'web1.example', 22, ed2.blob).kind).toBe('mismatch');
    expect(judgeHostKey(entries, '10.1.2.3', 2222, ed2.blob).kind).toBe('trusted');
    expect(judgeHostKey(entries, '10.1.2.3', 22, ed2.blob).kind).toBe('unknown');
    expect(judgeHostKey(entries, 'web2.example', 22, ed1.blob).kind).toBe('unknown');
  });

  it('honours wildcards and lets a matching negation exclude a host', () => {
    const entries = parseKnownHosts(line('*.prod.example,!db?.prod.example,10.0.*', ed1));
    expect(judgeHostKey(entries, 'web1.prod.example', 22, ed1.blob).kind).toBe('trusted');
    expect(judgeHostKey(entries, 'db1.prod.example', 22, ed1.blob).kind).toBe('unknown');
    expect(judgeHostKey(entries, 'db10.prod.example', 22, ed1.blob).kind).toBe('trusted');
    expect(judgeHostKey(entries, '10.0.3.4', 22, ed1.blob).kind).toBe('trusted');
    expect(judgeHostKey(entries, 'prod.example', 22, ed1.blob).kind).toBe('unknown');
  });

  it('refuses a revoked key even when another line trusts it', () => {
    const entries = parseKnownHosts([line('web1', ed1), `@revoked * ${ed1.type} ${ed1.base64}`].join('\n'));
    expect(judgeHostKey(entries, 'web1', 22, ed1.blob)).toEqual({ kind: 'revoked', line: 2 });
    // A revoked line about another key does not affect this one.
    const other = parseKnownHosts([line('web1', ed1), `@revoked * ${ed2.type} ${ed2.base64}`].join('\n'));
    expect(judgeHostKey(other, 'web1', 22, ed1.blob).kind).toBe('trusted');
  });

  it('ignores @cert-authority lines: they neither trust nor contradict', () => {
    const entries = parseKnownHosts(`@cert-authority * ${ed2.type} ${ed2.base64}`);
    expect(judgeHostKey(entries, 'web1', 22, ed1.blob).kind).toBe('unknown');
    expect(judgeHostKey(entries, 'web1', 22, ed2.blob).kind).toBe('unknown');
  });

  it('calls a host known only with a key of another type a mismatch, never unknown', () => {
    const entries = parseKnownHosts(line('web1', rsa));
    expect(judgeHostKey(entries, 'web1', 22, ed1.blob)).toEqual({ kind: 'mismatch', lines: [1] });
    expect(knownKeyTypes(entries, 'web1', 22)).toEqual(['ssh-rsa']);
  });
});

describe('knownHostsLine', () => {
  it('writes a line that the parser reads back as trusting that key', () => {
    for (const [host, port] of [
      ['127.0.1.7', 22],
      ['127.0.1.7', 2201],
    ] as const) {
      const text = knownHostsLine(host, port, ed1.blob);
      expect(text).toBe(`${lookupName(host, port)} ssh-ed25519 ${ed1.base64}`);
      expect(judgeHostKey(parseKnownHosts(text), host, port, ed1.blob).kind).toBe('trusted');
    }
  });

  it('reads the key type out of the blob', () => {
    expect(keyTypeOf(ed1.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(rsa.blob)).toBe('ssh-rsa');
  });
});

describe('matchPattern, as known_hosts host patterns use it', () => {
  it('agrees with a regex reference on random strings over a small alphabet', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '*', '?');
    const toRegex = (g: string) =>
      new RegExp(`^${[...g].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c === '.' ? '\\.' : c)).join('')}$`, 's');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 8 }), (glob, text) => {
        expect(matchPattern(text, glob)).toBe(toRegex(glob).test(text));
      }),
      { numRuns: 2000 },
    );
  });
});
