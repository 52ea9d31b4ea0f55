#!/usr/bin/env node
/**
 * Writes docs/sshd-keywords.md and docs/ssh-keywords.md from the sshd and ssh_config keyword
 * tables (run `npm run build` first: the tables are TypeScript, read here from dist/).
 * test/unit/sshd/keyword-doc.test.ts and test/unit/sshclient/keyword-doc.test.ts hold the files to them.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { keywordReference } = await import(path.join(root, 'dist/core/sshd/keyword-doc.js'));
await writeFile(path.join(root, 'docs/sshd-keywords.md'), keywordReference());
console.log('wrote docs/sshd-keywords.md');
const { clientKeywordReference } = await import(path.join(root, 'dist/core/sshclient/keyword-doc.js'));
await writeFile(path.join(root, 'docs/ssh-keywords.md'), clientKeywordReference());
console.log('wrote docs/ssh-keywords.md');
