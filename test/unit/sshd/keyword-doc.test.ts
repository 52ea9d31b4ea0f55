import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { keywordReference } from '../../../src/core/sshd/keyword-doc.js';

test('docs/sshd-keywords.md is the keyword table rendered (npm run build && node scripts/gen-keyword-doc.mjs)', async () => {
  expect(await readFile('docs/sshd-keywords.md', 'utf8')).toBe(keywordReference());
});
