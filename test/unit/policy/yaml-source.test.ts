import { describe, expect, test } from 'vitest';
import { ConfigError, formatDiagnostic } from '../../../src/core/errors.js';
import { parseInventory } from '../../../src/core/inventory/index.js';
import { parsePolicy } from '../../../src/core/policy/index.js';
import { MAX_ALIAS_COUNT, didYouMean, editDistance, formatPath, loadYaml, positionOf } from '../../../src/core/yaml-source.js';

function failure(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
}

/** Nine levels of nine aliases: 9^9 ≈ 387 million strings if expanded. */
function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1]!;
    lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('YAML loading', () => {
  test('a syntax error is file:line:col: message', () => {
    const error = failure(() => parsePolicy('sshd:\n  ClientAliveInterval: [1,\nhosts: all\n', 'policy.yml'));
    expect(error.diagnostics.length).toBeGreaterThan(0);
    expect(error.diagnostics[0]).toMatchObject({ file: 'policy.yml', severity: 'error' });
    expect(error.diagnostics[0]!.line).toBeGreaterThan(0);
    expect(formatDiagnostic(error.diagnostics[0]!)).toMatch(/^policy\.yml:\d+:\d+: \S/);
  });

  test('a tab-indented or unclosed document fails with a position', () => {
    const error = failure(() => parseInventory('all:\n  hosts:\n    "web1:\n', 'inventory.yml', { user: 'root' }));
    expect(error.diagnostics[0]!.line).toBeGreaterThanOrEqual(3);
  });

  test('a duplicate key is an error at the second occurrence', () => {
    const error = failure(() => parsePolicy('sshd:\n  ClientAliveInterval: 1\n  ClientAliveInterval: 2\n', 'policy.yml'));
    expect(error.diagnostics.map(formatDiagnostic)).toEqual(['policy.yml:3:3: Map keys must be unique']);
    const inventoryError = failure(() => parseInventory('all:\n  hosts:\n    h1:\n    h1:\n', 'inventory.yml', { user: 'root' }));
    expect(inventoryError.diagnostics[0]).toMatchObject({ line: 4, col: 5, message: 'Map keys must be unique' });
  });

  test('several documents in one file are refused', () => {
    const error = failure(() => parsePolicy('sshd:\n  TCPKeepAlive: yes\n---\nhosts: all\n', 'policy.yml'));
    expect(error.diagnostics[0]).toMatchObject({ line: 3, col: 1 });
    expect(error.diagnostics[0]!.message).toMatch(/multiple documents/);
  });

  test('a billion-laughs document is refused quickly, with a clear error', () => {
    const started = performance.now();
    const error = failure(() => parseInventory(`${billionLaughs()}all:\n  hosts:\n    h1:\n`, 'inventory.yml', { user: 'root' }));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(500);
    expect(error.diagnostics.map(formatDiagnostic)).toEqual([
      `inventory.yml: refused: its aliases expand to more than ${MAX_ALIAS_COUNT} copies (a "billion laughs" document?)`,
    ]);
    const policyStarted = performance.now();
    expect(() => parsePolicy(billionLaughs(), 'policy.yml')).toThrow(/billion laughs/);
    expect(performance.now() - policyStarted).toBeLessThan(500);
  });

  test('modest reuse of anchors is fine', () => {
    const { source, diagnostics } = loadYaml('base: &b {x: 1}\nlist: [*b, *b, *b]\n', 'f.yml');
    expect(diagnostics).toEqual([]);
    expect(source?.value).toEqual({ base: { x: 1 }, list: [{ x: 1 }, { x: 1 }, { x: 1 }] });
  });

  test('positions follow aliases and merge keys to where the value is written', () => {
    const { source } = loadYaml('defaults: &d\n  port: bad\nhost:\n  <<: *d\n  user: x\n', 'f.yml');
    expect(positionOf(source!, ['host', 'port'], 'value')).toEqual({ line: 2, col: 9 });
    expect(positionOf(source!, ['host', 'user'], 'key')).toEqual({ line: 5, col: 3 });
    // A path that does not exist points at the deepest thing that does.
    expect(positionOf(source!, ['host', 'nothing', 'deeper'], 'value')).toEqual({ line: 3, col: 1 });
  });

  test('paths print like code', () => {
    expect(formatPath(['sshd', 'ClientAliveInterval'])).toBe('sshd.ClientAliveInterval');
    expect(formatPath(['all', 'hosts', 'web1.example.com', 'port'])).toBe('all.hosts["web1.example.com"].port');
    expect(formatPath(['client', 'users', 0])).toBe('client.users[0]');
  });

  test('did-you-mean: Levenshtein, folding case, _ and -', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(didYouMean('ClientAliveIntervall', ['ClientAliveInterval', 'ClientAliveCountMax'])).toBe('ClientAliveInterval');
    expect(didYouMean('identityfile', ['identity_file', 'user'])).toBe('identity_file');
    expect(didYouMean('banana', ['ClientAliveInterval'])).toBeUndefined();
  });
});
