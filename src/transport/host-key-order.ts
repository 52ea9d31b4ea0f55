/**
 * Which host-key algorithms to offer first. Pure: tested without a network.
 */

/** ssh2 1.x's default host-key preference; reordered per host, never extended. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;

/**
 * ssh2's host-key algorithms with the ones `known_hosts` has for this host first, so the server
 * shows the key that can be checked rather than another one that would read as unknown.
 */
export function hostKeyOrder(preferred: readonly string[]): string[] {
  // An `ssh-rsa` known_hosts key is served with rsa-sha2-* signatures.
  const wanted = (alg: string) => preferred.includes(alg.startsWith('rsa-sha2-') ? 'ssh-rsa' : alg);
  return [...HOST_KEY_ALGORITHMS.filter(wanted), ...HOST_KEY_ALGORITHMS.filter((a) => !wanted(a))];
}
