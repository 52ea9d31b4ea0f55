/** fleet's own version, from its package.json (beside dist/ when built, beside src/ in tests). */
import { readFileSync } from 'node:fs';

export const FLEET_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
