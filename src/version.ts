/**
 * fleet's own version, from its package.json: the nearest one above this module (dist/ when
 * built, src/ in tests, dist-bench/src/ in the bench, node_modules/fleet/dist/ when installed).
 */
import { existsSync, readFileSync } from 'node:fs';

function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url), i = 0; i < 5; dir = new URL('..', dir), i++) {
    const file = new URL('package.json', dir);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

export const FLEET_VERSION = packageVersion();
