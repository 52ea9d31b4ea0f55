#!/usr/bin/env node
/**
 * Writes docs/sshd-keywords.md from the keyword table (run `npm run build` first: the table is
 * TypeScript, read here from dist/). test/unit/sshd/keyword-doc.test.ts holds the file to it.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { keywordReference } = await import(path.join(root, 'dist/core/sshd/keyword-doc.js'));
await writeFile(path.join(root, 'docs/sshd-keywords.md'), keywordReference());
console.log('wrote docs/sshd-keywords.md');
