/**
 * Hand annotations of the sshd keywords OpenSSH's keyword tables do not describe: the value
 * type (from sshd_config(5) and servconf.c's process_server_config_line), how repeated lines
 * combine, how `sshd -T` prints the value, and a sample value sshd accepts. Every keyword the
 * generated table marks `option` or `build` (aliases aside) has an entry; a unit test holds
 * that, and test/verify/sshd-keywords-real.test.ts holds the samples against the real sshd.
 */
import type { KeywordAnnotation, Printed, ValueType } from './keyword-types.js';

const INT_MAX = 2147483647;

const flag = (sample = 'yes', dflt?: string): KeywordAnnotation => ({ type: { kind: 'flag' }, combine: 'first', printed: 'lower', sample, ...(dflt ? { default: dflt } : {}) });
const enumeration = (words: readonly string[], sample: string, printed: Printed = 'lower'): KeywordAnnotation => ({ type: { kind: 'enum', words }, combine: 'first', printed, sample });
const integer = (min: number, sample: string, dflt?: string, words?: readonly string[]): KeywordAnnotation => ({
  type: { kind: 'integer', min, max: INT_MAX, ...(words ? { words } : {}) },
  combine: 'first',
  printed: 'integer',
  sample,
  ...(dflt ? { default: dflt } : {}),
});
const time = (sample: string, dflt?: string, words?: readonly string[]): KeywordAnnotation => ({ type: { kind: 'time', ...(words ? { words } : {}) }, combine: 'first', printed: 'seconds', sample, ...(dflt ? { default: dflt } : {}) });
const word = (sample: string, combine: KeywordAnnotation['combine'] = 'first'): KeywordAnnotation => ({ type: { kind: 'word' }, combine, printed: 'as-is', sample });
const text = (sample: string): KeywordAnnotation => ({ type: { kind: 'text' }, combine: 'first', printed: 'as-is', sample });
const algorithms = (sample: string): KeywordAnnotation => ({ type: { kind: 'algorithms' }, combine: 'first', printed: 'as-is', sample });
const list = (sample: string, combine: 'accumulate' | 'first-line'): KeywordAnnotation => ({ type: { kind: 'list' }, combine, printed: 'as-is', sample });
const special = (pattern: string, describe: string, sample: string, printed: Printed, combine: KeywordAnnotation['combine'] = 'first'): KeywordAnnotation => ({
  type: { kind: 'special', pattern, describe },
  combine,
  printed,
  sample,
});
const structure = (sample: string): KeywordAnnotation => ({ type: { kind: 'text' }, combine: 'structure', printed: 'as-is', sample });

const FORWARDING = ['yes', 'all', 'no', 'local', 'remote'];
const FORWARDING_PRINTED: Printed = { words: { yes: 'yes', all: 'yes', no: 'no', local: 'local', remote: 'remote' } };
const LOG_LEVELS = ['QUIET', 'FATAL', 'ERROR', 'INFO', 'VERBOSE', 'DEBUG', 'DEBUG1', 'DEBUG2', 'DEBUG3'];
const FACILITIES = ['DAEMON', 'USER', 'AUTH', 'AUTHPRIV', 'LOCAL0', 'LOCAL1', 'LOCAL2', 'LOCAL3', 'LOCAL4', 'LOCAL5', 'LOCAL6', 'LOCAL7'];

// lastIn: read from servconf.c release by release (an option set under `if (*activep)` with no
// unset check; MaxStartups got its check in 10.1, IPQoS in 10.3, PerSourceNetBlockSize in 10.1,
// PerSourceMaxStartups in 9.5) and held against sshd 9.2 by test/verify/sshd-keywords-real.test.ts.

/** By canonical keyword. */
export const SSHD_ANNOTATIONS: Readonly<Record<string, KeywordAnnotation>> = {
  AcceptEnv: list('LANG LC_*', 'accumulate'),
  AddressFamily: enumeration(['any', 'inet', 'inet6'], 'any'),
  AllowAgentForwarding: flag('yes', 'yes'),
  AllowGroups: list('root', 'accumulate'),
  AllowStreamLocalForwarding: enumeration(FORWARDING, 'yes', FORWARDING_PRINTED),
  AllowTcpForwarding: enumeration(FORWARDING, 'yes', FORWARDING_PRINTED),
  AllowUsers: list('root', 'accumulate'),
  AuthenticationMethods: list('publickey', 'first-line'),
  AuthorizedKeysCommand: { ...text('/bin/true %u'), companion: 'AuthorizedKeysCommandUser nobody' },
  AuthorizedKeysCommandUser: word('nobody'),
  AuthorizedKeysFile: list('.ssh/authorized_keys .ssh/authorized_keys2', 'first-line'),
  AuthorizedPrincipalsCommand: { ...text('/bin/true %u'), companion: 'AuthorizedPrincipalsCommandUser nobody' },
  AuthorizedPrincipalsCommandUser: word('nobody'),
  AuthorizedPrincipalsFile: word('none'),
  Banner: word('none'),
  CASignatureAlgorithms: algorithms('ssh-ed25519'),
  ChannelTimeout: list('session=5m', 'first-line'),
  ChrootDirectory: word('none'),
  Ciphers: algorithms('aes256-gcm@openssh.com,chacha20-poly1305@openssh.com'),
  ClientAliveCountMax: integer(0, '3', '3'),
  ClientAliveInterval: time('300', '0'),
  Compression: enumeration(['yes', 'delayed', 'no'], 'no', { words: { yes: 'yes', delayed: 'yes', no: 'no' } }),
  DenyGroups: list('nogroup', 'accumulate'),
  DenyUsers: list('nobody', 'accumulate'),
  DisableForwarding: flag('no', 'no'),
  ExposeAuthInfo: flag('no', 'no'),
  FingerprintHash: { ...enumeration(['md5', 'sha256'], 'sha256', { words: { md5: 'MD5', sha256: 'SHA256' } }), lastIn: '7.4+' },
  ForceCommand: text('none'),
  GatewayPorts: enumeration(['no', 'yes', 'clientspecified'], 'no'),
  GSSAPIAuthentication: flag('no', 'no'),
  GSSAPICleanupCredentials: flag('yes', 'yes'),
  GSSAPIDelegateCredentials: flag('yes'),
  GSSAPIStrictAcceptorCheck: flag('yes', 'yes'),
  GssAuthentication: flag('no'),
  GssCleanupCreds: flag('yes'),
  GssDelegateCreds: flag('yes'),
  GssStrictAcceptor: flag('yes'),
  HostbasedAcceptedAlgorithms: algorithms('ssh-ed25519'),
  HostbasedAuthentication: flag('no', 'no'),
  HostbasedUsesNameFromPacketOnly: flag('no', 'no'),
  HostCertificate: word('/etc/ssh/fleet-sample-cert.pub', 'accumulate'),
  HostKey: word('/etc/ssh/fleet-sample-key', 'accumulate'),
  HostKeyAgent: word('none'),
  HostKeyAlgorithms: algorithms('ssh-ed25519'),
  IgnoreRhosts: enumeration(['yes', 'no', 'shosts-only'], 'yes'),
  IgnoreUserKnownHosts: flag('no', 'no'),
  Include: structure('/etc/ssh/fleet-sample-include-*.conf'),
  IPQoS: { ...special('^\\S+(?: \\S+)?$', 'one or two IP QoS words or numbers (af21, cs1, lowdelay, none, 0x10)', 'af21 cs1', { rule: 'ipqos' }), alternate: 'af11 cs1', lastIn: '7.4-10.2' },
  KbdInteractiveAuthentication: flag('no'),
  KerberosAuthentication: flag('no', 'no'),
  KerberosGetAFSToken: flag('no'),
  KerberosOrLocalPasswd: flag('yes', 'yes'),
  KerberosTicketCleanup: flag('yes', 'yes'),
  KexAlgorithms: algorithms('curve25519-sha256,curve25519-sha256@libssh.org'),
  ListenAddress: word('127.0.0.1', 'accumulate'),
  LoginGraceTime: time('1m', '120'),
  // log.c names QUIET's level SILENT and DEBUG1's DEBUG when it prints them.
  LogLevel: enumeration(LOG_LEVELS, 'INFO', { words: Object.fromEntries(LOG_LEVELS.map((l) => [l.toLowerCase(), l === 'QUIET' ? 'SILENT' : l === 'DEBUG1' ? 'DEBUG' : l])) }),
  LogVerbose: list('kex.c:*', 'first-line'),
  MACs: algorithms('hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com'),
  Match: structure('all'),
  MaxAuthTries: integer(0, '6', '6'),
  MaxSessions: integer(0, '10', '10'),
  MaxStartups: { ...special('^\\d+(?::\\d+:\\d+)?$', 'start or start:rate:full, as 10 or 10:30:100', '10:30:100', { rule: 'maxstartups' }), alternate: '20:30:100', lastIn: '7.4-10.0' },
  ModuliFile: word('/etc/ssh/moduli'),
  PAMServiceName: word('sshd'),
  PasswordAuthentication: flag('yes', 'yes'),
  PermitEmptyPasswords: flag('no', 'no'),
  PermitListen: list('any', 'first-line'),
  PermitOpen: list('any', 'first-line'),
  PermitRootLogin: enumeration(['yes', 'prohibit-password', 'without-password', 'forced-commands-only', 'no'], 'prohibit-password', { rule: 'permitrootlogin' }),
  PermitTTY: flag('yes', 'yes'),
  PermitTunnel: enumeration(['yes', 'point-to-point', 'ethernet', 'no'], 'no'),
  PermitUserEnvironment: word('no'),
  PermitUserRC: flag('yes', 'yes'),
  PerSourceMaxStartups: { ...integer(1, '10', undefined, ['none']), printed: { rule: 'intmax-none' }, lastIn: '8.5-9.4' },
  PerSourceNetBlockSize: { ...special('^\\d+(?::\\d+)?$', 'an IPv4 prefix length, or ipv4:ipv6 as 32:128', '32:128', { rule: 'netblocksize' }), alternate: '24:64', lastIn: '8.5-10.0' },
  PerSourcePenalties: list('no', 'first-line'),
  PerSourcePenaltyExemptList: word('127.0.0.1/32'),
  PidFile: word('/run/sshd.pid'),
  Port: word('22', 'accumulate'),
  PrintLastLog: flag('yes', 'yes'),
  PrintMotd: flag('no'),
  PubkeyAcceptedAlgorithms: algorithms('ssh-ed25519,rsa-sha2-512'),
  PubkeyAuthentication: flag('yes', 'yes'),
  PubkeyAuthOptions: list('none', 'first-line'),
  RDomain: word('%D'),
  RefuseConnection: flag('no'),
  RekeyLimit: { ...special('^(?:default|\\d+[KkMmGg]?)(?: (?:none|\\d+[sSmMhHdDwW]?(?:\\d+[sSmMhHdDwW]?)*))?$', 'a size (1G, default) and optionally a time (1h, none)', '1G 1h', { rule: 'rekeylimit' }), alternate: '2G 2h' },
  RequiredRSASize: integer(1024, '2048', '1024'),
  RevokedKeys: word('none'),
  SecurityKeyProvider: word('internal'),
  SetEnv: list('FLEET=1', 'first-line'),
  SshdAuthPath: word('/usr/lib/openssh/sshd-auth'),
  SshdSessionPath: word('/usr/lib/openssh/sshd-session'),
  StreamLocalBindMask: { ...special('^[0-7]{1,4}$', 'an octal mask such as 0177', '0177', { rule: 'octal' }), alternate: '0077', lastIn: '7.4+' },
  StreamLocalBindUnlink: flag('no', 'no'),
  StrictModes: flag('yes', 'yes'),
  Subsystem: special('^\\S+ \\S.*$', 'a name and a command, as sftp /usr/lib/openssh/sftp-server', 'fleet-sample /bin/true', 'as-is', 'keyed'),
  SyslogFacility: enumeration(FACILITIES, 'AUTH', 'upper'),
  TCPKeepAlive: flag('yes', 'yes'),
  TrustedUserCAKeys: word('none'),
  // sshd -T prints no limit as `none`: 0 seconds here, INT_MAX for PerSourceMaxStartups.
  UnusedConnectionTimeout: { ...time('1h', undefined, ['none']), printed: { rule: 'zero-none' } },
  UseDNS: flag('no', 'no'),
  UsePAM: flag('yes'),
  VersionAddendum: text('none'),
  X11DisplayOffset: integer(0, '10', '10'),
  X11Forwarding: flag('no'),
  X11UseLocalhost: flag('yes', 'yes'),
  XAuthLocation: word('/usr/bin/xauth'),
};

export type { KeywordAnnotation, ValueType };
