/** What the bench needs from Debian beyond the test suite's packages, installed when missing. */
import { execFileSync } from 'node:child_process';
import { findProgram } from '../src/lab/proc.js';

/** The path of `program` on PATH, installing Debian's `pkg` first when there is none. */
export function ensureProgram(program: string, pkg: string, log: (line: string) => void): string {
  const found = findProgram(program);
  if (found) return found;
  log(`${program} is missing: apt-get install ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  const installed = findProgram(program);
  if (!installed) throw new Error(`apt-get installed ${pkg} but ${program} is still not on PATH`);
  return installed;
}
