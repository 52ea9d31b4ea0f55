/**
 * One file-naming convention: every source, test and script file is named in lower-case words
 * joined by dashes (`host-plan.ts`, `keyword-table.generated.ts`), the way most of the tree
 * already was; a camelCase name makes the next reader guess which spelling a module has.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FOLDERS = ['src', 'test/unit', 'test/integration', 'test/faults', 'test/hostile', 'test/verify', 'test/helpers', 'test/lab', 'test/setup', 'scripts', 'bench'];
const NAME = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'results' ? [] : sources(path);
    return /\.(ts|mjs|sh)$/.test(e.name) ? [path] : [];
  });
}

test('every source, test and script file name is lower-case words joined by dashes', () => {
  const files = FOLDERS.flatMap((f) => sources(join(ROOT, f)));
  expect(files.length).toBeGreaterThan(200);
  expect(files.filter((f) => !NAME.test(f.slice(f.lastIndexOf('/') + 1))).map((f) => relative(ROOT, f))).toEqual([]);
});
