/**
 * The sshd_config keywords OpenSSH 9.x knows (servconf.c's `keywords[]`, plus the ones
 * Debian's and Red Hat's GSSAPI patches add), their canonical spelling, and how sshd reads
 * the values fleet compares.
 */

// Spelled as sshd_config(5) spells them. Deprecated and unsupported keywords are listed too:
// sshd accepts them with a log line, so a file may legitimately contain them.
const SSHD_KEYWORDS = [
  'AcceptEnv', 'AddressFamily', 'AllowAgentForwarding', 'AllowGroups', 'AllowStreamLocalForwarding',
  'AllowTcpForwarding', 'AllowUsers', 'AuthenticationMethods', 'AuthorizedKeysCommand',
  'AuthorizedKeysCommandUser', 'AuthorizedKeysFile', 'AuthorizedPrincipalsCommand',
  'AuthorizedPrincipalsCommandUser', 'AuthorizedPrincipalsFile', 'Banner', 'CASignatureAlgorithms',
  'ChannelTimeout', 'ChrootDirectory', 'Ciphers', 'ClientAliveCountMax', 'ClientAliveInterval',
  'Compression', 'DenyGroups', 'DenyUsers', 'DisableForwarding', 'ExposeAuthInfo', 'FingerprintHash',
  'ForceCommand', 'GatewayPorts', 'GSSAPIAuthentication', 'GSSAPICleanupCredentials',
  'GSSAPIStrictAcceptorCheck', 'HostbasedAcceptedAlgorithms', 'HostbasedAuthentication',
  'HostbasedUsesNameFromPacketOnly', 'HostCertificate', 'HostKey', 'HostKeyAgent', 'HostKeyAlgorithms',
  'IgnoreRhosts', 'IgnoreUserKnownHosts', 'Include', 'IPQoS', 'KbdInteractiveAuthentication',
  'KerberosAuthentication', 'KerberosGetAFSToken', 'KerberosOrLocalPasswd', 'KerberosTicketCleanup',
  'KexAlgorithms', 'ListenAddress', 'LoginGraceTime', 'LogLevel', 'LogVerbose', 'MACs', 'Match',
  'MaxAuthTries', 'MaxSessions', 'MaxStartups', 'ModuliFile', 'PasswordAuthentication',
  'PermitEmptyPasswords', 'PermitListen', 'PermitOpen', 'PermitRootLogin', 'PermitTTY', 'PermitTunnel',
  'PermitUserEnvironment', 'PermitUserRC', 'PerSourceMaxStartups', 'PerSourceNetBlockSize', 'PidFile',
  'Port', 'PrintLastLog', 'PrintMotd', 'PubkeyAcceptedAlgorithms', 'PubkeyAuthOptions',
  'PubkeyAuthentication', 'RekeyLimit', 'RequiredRSASize', 'RevokedKeys', 'RDomain',
  'SecurityKeyProvider', 'SetEnv', 'StreamLocalBindMask', 'StreamLocalBindUnlink', 'StrictModes',
  'Subsystem', 'SyslogFacility', 'TCPKeepAlive', 'TrustedUserCAKeys', 'UnusedConnectionTimeout',
  'UseDNS', 'UsePAM', 'VersionAddendum', 'X11DisplayOffset', 'X11Forwarding', 'X11UseLocalhost',
  'XAuthLocation',
  // Deprecated / unsupported in 9.x, still accepted.
  'AFSTokenPassing', 'AuthorizedKeysFile2', 'CheckMail', 'KerberosTgtPassing', 'KeyRegenerationInterval',
  'PAMAuthenticationViaKbdInt', 'Protocol', 'ReverseMappingCheck', 'RhostsAuthentication',
  'RhostsRSAAuthentication', 'RSAAuthentication', 'ServerKeyBits', 'UseLogin', 'UsePrivilegeSeparation',
  'VerifyReverseMapping',
  // Distribution patches (Debian 12, RHEL 9).
  'DebianBanner', 'GSSAPIKeyExchange', 'GSSAPIStoreCredentialsOnRekey', 'GSSAPIKexAlgorithms',
  'GSSAPIEnablek5users', 'KerberosUseKuserok',
] as const;

// Aliases set the same option as their target (servconf.c maps them to one opcode), so an
// occurrence of `KeepAlive no` is a TCPKeepAlive occurrence for first-value-wins purposes.
const SSHD_ALIASES: Readonly<Record<string, string>> = {
  keepalive: 'TCPKeepAlive',
  hostdsakey: 'HostKey',
  dsaauthentication: 'PubkeyAuthentication',
  challengeresponseauthentication: 'KbdInteractiveAuthentication',
  skeyauthentication: 'KbdInteractiveAuthentication',
  pubkeyacceptedkeytypes: 'PubkeyAcceptedAlgorithms',
  hostbasedacceptedkeytypes: 'HostbasedAcceptedAlgorithms',
};

const BY_LOWERCASE = new Map<string, string>([
  ...SSHD_KEYWORDS.map((k): [string, string] => [k.toLowerCase(), k]),
  ...Object.entries(SSHD_ALIASES),
]);

/**
 * The canonical spelling of an sshd keyword, case-insensitively; aliases give the option they
 * set (`keepalive` → `TCPKeepAlive`). Undefined for words sshd 9.x does not know.
 */
export function canonicalKeyword(keyword: string): string | undefined {
  return BY_LOWERCASE.get(keyword.toLowerCase());
}

/** Every canonical sshd keyword fleet knows (for "did you mean" suggestions). */
export const SSHD_KEYWORD_NAMES: readonly string[] = SSHD_KEYWORDS;

/**
 * sshd's compiled-in values for the keywords fleet manages, keyed by lowercase keyword (as
 * `sshd -T` prints them). A keyword no file sets has this value.
 */
export const SSHD_DEFAULTS: Readonly<Record<string, string>> = {
  clientaliveinterval: '0',
  clientalivecountmax: '3',
  tcpkeepalive: 'yes',
  logingracetime: '120',
  maxauthtries: '6',
  maxsessions: '10',
};

// Keywords whose value goes through misc.c convtime() (sshd and ssh), and plain integers.
const TIME_KEYWORDS = new Set(['clientaliveinterval', 'logingracetime', 'serveraliveinterval', 'connecttimeout', 'forwardx11timeout']);
const INTEGER_KEYWORDS = new Set(['clientalivecountmax', 'serveralivecountmax', 'maxauthtries', 'maxsessions', 'x11displayoffset', 'connectionattempts', 'numberofpasswordprompts']);

const TIME_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const INT_MAX = 2147483647;

/**
 * What C's isspace() skips at the start of a number (strtol, strtonum). sshd splits a line on
 * spaces and tabs only, so a form feed or vertical tab can still lead a value: `\f05` is 5.
 */
const C_SPACE = '[ \\t\\n\\v\\f\\r]*';

/** misc.c convtime(): `1h30m` → 5400; null where sshd would reject the value. Each part is read with strtol(). */
export function convtime(text: string): number | null {
  if (text === '') return null;
  let total = 0;
  const parts = new RegExp(`^${C_SPACE}([+-]?)(\\d+)([sSmMhHdDwW]?)`);
  let rest = text;
  while (rest !== '') {
    const m = parts.exec(rest);
    if (m === null) return null;
    const number = Number(m[2]);
    // strtol() takes a sign; convtime() refuses what comes out negative.
    if (m[1] === '-' && number !== 0) return null;
    const multiplier = m[3] === '' ? 1 : (TIME_UNITS[(m[3] as string).toLowerCase()] as number);
    const amount = number * multiplier;
    total += amount;
    if (amount > INT_MAX || total > INT_MAX) return null;
    // A bare number must be last: convtime() stops at the end of the string after it.
    if (m[3] === '' && m[0].length !== rest.length) return null;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/**
 * A value as sshd -T / ssh -G would print it, so values can be compared: times become
 * seconds (`4m58s` → `298`), integers lose leading zeros and `+`, yes/no are lowercased.
 * Values sshd would reject are returned unchanged.
 */
export function normalizeValue(keyword: string, value: string): string {
  const key = (canonicalKeyword(keyword) ?? keyword).toLowerCase();
  if (TIME_KEYWORDS.has(key)) {
    const seconds = convtime(value);
    return seconds === null ? value : String(seconds);
  }
  // strtonum(value, 0, INT_MAX): leading isspace() and a sign, as strtoll() reads them.
  const integer = new RegExp(`^${C_SPACE}([+-]?)(\\d+)$`).exec(value);
  if (INTEGER_KEYWORDS.has(key) && integer) {
    const n = Number(integer[2]);
    return n <= INT_MAX && (integer[1] !== '-' || n === 0) ? String(n) : value;
  }
  if (/^(yes|no)$/i.test(value)) return value.toLowerCase();
  return value;
}
