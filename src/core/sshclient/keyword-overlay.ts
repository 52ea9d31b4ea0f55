/**
 * Hand annotations of the ssh_config keywords readconf.c's keyword table does not describe:
 * the value type (ssh_config(5), readconf.c's process_config_line), how repeated lines combine
 * and how `ssh -G` prints the value (dump_client_config). Every keyword the generated table
 * marks `option` or `build` that the newest release still knows (aliases aside) has an entry;
 * a unit test holds that, and test/verify/ssh-keywords-real.test.ts holds the samples against
 * the real ssh.
 *
 * What ssh -G prints follows readconf.c's multistate tables: the FIRST word that maps to a
 * value is printed, so `yes` for ControlMaster prints `true` while for Compression it prints
 * `yes`; both spellings are accepted in files, so both map to the same printed word here.
 */
import type { Printed } from '../sshd/keyword-types.js';
import type { ClientAnnotation, ClientPrinted, ClientRule } from './keyword-types.js';

const INT_MAX = 2147483647;

// A yes/no option printed by fmt_intarg's default branch: yes or no, whichever way it was written.
const YES_NO: Printed = { words: { yes: 'yes', true: 'yes', no: 'no', false: 'no' } };
// A multistate option whose table lists `true` first: yes prints `true`.
const trueFalse = (...others: string[]): Printed => ({ words: { yes: 'true', true: 'true', no: 'false', false: 'false', ...Object.fromEntries(others.map((w) => [w, w])) } });

const flag = (sample = 'yes', dflt?: string): ClientAnnotation => ({ type: { kind: 'flag' }, combine: 'first', printed: YES_NO, sample, ...(dflt ? { default: dflt } : {}) });
const enumeration = (words: readonly string[], sample: string, printed: ClientPrinted = 'lower'): ClientAnnotation => ({ type: { kind: 'enum', words }, combine: 'first', printed, sample });
const integer = (min: number, sample: string, max = INT_MAX, dflt?: string): ClientAnnotation => ({
  type: { kind: 'integer', min, max },
  combine: 'first',
  printed: 'integer',
  sample,
  ...(dflt ? { default: dflt } : {}),
});
const time = (sample: string, dflt?: string, words?: readonly string[]): ClientAnnotation => ({ type: { kind: 'time', ...(words ? { words } : {}) }, combine: 'first', printed: 'seconds', sample, ...(dflt ? { default: dflt } : {}) });
const word = (sample: string, printed: ClientPrinted = 'as-is', combine: ClientAnnotation['combine'] = 'first'): ClientAnnotation => ({ type: { kind: 'word' }, combine, printed, sample });
const text = (sample: string): ClientAnnotation => ({ type: { kind: 'text' }, combine: 'first', printed: 'as-is', sample });
const algorithms = (sample: string): ClientAnnotation => ({ type: { kind: 'algorithms' }, combine: 'first', printed: 'as-is', sample });
const list = (sample: string, combine: 'accumulate' | 'first-line', printed: ClientPrinted = 'as-is'): ClientAnnotation => ({ type: { kind: 'list' }, combine, printed, sample });
const special = (pattern: string, describe: string, sample: string, printed: ClientPrinted, combine: ClientAnnotation['combine'] = 'first'): ClientAnnotation => ({
  type: { kind: 'special', pattern, describe },
  combine,
  printed,
  sample,
});
const rule = (clientRule: ClientRule): ClientPrinted => ({ clientRule });
const structure = (sample: string): ClientAnnotation => ({ type: { kind: 'text' }, combine: 'structure', printed: 'as-is', sample });

const LOG_LEVELS = ['QUIET', 'FATAL', 'ERROR', 'INFO', 'VERBOSE', 'DEBUG', 'DEBUG1', 'DEBUG2', 'DEBUG3'];
const FACILITIES = ['DAEMON', 'USER', 'AUTH', 'AUTHPRIV', 'LOCAL0', 'LOCAL1', 'LOCAL2', 'LOCAL3', 'LOCAL4', 'LOCAL5', 'LOCAL6', 'LOCAL7'];
// One forwarding endpoint: a port, host:port, [host]:port, or a Unix socket path.
const ENDPOINT = '(?:\\d+|\\S+:\\d+|\\[[^\\]\\s]+\\]:\\d+|/\\S+)';

/** By canonical keyword. */
export const SSH_ANNOTATIONS: Readonly<Record<string, ClientAnnotation>> = {
  // Times (`AddKeysToAgent 1h`, `confirm 10m`) are ssh's too; a policy sets the words.
  AddKeysToAgent: enumeration(['yes', 'no', 'ask', 'confirm'], 'no', trueFalse('ask', 'confirm')),
  AddressFamily: enumeration(['any', 'inet', 'inet6'], 'any'),
  BatchMode: flag('no'),
  BindAddress: word('127.0.0.1'),
  BindInterface: word('lo'),
  CanonicalDomains: list('example.com example.org', 'first-line'),
  CanonicalizeFallbackLocal: flag('yes'),
  CanonicalizeHostname: enumeration(['yes', 'no', 'always'], 'no', trueFalse('always')),
  CanonicalizeMaxDots: integer(0, '1'),
  CASignatureAlgorithms: algorithms('ssh-ed25519,rsa-sha2-512'),
  CertificateFile: word('~/.ssh/fleet-sample-cert.pub', 'as-is', 'accumulate'),
  ChannelTimeout: list('session=5m', 'first-line'),
  CheckHostIP: flag('no'),
  Ciphers: algorithms('aes256-gcm@openssh.com,chacha20-poly1305@openssh.com'),
  ClearAllForwardings: flag('no'),
  // `delayed` went with OpenSSH 7.6; zlib-less builds refuse `yes`.
  Compression: flag('no'),
  ConnectionAttempts: integer(1, '1'),
  ConnectTimeout: time('30', undefined, ['none']),
  ControlMaster: enumeration(['yes', 'no', 'ask', 'auto', 'autoask'], 'no', trueFalse('ask', 'auto', 'autoask')),
  ControlPath: word('none', rule('home')),
  ControlPersist: special('^(?:yes|no|\\d+(?:[smhdwSMHDW]\\d+)*[smhdwSMHDW]?)$', 'yes, no, or a time such as 10m', 'no', rule('controlpersist')),
  DynamicForward: special(`^${ENDPOINT}$`, 'a port or address:port, as 1080 or localhost:1080', '1080', rule('forward'), 'accumulate'),
  EnableEscapeCommandline: flag('no'),
  EnableSSHKeysign: flag('no'),
  EscapeChar: special('^(?:none|\\^[A-Za-z@\\[\\\\\\]^_?]|[^\\s"\'#\\\\])$', 'one character, ^ and a letter, or none', '~', rule('escapechar')),
  ExitOnForwardFailure: flag('no'),
  FingerprintHash: enumeration(['md5', 'sha256'], 'sha256', { words: { md5: 'MD5', sha256: 'SHA256' } }),
  ForkAfterAuthentication: flag('no'),
  ForwardAgent: special('^(?:yes|no|[/~$]\\S*)$', 'yes, no, or an agent socket ($SSH_AUTH_SOCK, a path)', 'no', rule('flag-or-path')),
  ForwardX11: flag('no'),
  ForwardX11Timeout: time('20m'),
  ForwardX11Trusted: flag('no'),
  GatewayPorts: flag('no'),
  GlobalKnownHostsFile: list('/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2', 'first-line', rule('home')),
  GSSAPIAuthentication: flag('no'),
  GSSAPIDelegateCredentials: flag('no'),
  HashKnownHosts: flag('no'),
  HostbasedAcceptedAlgorithms: algorithms('ssh-ed25519'),
  HostbasedAuthentication: flag('no'),
  HostKeyAlgorithms: algorithms('ssh-ed25519,rsa-sha2-512'),
  HostKeyAlias: word('fleet-sample-alias'),
  Hostname: word('fleet-sample.invalid'),
  IdentitiesOnly: flag('no'),
  IdentityAgent: word('none', rule('home')),
  IdentityFile: word('~/.ssh/fleet-sample-key', 'as-is', 'accumulate'),
  IgnoreUnknown: word('FleetSampleUnknown'),
  IPQoS: special('^\\S+(?: \\S+)?$', 'one or two IP QoS words (af21, cs1, lowdelay, throughput, none)', 'af21 cs1', { rule: 'ipqos' }),
  KbdInteractiveAuthentication: flag('yes'),
  KbdInteractiveDevices: word('pam'),
  KexAlgorithms: algorithms('curve25519-sha256,curve25519-sha256@libssh.org'),
  KnownHostsCommand: text('/bin/true %H'),
  LocalCommand: text('/bin/true %h'),
  LocalForward: special(`^${ENDPOINT} ${ENDPOINT}$`, 'a listen and a connect endpoint, as 8080 localhost:80', '8080 localhost:80', rule('forward'), 'accumulate'),
  // log.c names QUIET's level SILENT and DEBUG1's DEBUG when it prints them.
  LogLevel: enumeration(LOG_LEVELS, 'INFO', { words: Object.fromEntries(LOG_LEVELS.map((l) => [l.toLowerCase(), l === 'QUIET' ? 'SILENT' : l === 'DEBUG1' ? 'DEBUG' : l])) }),
  LogVerbose: list('kex.c:*', 'first-line'),
  MACs: algorithms('hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com'),
  NoHostAuthenticationForLocalhost: flag('no'),
  NumberOfPasswordPrompts: integer(0, '3'),
  ObscureKeystrokeTiming: special('^(?:yes|no|interval:\\d+)$', 'yes, no or interval:MILLISECONDS', 'yes', 'as-is'),
  PasswordAuthentication: flag('yes'),
  PermitLocalCommand: flag('no'),
  PermitRemoteOpen: list('any', 'first-line'),
  PKCS11Provider: word('none'),
  Port: integer(1, '22', 65535),
  PreferredAuthentications: word('publickey,password'),
  ProxyCommand: text('none'),
  ProxyJump: word('none'),
  ProxyUseFdpass: flag('no'),
  PubkeyAcceptedAlgorithms: algorithms('ssh-ed25519,rsa-sha2-512'),
  PubkeyAuthentication: enumeration(['yes', 'no', 'unbound', 'host-bound'], 'yes', trueFalse('unbound', 'host-bound')),
  RefuseConnection: flag('no'),
  RekeyLimit: special('^(?:default|\\d+[KkMmGg]?)(?: (?:none|\\d+[sSmMhHdDwW]?(?:\\d+[sSmMhHdDwW]?)*))?$', 'a size (1G, default) and optionally a time (1h, none)', '1G 1h', { rule: 'rekeylimit' }),
  RemoteCommand: text('none'),
  RemoteForward: special(`^${ENDPOINT}(?: ${ENDPOINT})?$`, 'a listen endpoint and optionally a connect endpoint, as 9000 localhost:90', '9000 localhost:90', rule('remoteforward'), 'accumulate'),
  RequestTTY: enumeration(['yes', 'no', 'force', 'auto'], 'auto', trueFalse('force', 'auto')),
  RequiredRSASize: integer(1024, '2048'),
  RevokedHostKeys: word('/etc/ssh/fleet-sample-revoked'),
  SecurityKeyProvider: word('internal'),
  SendEnv: list('LANG LC_*', 'accumulate'),
  ServerAliveCountMax: integer(0, '3', INT_MAX, '3'),
  ServerAliveInterval: time('300', '0'),
  SessionType: enumeration(['none', 'subsystem', 'default'], 'default'),
  SetEnv: list('FLEET=1', 'first-line'),
  StdinNull: flag('no'),
  StreamLocalBindMask: special('^[0-7]{1,4}$', 'an octal mask such as 0177', '0177', rule('mask')),
  StreamLocalBindUnlink: flag('no'),
  StrictHostKeyChecking: enumeration(['yes', 'no', 'ask', 'accept-new', 'off'], 'ask', { words: { yes: 'true', true: 'true', no: 'false', off: 'false', false: 'false', ask: 'ask', 'accept-new': 'accept-new' } }),
  SyslogFacility: enumeration(FACILITIES, 'USER', 'upper'),
  Tag: word('fleet-sample'),
  TCPKeepAlive: flag('yes', 'yes'),
  // ssh's default tunnel mode is point-to-point, and that is the word its table lists first.
  Tunnel: enumeration(['yes', 'no', 'point-to-point', 'ethernet'], 'no', { words: { yes: 'point-to-point', true: 'point-to-point', 'point-to-point': 'point-to-point', no: 'false', false: 'false', ethernet: 'ethernet' } }),
  TunnelDevice: special('^(?:any|\\d+)(?::(?:any|\\d+))?$', 'a local unit and optionally a remote one, as any:any or 0:1', 'any:any', rule('tunneldevice')),
  UpdateHostKeys: enumeration(['yes', 'no', 'ask'], 'no', trueFalse('ask')),
  User: word('fleet-sample'),
  UserKnownHostsFile: list('~/.ssh/known_hosts ~/.ssh/known_hosts2', 'first-line', rule('home')),
  VerifyHostKeyDNS: enumeration(['yes', 'no', 'ask'], 'no', trueFalse('ask')),
  VersionAddendum: text('none'),
  VisualHostKey: flag('no'),
  WarnWeakCrypto: enumeration(['yes', 'no', 'no-pq-kex'], 'yes', { words: { yes: 'yes', true: 'yes', no: 'no', false: 'no', 'no-pq-kex': 'no-pq-kex' } }),
  XAuthLocation: word('/usr/bin/xauth'),
  Host: structure('*'),
  Match: structure('all'),
  Include: structure('/etc/ssh/fleet-sample-include-*.conf'),
};

/**
 * Options of the newest release a policy cannot set, and why (shown in the policy error).
 * Options only older releases know (HostbasedAlgorithms, 8.5-8.6) are refused by the table itself.
 */
export const SSH_UNSETTABLE: Readonly<Record<string, string>> = {
  // ssh.c resolves the host name before printing when permitted CNAMEs are set, so `ssh -G`
  // for the probe host fails and nothing could prove the value.
  CanonicalizePermittedCNAMEs: 'ssh -G must resolve the host name once it is set, so fleet cannot prove it',
};
