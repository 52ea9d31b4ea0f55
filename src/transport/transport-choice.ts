/**
 * Which client reaches a host. ssh2 (in-process, cheapest) unless the host needs what ssh2
 * cannot do: it neither presents user certificates nor accepts certificate host keys
 * (mscdex/ssh2#551). Those hosts go through the system's OpenSSH client, which implements
 * both, with every certificate check (CA signature, validity, principals, type, @revoked)
 * done by ssh itself. Pure: the connector gathers the facts.
 */

/** What the connector knows about a host before connecting. */
export interface TransportFacts {
  /** A user certificate configured for the host (CertificateFile). */
  certificateFile?: string;
  /** `<identity>-cert.pub`, when that file exists beside the identity (ssh loads it by itself). */
  certificateBesideKey?: string;
  /** `file:line` of a @cert-authority line whose patterns cover the host. */
  certAuthorityLine?: string;
}

export type TransportChoice = { kind: 'ssh2' } | { kind: 'openssh'; reason: string };

export function chooseTransport(facts: TransportFacts): TransportChoice {
  if (facts.certificateFile !== undefined) return { kind: 'openssh', reason: `user certificate ${facts.certificateFile}` };
  if (facts.certificateBesideKey !== undefined) return { kind: 'openssh', reason: `user certificate ${facts.certificateBesideKey}` };
  if (facts.certAuthorityLine !== undefined) return { kind: 'openssh', reason: `@cert-authority at ${facts.certAuthorityLine}` };
  return { kind: 'ssh2' };
}
