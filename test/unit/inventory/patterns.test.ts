import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { HostPatternError, parseHostPattern, parseInventory, selectHosts } from '../../../src/core/inventory/index.js';
import { globToRegExp } from '../../../src/core/inventory/pattern.js';

// web1..web3 in web; db1, db2 in db; web1 and db1 in staging, the rest in prod.
const inv = parseInventory(
  `all:
  hosts:
    lonely.example.com:
  children:
    web:
      hosts:
        web1:
        web2:
        web3:
    db:
      hosts:
        db1:
        db2:
    staging:
      hosts:
        web1:
        db1:
    prod:
      hosts:
        web2:
        web3:
        db2:
    ipv6:
      hosts:
        2001:db8::1:
`,
  'inventory.yml',
  { user: 'root' },
);
const select = (pattern: string): string[] => selectHosts(inv, pattern).map((h) => h.name);
const everyone = ['lonely.example.com', 'web1', 'web2', 'web3', 'db1', 'db2', '2001:db8::1'];

describe('host patterns', () => {
  test('all and * select every host, in inventory order', () => {
    expect(select('all')).toEqual(everyone);
    expect(select('*')).toEqual(everyone);
  });

  test('group and host names', () => {
    expect(select('web')).toEqual(['web1', 'web2', 'web3']);
    expect(select('db2')).toEqual(['db2']);
    expect(select('ungrouped')).toEqual(['lonely.example.com']);
  });

  test('union with : or , ; results come back in inventory order', () => {
    expect(select('db:web')).toEqual(['web1', 'web2', 'web3', 'db1', 'db2']);
    expect(select('db1, web3')).toEqual(['web3', 'db1']);
  });

  test('intersection and exclusion', () => {
    expect(select('web:&staging')).toEqual(['web1']);
    expect(select('all:!web')).toEqual(['lonely.example.com', 'db1', 'db2', '2001:db8::1']);
    expect(select('!staging')).toEqual(['lonely.example.com', 'web2', 'web3', 'db2', '2001:db8::1']);
    expect(select('&db')).toEqual(['db1', 'db2']);
  });

  test('unions first, then intersections, then exclusions, whatever the written order', () => {
    // Left to right this would be ((web ∖ web2) ∩ prod) ∪ db = web3, db1, db2.
    expect(select('web:!web2:&prod:db')).toEqual(['web3', 'db2']);
    expect(select('!web1,&web,db,web')).toEqual(['web2', 'web3']);
  });

  test('fnmatch globs on group and host names', () => {
    expect(select('web*')).toEqual(['web1', 'web2', 'web3']);
    expect(select('d?1')).toEqual(['db1']);
    expect(select('*.example.com')).toEqual(['lonely.example.com']);
    expect(select('web[!2]')).toEqual(['web1', 'web3']);
    expect(select('[dw]*1')).toEqual(['web1', 'db1']);
    // * matches groups too, so st* is the staging group.
    expect(select('st*')).toEqual(['web1', 'db1']);
  });

  test('regexes after ~ match from the start of the name', () => {
    expect(select('~web[13]')).toEqual(['web1', 'web3']);
    expect(select('~(db|web)2')).toEqual(['web2', 'db2']);
    expect(select('~eb')).toEqual([]);
  });

  test('subscripts pick from a group, as Ansible does (db[1] is not a character class)', () => {
    expect(select('web[0]')).toEqual(['web1']);
    expect(select('web[-1]')).toEqual(['web3']);
    expect(select('web[0:1]')).toEqual(['web1', 'web2']);
    expect(select('web[1:]')).toEqual(['web2', 'web3']);
    expect(select('db[1]')).toEqual(['db2']);
    expect(select('db[7]')).toEqual([]);
  });

  test('an IPv6 address is one term, not split on its colons', () => {
    expect(select('2001:db8::1')).toEqual(['2001:db8::1']);
  });

  test('a pattern that matches nothing returns empty, for the caller to report', () => {
    expect(select('nosuchgroup')).toEqual([]);
    expect(select('web:&db')).toEqual([]);
  });

  test('malformed patterns throw a ConfigError naming the pattern', () => {
    for (const bad of ['', '   ', 'web:!', 'web,&', 'web[1', 'web]', '~(', 'web:!!db', 'a\nb']) {
      expect(() => selectHosts(inv, bad), JSON.stringify(bad)).toThrow(ConfigError);
    }
    try {
      selectHosts(inv, 'web:!', { file: 'policy.yml', line: 3, col: 8 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HostPatternError);
      expect((error as ConfigError).diagnostics[0]).toMatchObject({ file: 'policy.yml', line: 3, col: 8 });
      expect((error as ConfigError).message).toBe('policy.yml:3:8: host pattern "web:!" has "!" with nothing to exclude');
    }
  });

  test('parseHostPattern orders terms for evaluation', () => {
    expect(parseHostPattern('!a:&b:c').map((t) => `${t.operation} ${t.expression}`)).toEqual([
      'union c',
      'intersection b',
      'exclusion a',
    ]);
    expect(parseHostPattern('!a').map((t) => t.expression)).toEqual(['all', 'a']);
  });

  test('globs escape regex characters and are case-sensitive', () => {
    expect(globToRegExp('a.b+c').test('a.b+c')).toBe(true);
    expect(globToRegExp('a.b+c').test('axbbc')).toBe(false);
    expect(globToRegExp('Web*').test('web1')).toBe(false);
  });
});

test('commas and colons mix (fleet splits comma pieces on colons too)', () => {
  // Unions first: (web ∪ db2) ∩ staging.
  expect(select('web:&staging,db2')).toEqual(['web1']);
  expect(select('web:!web1,db1')).toEqual(['web2', 'web3', 'db1']);
  expect(select('2001:db8::1,db1')).toEqual(['db1', '2001:db8::1']);
});
