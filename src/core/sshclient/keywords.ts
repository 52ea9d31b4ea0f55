/**
 * ssh_config keywords OpenSSH 9.x's client knows (readconf.c `keywords[]`), canonically spelled,
 * and the client's compiled-in values for the keepalive keywords fleet manages.
 */

const SSH_KEYWORDS = [
  'Host', 'Match', 'AddKeysToAgent', 'AddressFamily', 'BatchMode', 'BindAddress', 'BindInterface',
  'CanonicalDomains', 'CanonicalizeFallbackLocal', 'CanonicalizeHostname', 'CanonicalizeMaxDots',
  'CanonicalizePermittedCNAMEs', 'CASignatureAlgorithms', 'CertificateFile', 'CheckHostIP', 'Ciphers',
  'ClearAllForwardings', 'Compression', 'ConnectionAttempts', 'ConnectTimeout', 'ControlMaster',
  'ControlPath', 'ControlPersist', 'DynamicForward', 'EnableEscapeCommandline', 'EnableSSHKeysign',
  'EscapeChar', 'ExitOnForwardFailure', 'FingerprintHash', 'ForkAfterAuthentication', 'ForwardAgent',
  'ForwardX11', 'ForwardX11Timeout', 'ForwardX11Trusted', 'GatewayPorts', 'GlobalKnownHostsFile',
  'GSSAPIAuthentication', 'GSSAPIDelegateCredentials', 'HashKnownHosts', 'HostbasedAcceptedAlgorithms',
  'HostbasedAuthentication', 'HostKeyAlgorithms', 'HostKeyAlias', 'Hostname', 'IdentitiesOnly',
  'IdentityAgent', 'IdentityFile', 'IgnoreUnknown', 'Include', 'IPQoS', 'KbdInteractiveAuthentication',
  'KbdInteractiveDevices', 'KexAlgorithms', 'KnownHostsCommand', 'LocalCommand', 'LocalForward',
  'LogLevel', 'LogVerbose', 'MACs', 'NoHostAuthenticationForLocalhost', 'NumberOfPasswordPrompts',
  'PasswordAuthentication', 'PermitLocalCommand', 'PermitRemoteOpen', 'PKCS11Provider', 'Port',
  'PreferredAuthentications', 'ProxyCommand', 'ProxyJump', 'ProxyUseFdpass', 'PubkeyAcceptedAlgorithms',
  'PubkeyAuthentication', 'RekeyLimit', 'RemoteCommand', 'RemoteForward', 'RequestTTY', 'RequiredRSASize',
  'RevokedHostKeys', 'SecurityKeyProvider', 'SendEnv', 'ServerAliveCountMax', 'ServerAliveInterval',
  'SessionType', 'SetEnv', 'StdinNull', 'StreamLocalBindMask', 'StreamLocalBindUnlink',
  'StrictHostKeyChecking', 'SyslogFacility', 'TCPKeepAlive', 'Tunnel', 'TunnelDevice', 'UpdateHostKeys',
  'User', 'UserKnownHostsFile', 'VerifyHostKeyDNS', 'VisualHostKey', 'XAuthLocation',
  // Deprecated / unsupported, still accepted with a warning.
  'Cipher', 'FallBackToRsh', 'GlobalKnownHostsFile2', 'RhostsAuthentication', 'UserKnownHostsFile2',
  'UseRoaming', 'UseRsh', 'UsePrivilegedPort', 'AFSTokenPassing', 'KerberosAuthentication',
  'KerberosTgtPassing', 'RSAAuthentication', 'RhostsRSAAuthentication', 'CompressionLevel', 'Protocol',
  'SmartcardDevice',
] as const;

const SSH_ALIASES: Readonly<Record<string, string>> = {
  keepalive: 'TCPKeepAlive',
  identityfile2: 'IdentityFile',
  challengeresponseauthentication: 'KbdInteractiveAuthentication',
  skeyauthentication: 'KbdInteractiveAuthentication',
  tisauthentication: 'KbdInteractiveAuthentication',
  dsaauthentication: 'PubkeyAuthentication',
  hostbasedkeytypes: 'HostbasedAcceptedAlgorithms',
  pubkeyacceptedkeytypes: 'PubkeyAcceptedAlgorithms',
};

const BY_LOWERCASE = new Map<string, string>([
  ...SSH_KEYWORDS.map((k): [string, string] => [k.toLowerCase(), k]),
  ...Object.entries(SSH_ALIASES),
]);

/** Canonical spelling of an ssh_config keyword (aliases give the option they set), or undefined. */
export function canonicalClientKeyword(keyword: string): string | undefined {
  return BY_LOWERCASE.get(keyword.toLowerCase());
}

/** ssh's values when no file sets the keyword, keyed by lowercase keyword as `ssh -G` prints them. */
export const SSH_CLIENT_DEFAULTS: Readonly<Record<string, string>> = {
  serveraliveinterval: '0',
  serveralivecountmax: '3',
  tcpkeepalive: 'yes',
};
