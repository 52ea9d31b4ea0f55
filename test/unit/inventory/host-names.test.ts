import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { HostKeyError, expandHostKey, isAddress } from '../../../src/core/inventory/host-names.js';
import { parseInventory, selectHosts } from '../../../src/core/inventory/index.js';

describe('host keys', () => {
  test('ports and IPv6', () => {
    expect(expandHostKey('db1.example.com:2222')).toEqual({ names: ['db1.example.com'], port: 2222 });
    expect(expandHostKey('[2001:db8::1]:22')).toEqual({ names: ['2001:db8::1'], port: 22 });
    expect(expandHostKey('[2001:db8::1]')).toEqual({ names: ['2001:db8::1'] });
    expect(expandHostKey('fe80::1%eth0')).toEqual({ names: ['fe80::1%eth0'] });
    expect(expandHostKey('web[1:2]:2200')).toEqual({ names: ['web1', 'web2'], port: 2200 });
    expect(() => expandHostKey('db1:70000')).toThrow(HostKeyError);
  });

  test('several ranges expand left to right', () => {
    expect(expandHostKey('r[1:2]-n[a:b]').names).toEqual(['r1-na', 'r1-nb', 'r2-na', 'r2-nb']);
  });

  test('property: a numeric range expands to end - begin + 1 names, padded when asked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 300 }), fc.boolean(), (begin, span, padded) => {
        const end = begin + span;
        const width = String(end).length + 1;
        const b = padded ? String(begin).padStart(width, '0') : String(begin);
        const e = padded ? String(end).padStart(width, '0') : String(end);
        const names = expandHostKey(`h[${b}:${e}].example.com`).names;
        expect(names).toHaveLength(span + 1);
        expect(names[0]).toBe(`h${b}.example.com`);
        expect(names[names.length - 1]).toBe(`h${e}.example.com`);
        expect(new Set(names).size).toBe(names.length);
        if (padded) expect(names.every((n) => n.length === `h.example.com`.length + width)).toBe(true);
      }),
    );
  });

  test('addresses: names, IPv4, IPv6; never a leading dash or shell characters', () => {
    for (const ok of ['web1', 'web-1.example.com', '192.0.2.1', '2001:db8::1', 'under_score']) expect(isAddress(ok), ok).toBe(true);
    for (const bad of ['-oProxyCommand', 'a b', 'a;b', '$(x)', '`x`', "a'b", 'a\nb', '', 'a#b']) expect(isAddress(bad), bad).toBe(false);
  });
});

describe('pattern laws on a random inventory', () => {
  const groupNames = ['web', 'db', 'eu', 'us'];
  const arbitraryInventory = fc.array(fc.subarray(groupNames), { minLength: 1, maxLength: 12 }).map((memberships) => {
    const groups = new Map(groupNames.map((g) => [g, [] as string[]]));
    memberships.forEach((member, i) => member.forEach((g) => groups.get(g)!.push(`h${i}`)));
    const lines = ['all:', '  hosts:', ...memberships.map((_, i) => `    h${i}:`), '  children:'];
    for (const [g, hosts] of groups) lines.push(`    ${g}:`, ...(hosts.length > 0 ? ['      hosts:', ...hosts.map((h) => `        ${h}:`)] : []));
    return parseInventory(`${lines.join('\n')}\n`, 'i.yml', { user: 'root' });
  });
  const names = (inv: Parameters<typeof selectHosts>[0], p: string): string[] => selectHosts(inv, p).map((h) => h.name);

  test('a:b = b:a, a:&b ⊆ a, a:!a = ∅, !b = all:!b, every result in inventory order', () => {
    fc.assert(
      fc.property(arbitraryInventory, fc.constantFrom(...groupNames), fc.constantFrom(...groupNames), (inv, a, b) => {
        const order = [...inv.hosts.keys()];
        expect(names(inv, `${a}:${b}`)).toEqual(names(inv, `${b},${a}`));
        expect(names(inv, `${a}:&${b}`).every((h) => inv.groups.get(a)!.includes(h) && inv.groups.get(b)!.includes(h))).toBe(true);
        expect(names(inv, `${a}:!${a}`)).toEqual([]);
        expect(names(inv, `!${b}`)).toEqual(names(inv, `all:!${b}`));
        const union = names(inv, `${a}:${b}`);
        expect(union).toEqual([...union].sort((x, y) => order.indexOf(x) - order.indexOf(y)));
      }),
    );
  });
});
