/**
 * accept-new in a hashed known_hosts (issue 12, item 10): the new host is written hashed, the way
 * OpenSSH's HashKnownHosts would, and OpenSSH's own `ssh-keygen -F` finds it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { judgeHostKey } from '../../../src/transport/known-hosts.js';
import { hashedKnownHostsLine, KnownHostsStore } from '../../../src/transport/known-hosts-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-known-hosts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hostKey(name: string): { line: string; blob: Buffer } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  const [type, base64] = readFileSync(`${path}.pub`, 'utf8').split(' ');
  return { line: `${type} ${base64}`, blob: Buffer.from(base64!, 'base64') };
}
const existing = hostKey('existing');
const fresh = hostKey('fresh');

/** `ssh-keygen -F name -f file`: OpenSSH's own lookup; prints the matching lines. */
const sshKeygenFind = (file: string, name: string): { found: boolean; out: string } => {
  const run = spawnSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
  return { found: run.status === 0, out: run.stdout };
};

describe('KnownHostsStore.accept', () => {
  it('writes a hashed name into a file OpenSSH hashed, and ssh-keygen -F finds it', async () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, `127.0.1.200 ${existing.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file]); // real HashKnownHosts output
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);

    const store = new KnownHostsStore(file);
    await Promise.all([store.accept('127.0.1.7', 22, fresh.blob), store.accept('127.0.1.8', 2222, fresh.blob)]);

    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('127.0.1.7');
    expect(text).not.toContain('127.0.1.8');
    expect(text.trimEnd().split('\n').every((l) => l.startsWith('|1|'))).toBe(true);
    for (const name of ['127.0.1.7', '[127.0.1.8]:2222']) {
      const found = sshKeygenFind(file, name);
      expect(found.found, `ssh-keygen -F ${name}`).toBe(true);
      expect(found.out).toContain(fresh.line.split(' ')[1]);
    }
    expect(sshKeygenFind(file, '127.0.1.8').found).toBe(false);
    // fleet's own reader trusts what it wrote, in this run and the next.
    expect(judgeHostKey(await store.entries(), '127.0.1.7', 22, fresh.blob).kind).toBe('trusted');
    expect(judgeHostKey(await new KnownHostsStore(file).entries(), '127.0.1.8', 2222, fresh.blob).kind).toBe('trusted');
  });

  it('keeps plain names in a plain file', async () => {
    const file = join(dir, 'plain');
    writeFileSync(file, `127.0.1.200 ${existing.line}\n`);
    await new KnownHostsStore(file).accept('127.0.1.7', 22, fresh.blob);
    expect(readFileSync(file, 'utf8')).toBe(`127.0.1.200 ${existing.line}\n127.0.1.7 ${fresh.line}\n`);
  });

  it('hashes as OpenSSH does: same salt, same line as ssh-keygen -H', () => {
    const file = join(dir, 'compare');
    writeFileSync(file, `[127.0.1.9]:2200 ${existing.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
    const theirs = readFileSync(file, 'utf8').trim();
    const salt = Buffer.from(theirs.split('|')[2]!, 'base64');
    expect(hashedKnownHostsLine('127.0.1.9', 2200, existing.blob, salt)).toBe(theirs);
  });
});
