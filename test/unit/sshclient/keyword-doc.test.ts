import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { clientKeywordReference } from '../../../src/core/sshclient/keyword-doc.js';

test('docs/ssh-keywords.md is the client keyword table rendered (npm run build && node scripts/gen-keyword-doc.mjs)', async () => {
  expect(await readFile('docs/ssh-keywords.md', 'utf8')).toBe(clientKeywordReference());
});
