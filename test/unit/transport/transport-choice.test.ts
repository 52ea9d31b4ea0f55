import { describe, expect, it } from 'vitest';
import { certAuthoritiesFor, judgeHostKeyInFiles, parseKnownHosts } from '../../../src/transport/known-hosts.js';
import { chooseTransport } from '../../../src/transport/transport-choice.js';

const CA = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFy7lJlsLrZNWOQ3mSMDws61ybOjop/xg4Z3OqK8VYll';

describe('chooseTransport', () => {
  it('ssh2 when nothing needs a certificate', () => expect(chooseTransport({})).toEqual({ kind: 'ssh2' }));
  it.each([
    [{ certificateFile: '/c/me.cert' }, 'user certificate /c/me.cert'],
    [{ certificateBesideKey: '/k/id-cert.pub' }, 'user certificate /k/id-cert.pub'],
    [{ certAuthorityLine: '/kh:3' }, '@cert-authority at /kh:3'],
  ])('OpenSSH for %j', (facts, reason) => expect(chooseTransport(facts)).toEqual({ kind: 'openssh', reason }));
});

describe('certAuthoritiesFor', () => {
  const entries = parseKnownHosts(
    [`@cert-authority *.prod.example,!db*.prod.example ${CA}`, `@cert-authority [10.0.0.*]:2222 ${CA}`, `web1.prod.example ${CA}`, `@revoked * ${CA}`].join('\n'),
  );
  it('honours wildcards and negations, and only @cert-authority lines', () => {
    expect(certAuthoritiesFor(entries, 'web1.prod.example', 22).map((e) => e.line)).toEqual([1]);
    expect(certAuthoritiesFor(entries, 'db1.prod.example', 22)).toEqual([]);
    expect(certAuthoritiesFor(entries, 'web1.staging.example', 22)).toEqual([]);
  });
  it('looks a non-default port up as [host]:port, as ssh does', () => {
    expect(certAuthoritiesFor(entries, '10.0.0.7', 2222).map((e) => e.line)).toEqual([2]);
    expect(certAuthoritiesFor(entries, '10.0.0.7', 22)).toEqual([]);
  });
});

describe('judgeHostKeyInFiles', () => {
  const key = CA.split(' ')[1]!;
  const other = 'AAAAC3NzaC1lZDI1NTE5AAAAIJOKen6XHltStIAOsEvMT7D373Z9HBDqBEu7Pqtli4tQ';
  const blob = Buffer.from(key, 'base64');
  const file = (path: string, text: string) => ({ path, entries: parseKnownHosts(text) });
  it('a @revoked line in the system file refuses a key the user file trusts', () => {
    const v = judgeHostKeyInFiles([file('/u', `h1 ssh-ed25519 ${key}`), file('/g', `@revoked * ssh-ed25519 ${key}`)], 'h1', 22, blob);
    expect(v).toEqual({ kind: 'revoked', at: '/g:1' });
  });
  it('either file may trust; other keys in any file are a mismatch only when none trusts', () => {
    expect(judgeHostKeyInFiles([file('/u', `h1 ssh-ed25519 ${other}`), file('/g', `h1 ssh-ed25519 ${key}`)], 'h1', 22, blob)).toEqual({ kind: 'trusted' });
    expect(judgeHostKeyInFiles([file('/u', ''), file('/g', `h1 ssh-ed25519 ${other}\nh1 ssh-ed25519 ${other}`)], 'h1', 22, blob)).toEqual({
      kind: 'mismatch',
      at: ['/g:1,2'],
    });
    expect(judgeHostKeyInFiles([file('/u', ''), file('/g', '')], 'h1', 22, blob)).toEqual({ kind: 'unknown' });
  });
});
