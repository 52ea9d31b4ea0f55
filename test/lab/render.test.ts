import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inventoryYaml, knownHostsLine, parseSshdT } from '../../src/lab/render.js';

describe('inventoryYaml', () => {
  const hosts = [
    { name: 'lab01', address: '127.0.1.1', port: 22, shape: 'debian12' },
    { name: 'lab02', address: '127.0.1.2', port: 22, shape: 'cloud-zero' },
    { name: 'lab03', address: '127.0.1.3', port: 2222, shape: 'debian12' },
  ];

  it('groups hosts by shape under all.children with shared connection vars on all', () => {
    const doc = parse(inventoryYaml(hosts, '/tmp/lab x/client_ed25519')) as {
      all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, unknown>> }> };
    };
    expect(doc.all.vars).toEqual({ user: 'root', identity_file: '/tmp/lab x/client_ed25519' });
    expect(Object.keys(doc.all.children)).toEqual(['debian12', 'cloud-zero']);
    expect(doc.all.children['debian12']!.hosts).toEqual({ lab01: { address: '127.0.1.1' }, lab03: { address: '127.0.1.3', port: 2222 } });
    expect(doc.all.children['cloud-zero']!.hosts).toEqual({ lab02: { address: '127.0.1.2' } });
  });
});

describe('knownHostsLine', () => {
  const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJWqrCEjtYchH49DaJFG2i/T1DpwxDwymD1n2/pHbVfw root@lab01\n';
  it('writes the bare address for port 22 and drops the key comment', () => {
    expect(knownHostsLine('127.0.1.1', 22, pub)).toBe('127.0.1.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJWqrCEjtYchH49DaJFG2i/T1DpwxDwymD1n2/pHbVfw');
  });
  it('brackets the host with any other port, as OpenSSH does', () => {
    expect(knownHostsLine('127.0.1.1', 2222, pub)).toMatch(/^\[127\.0\.1\.1\]:2222 ssh-ed25519 AAAA/);
  });
  it('refuses text that is not a public key', () => {
    expect(() => knownHostsLine('127.0.1.1', 22, 'garbage')).toThrow(/not an OpenSSH public key/);
  });
});

describe('parseSshdT', () => {
  // Recorded from a lab host of shape crlf-equals: `nsenter -t <pid> -m /usr/sbin/sshd -T`.
  const recorded = readFileSync(new URL('./fixtures/sshd-T-crlf-equals.txt', import.meta.url), 'utf8');
  const config = parseSshdT(recorded);

  it('reads single-valued keywords as plain strings', () => {
    expect(config['clientaliveinterval']).toBe('120');
    expect(config['clientalivecountmax']).toBe('5');
    expect(config['usepam']).toBe('yes');
    expect(config['subsystem']).toBe('sftp /usr/lib/openssh/sftp-server');
  });

  it('joins keywords printed once per value, in order', () => {
    expect(config['acceptenv']).toBe('LANG\nLC_*');
    expect(config['listenaddress']).toBe('[::]:22\n0.0.0.0:22');
  });

  it('has one entry per distinct keyword of the output', () => {
    const keywords = new Set(recorded.split('\n').filter(Boolean).map((l) => l.split(' ')[0]!.toLowerCase()));
    expect(Object.keys(config).sort()).toEqual([...keywords].sort());
  });

  it('lowercases keywords and keeps a keyword with no value', () => {
    expect(parseSshdT('ClientAliveInterval 30\nBanner\n')).toEqual({ clientaliveinterval: '30', banner: '' });
  });
});
