import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { inventorySchema } from '../../../src/core/generated/inventory.js';
import { policySchema } from '../../../src/core/generated/policy.js';

interface Generator {
  generate: () => Promise<Map<string, string>>;
}

test('generated types, embedded schemas and precompiled validators are up to date with schemas/*.json', async () => {
  // A non-literal specifier: the script is plain JavaScript outside the typed project.
  const script = pathToFileURL(path.resolve('scripts/gen-types.mjs')).href;
  const { generate } = (await import(script)) as Generator;
  const files = await generate();
  expect([...files.keys()].map((f) => path.relative(process.cwd(), f)).sort()).toEqual([
    'src/core/generated/inventory.ts',
    'src/core/generated/inventory.validate.ts',
    'src/core/generated/policy.ts',
    'src/core/generated/policy.validate.ts',
  ]);
  for (const [file, text] of files) {
    const onDisk = await readFile(file, 'utf8');
    expect(onDisk, `${file} is stale: run node scripts/gen-types.mjs`).toBe(text);
  }
});

test('the embedded schemas are the JSON files', async () => {
  expect(inventorySchema).toEqual(JSON.parse(await readFile('schemas/inventory.schema.json', 'utf8')));
  expect(policySchema).toEqual(JSON.parse(await readFile('schemas/policy.schema.json', 'utf8')));
});
