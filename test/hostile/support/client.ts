/**
 * Hostile ssh_config files for fuzzing: arbitrary text, and the files under
 * test/fixtures/hostile/ssh_config mutated like the sshd corpus (see ./trees.ts).
 *
 * No inserted line uses `Match exec`: `ssh -G` runs that command, and these files are judged
 * by the real `ssh -G`. Every host-specific block inserted here misses `PROBE_HOST`, so
 * `ssh -G PROBE_HOST` shows what an arbitrary host gets, which is what the planner promises.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { DesiredDirectives } from '../../../src/core/sshd/index.js';
import { arbitraryText, mutateText, textMutation } from './trees.js';

export const PROBE_HOST = 'fleet-probe';
const FIXTURES = fileURLToPath(new URL('../../fixtures/hostile/ssh_config/', import.meta.url));

/** name → text of each ssh_config fixture. */
export const CLIENT_CORPUS: ReadonlyMap<string, string> = new Map(
  readdirSync(FIXTURES)
    .filter((name) => name !== 'README.md')
    .sort()
    .map((name) => [name, readFileSync(join(FIXTURES, name), 'latin1')]),
);

/** Values as a validated policy's `client:` hands them over: seconds, integers, yes/no. */
export const clientDesired: fc.Arbitrary<DesiredDirectives> = fc
  .record(
    {
      ServerAliveInterval: fc.constantFrom('0', '15', '60', '240', '2147483647'),
      ServerAliveCountMax: fc.constantFrom('0', '3', '5'),
      TCPKeepAlive: fc.constantFrom('yes', 'no'),
    },
    { requiredKeys: [] },
  )
  .filter((d) => Object.keys(d).length > 0);

const clientLine: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      'ServerAliveInterval 0',
      'ServerAliveInterval 30',
      'serveraliveinterval=4m',
      '  ServerAliveInterval\t1h # tuned',
      'ServerAliveInterval "45"',
      'ServerAliveCountMax 010',
      'serveralivecountmax = 2',
      'TCPKeepAlive no',
      'KeepAlive yes',
      'tcpkeepalive=YES',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('ServerAliveInterval abc', 'ServerAliveInterval', 'ServerAliveCountMax -1', 'TCPKeepAlive perhaps', 'ServerAliveInterval "open') },
  {
    weight: 3,
    arbitrary: fc.constantFrom('Host *', 'host *', 'Host * !fleet-probe', 'Host web-*', 'HOST bastion', 'Match all', 'Match host db-*', 'Match originalhost *.example.com', 'Host', 'Match'),
  },
  { weight: 2, arbitrary: fc.constantFrom('Include /etc/ssh/ssh_config.d/*.conf', 'Include ~/.ssh/config.d/*', 'Include /nonexistent/*.conf', 'Include /etc/ssh/[z-a].conf') },
  { weight: 2, arbitrary: fc.constantFrom('ForwardAgent no', 'User deploy', 'Port 2222', 'Compression yes', 'IdentityFile ~/.ssh/id_ed25519', 'NoSuchOption yes') },
  { weight: 2, arbitrary: fc.constantFrom('', '# comment', '#ServerAliveInterval 0', '  ', '\t') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

export interface MutatedClientConfig {
  corpus: string;
  text: string;
  desired: DesiredDirectives;
}

export const mutatedClientConfig: fc.Arbitrary<MutatedClientConfig> = fc
  .record({ corpus: fc.constantFrom(...CLIENT_CORPUS.keys()), mutations: fc.array(textMutation(clientLine), { minLength: 1, maxLength: 5 }), desired: clientDesired })
  .map(({ corpus, mutations, desired }) => ({
    corpus,
    text: mutations.reduce((text, m) => mutateText(text, m), CLIENT_CORPUS.get(corpus)!),
    desired,
  }));

/** Arbitrary text, or no file at all. */
export const arbitraryClientText: fc.Arbitrary<string | null> = fc.option(fc.oneof(arbitraryText, clientLine), { freq: 8 });
