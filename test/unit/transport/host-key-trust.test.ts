/**
 * The host-key verdict over several known_hosts files (UserKnownHostsFile + GlobalKnownHostsFile),
 * with real keys: any file may trust, any file's @revoked refuses, a host known only with other
 * keys is a mismatch naming every file and line, a missing file counts as empty.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeAcross, knownTypesAcross } from '../../../src/transport/host-key-trust.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts-store.js';

let dir: string;
let key: string;
let other: string;

function publicKey(name: string): string {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-trust-'));
  key = publicKey('k');
  other = publicKey('o');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const blob = (pub: string) => Buffer.from(pub.split(' ')[1]!, 'base64');

function stores(...texts: (string | null)[]): KnownHostsStore[] {
  return texts.map((text, i) => {
    const path = join(dir, `kh${i}-${Math.random().toString(36).slice(2)}`);
    if (text !== null) writeFileSync(path, text);
    return new KnownHostsStore(path);
  });
}

describe('judgeAcross', () => {
  it('a key trusted in the second (global) file is trusted; a missing file counts as empty', async () => {
    expect(await judgeAcross(stores(null, `web ${other}\n`, `web ${key}\n`), 'web', 22, blob(key))).toEqual({ kind: 'trusted' });
  });

  it('@revoked in any file refuses, even when another file trusts the key', async () => {
    const s = stores(`web ${key}\n`, `# global\n@revoked * ${key}\n`);
    expect(await judgeAcross(s, 'web', 22, blob(key))).toEqual({ kind: 'revoked', place: `${s[1]!.path}:2` });
  });

  it('known only with other keys: a mismatch naming every file and line', async () => {
    const s = stores(`web ${other}\n`, `x ${key}\n[web]:2222 ${other}\nweb ${other}\n`);
    expect(await judgeAcross(s, 'web', 22, blob(key))).toEqual({ kind: 'mismatch', places: [`${s[0]!.path}:1`, `${s[1]!.path}:3`] });
    expect(await judgeAcross(s, 'nowhere', 22, blob(key))).toEqual({ kind: 'unknown' });
    expect(await knownTypesAcross(s, 'web', 2222)).toEqual(['ssh-ed25519']);
  });
});
