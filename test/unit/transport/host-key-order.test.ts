import { describe, expect, it } from 'vitest';
import { hostKeyOrder } from '../../../src/transport/host-key-order.js';

describe('hostKeyOrder', () => {
  it('keeps ssh2 order when known_hosts has nothing for the host', () => {
    expect(hostKeyOrder([])).toEqual([
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
  });

  it('moves the known types first; an ssh-rsa key brings its rsa-sha2 signatures along', () => {
    const order = hostKeyOrder(['ssh-rsa']);
    expect(order.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(order.slice(3)[0]).toBe('ssh-ed25519');
    expect(hostKeyOrder(['ecdsa-sha2-nistp384'])[0]).toBe('ecdsa-sha2-nistp384');
  });

  it('never adds an algorithm known_hosts names but ssh2 does not offer', () => {
    expect(hostKeyOrder(['ssh-dss', 'sk-ssh-ed25519@openssh.com'])).toHaveLength(7);
    expect(hostKeyOrder(['ssh-dss'])).not.toContain('ssh-dss');
  });
});
