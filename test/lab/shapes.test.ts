import { describe, expect, it } from 'vitest';
import { SHAPES, SHAPE_NAMES } from '../../src/lab/index.js';
import { DEBIAN_12_MAIN, replaceLine } from '../../src/lab/shapes/base.js';

/** Directive lines of a file (comments and blanks dropped), keyword lowercased, `=` separator accepted. */
function directives(text: string): Array<{ keyword: string; value: string }> {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(l);
      return { keyword: (m?.[1] ?? l).toLowerCase(), value: (m?.[2] ?? '').trim() };
    });
}

function allDirectives(files: Record<string, string>): Array<{ file: string; keyword: string; value: string }> {
  return Object.entries(files).flatMap(([file, text]) => directives(text).map((d) => ({ file, ...d })));
}

describe('lab shapes', () => {
  it('provides every shape the lab promises', () => {
    expect(SHAPE_NAMES).toEqual(
      expect.arrayContaining(['debian12', 'ubuntu-cloud', 'cloud-zero', 'rhel9', 'match-blocks', 'already-set', 'crlf-equals', 'no-include', 'twice', 'nested-include']),
    );
  });

  it.each(SHAPE_NAMES)('%s: one host key, the per-host ed25519, and no listener directives', (name) => {
    const { files } = SHAPES[name]!;
    expect(files['sshd_config']).toBeDefined();
    const all = allDirectives(files);
    expect(all.filter((d) => d.keyword === 'hostkey').map((d) => d.value)).toEqual(['/etc/ssh/ssh_host_ed25519_key']);
    expect(all.filter((d) => d.keyword === 'listenaddress' || d.keyword === 'port')).toEqual([]);
  });

  it.each(SHAPE_NAMES)('%s: every Include resolves inside the shape and every file path stays in /etc/ssh', (name) => {
    const { files } = SHAPES[name]!;
    for (const file of Object.keys(files)) expect(file).not.toMatch(/^\/|(^|\/)\.\.(\/|$)/);
    for (const inc of allDirectives(files).filter((d) => d.keyword === 'include')) {
      // sshd resolves a relative Include against /etc/ssh.
      const rel = inc.value.replace(/^\/etc\/ssh\//, '');
      expect(rel, `${inc.file}: Include ${inc.value} points outside /etc/ssh`).not.toMatch(/^\//);
      const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
      // A glob needs its directory (sshd is fine with no match, but a missing directory is not
      // a layout any distribution ships); a plain path needs the file itself.
      if (rel.includes('*')) expect(Object.keys(files).some((f) => f.startsWith(dir)), `${inc.file}: Include ${inc.value}: no ${dir}`).toBe(true);
      else expect(Object.keys(files)).toContain(rel);
    }
  });

  it('debian12 has the Include first and an empty drop-in directory', () => {
    const { files } = SHAPES['debian12']!;
    expect(directives(files['sshd_config']!)[0]).toEqual({ keyword: 'include', value: '/etc/ssh/sshd_config.d/*.conf' });
    expect(Object.keys(files).sort()).toEqual(['sshd_config', 'sshd_config.d/']);
    expect(files['sshd_config']).toContain('UsePAM yes');
  });

  it('cloud-zero: a drop-in sets 0 while the main file sets something else, later', () => {
    const { files } = SHAPES['cloud-zero']!;
    const dropIns = Object.entries(files).filter(([f]) => f.startsWith('sshd_config.d/'));
    expect(dropIns.flatMap(([, t]) => directives(t)).find((d) => d.keyword === 'clientaliveinterval')?.value).toBe('0');
    const main = directives(files['sshd_config']!);
    const include = main.findIndex((d) => d.keyword === 'include');
    const own = main.findIndex((d) => d.keyword === 'clientaliveinterval');
    expect(include).toBe(0);
    expect(own).toBeGreaterThan(include);
    expect(main[own]!.value).not.toBe('0');
  });

  it('already-set: 298 and 50 precede the Include', () => {
    const main = directives(SHAPES['already-set']!.files['sshd_config']!);
    const at = (k: string): number => main.findIndex((d) => d.keyword === k);
    expect(main[at('clientaliveinterval')]!.value).toBe('298');
    expect(main[at('clientalivecountmax')]!.value).toBe('50');
    expect(at('clientaliveinterval')).toBeLessThan(at('include'));
    expect(at('clientalivecountmax')).toBeLessThan(at('include'));
  });

  it('crlf-equals: only CRLF line ends, = separator, mixed case, tabs, trailing comments', () => {
    const text = SHAPES['crlf-equals']!.files['sshd_config']!;
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    expect(text).toContain('ClientAliveInterval=120');
    expect(text).toMatch(/\t/);
    expect(text).toMatch(/^[a-z]+[A-Z]/m); // a keyword not in canonical case, e.g. permitRootLogin
    expect(text).toMatch(/^\S.*\S\s+#/m); // a directive followed by a comment
  });

  it('no-include: no Include, and ClientAliveInterval is the last global setting group', () => {
    const main = directives(SHAPES['no-include']!.files['sshd_config']!);
    expect(main.some((d) => d.keyword === 'include')).toBe(false);
    expect(main.findIndex((d) => d.keyword === 'clientaliveinterval')).toBeGreaterThan(main.findIndex((d) => d.keyword === 'subsystem'));
    expect(Object.keys(SHAPES['no-include']!.files)).toEqual(['sshd_config']);
  });

  it('twice: two global ClientAliveInterval lines, first 60', () => {
    const values = directives(SHAPES['twice']!.files['sshd_config']!).filter((d) => d.keyword === 'clientaliveinterval');
    expect(values.map((d) => d.value)).toEqual(['60', '300']);
  });

  it('match-blocks: a global value before the first Match, and a value inside each Match', () => {
    const main = directives(SHAPES['match-blocks']!.files['sshd_config']!);
    const firstMatch = main.findIndex((d) => d.keyword === 'match');
    expect(main.slice(0, firstMatch).find((d) => d.keyword === 'clientaliveinterval')?.value).toBe('60');
    const matches = main.map((d, i) => ({ ...d, i })).filter((d) => d.keyword === 'match');
    expect(matches.map((m) => m.value)).toEqual(['User backup', 'Address 10.0.0.0/8']);
    for (const [k, m] of matches.entries()) {
      const end = matches[k + 1]?.i ?? main.length;
      expect(main.slice(m.i + 1, end).some((d) => d.keyword === 'clientaliveinterval')).toBe(true);
    }
  });

  it('nested-include: a relative Include, and an included file that includes another', () => {
    const { files } = SHAPES['nested-include']!;
    expect(directives(files['sshd_config']!).find((d) => d.keyword === 'include')?.value).toBe('conf.d/*.conf');
    const nested = Object.entries(files).filter(([f, t]) => f.startsWith('conf.d/') && directives(t).some((d) => d.keyword === 'include'));
    expect(nested.map(([f]) => f)).toEqual(['conf.d/10-hardening.conf']);
  });

  it('replaceLine refuses a line that is absent or not unique', () => {
    expect(() => replaceLine(DEBIAN_12_MAIN, '#NoSuchLine yes', 'x')).toThrow(/exactly one line/);
    expect(() => replaceLine('a\nb\na\n', 'a', 'x')).toThrow(/exactly one line/);
    expect(replaceLine('a\nb\n', 'b', 'c\nd')).toBe('a\nc\nd\n');
  });
});
