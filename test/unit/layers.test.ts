/**
 * Layers point one way: core is pure and imports no other layer; facts read hosts over a
 * transport and hand core's plain data up, so they import nothing from the layers that use
 * them (engine, report, cli); the scripts both facts and engine run on hosts, and the reading
 * of their output, live in remote, which imports only core. Read from the sources, so a new import that crosses a line fails
 * here instead of in review.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative module a file names: `import … from`, `export … from`, `import '…'`, `import('…')`. */
function relativeImports(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g)].map((m) => m[2] as string).filter((s) => s.startsWith('.'));
}

/** `file -> module` (both relative to src/) for every import of a file under `layer` that leaves `allowed`. */
function crossings(layer: string, allowed: readonly string[]): string[] {
  return sources(join(SRC, layer)).flatMap((file) =>
    relativeImports(readFileSync(file, 'utf8'))
      .map((spec) => relative(SRC, resolve(dirname(file), spec)))
      .filter((target) => !allowed.some((a) => target.startsWith(`${a}/`)))
      .map((target) => `${relative(SRC, file)} -> ${target}`),
  );
}

describe('layers', () => {
  it('finds the imports it checks (the reader works)', () => {
    expect(relativeImports(readFileSync(join(SRC, 'core/host-plan.ts'), 'utf8')).length).toBeGreaterThan(3);
    expect(crossings('facts', ['facts'])).toContain('facts/index.ts -> core/errors.js');
  });

  it('core imports nothing outside core (node: builtins and packages only)', () => {
    expect(crossings('core', ['core'])).toEqual([]);
  });

  it('facts import only core, transport, the remote side and themselves', () => {
    expect(crossings('facts', ['facts', 'core', 'transport', 'remote'])).toEqual([]);
  });

  it('the remote side (the host scripts, their inputs and results) imports only core', () => {
    expect(crossings('remote', ['remote', 'core'])).toEqual([]);
  });
});
