/**
 * Layers point one way: core is pure and imports no other layer; facts read hosts over a
 * transport and hand core's plain data up, so they import nothing from the layers that use
 * them (engine, report, cli). Read from the sources, so a new import that crosses a line fails
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
    expect(relativeImports(readFileSync(join(SRC, 'core/hostPlan.ts'), 'utf8')).length).toBeGreaterThan(3);
    expect(crossings('facts', ['facts'])).toContain('facts/index.ts -> core/errors.js');
  });

  it('core imports nothing outside core (node: builtins and packages only)', () => {
    expect(crossings('core', ['core'])).toEqual([]);
  });

  it('facts import only core, transport and themselves', () => {
    // The one known exception: the marker parser still lives beside the apply scripts; it moves
    // out of engine/scripts.ts with the shell scripts' move to .sh files.
    const knownExceptions = ['facts/clients.ts -> engine/scripts.js'];
    expect(crossings('facts', ['facts', 'core', 'transport']).filter((c) => !knownExceptions.includes(c))).toEqual([]);
  });
});
