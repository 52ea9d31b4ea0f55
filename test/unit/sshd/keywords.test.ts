import { describe, expect, test } from 'vitest';
import { canonicalKeyword, convtime, normalizeValue, SSHD_DEFAULTS, SSHD_KEYWORD_NAMES } from '../../../src/core/sshd/index.js';

describe('canonicalKeyword', () => {
  test('is case-insensitive and gives the sshd_config(5) spelling', () => {
    expect(canonicalKeyword('clientaliveinterval')).toBe('ClientAliveInterval');
    expect(canonicalKeyword('CLIENTALIVECOUNTMAX')).toBe('ClientAliveCountMax');
    expect(canonicalKeyword('tcpKeepAlive')).toBe('TCPKeepAlive');
    expect(canonicalKeyword('macs')).toBe('MACs');
  });

  test('aliases give the option they set', () => {
    expect(canonicalKeyword('KeepAlive')).toBe('TCPKeepAlive');
    expect(canonicalKeyword('ChallengeResponseAuthentication')).toBe('KbdInteractiveAuthentication');
    expect(canonicalKeyword('HostDSAKey')).toBe('HostKey');
  });

  test('unknown words are undefined', () => {
    expect(canonicalKeyword('ClientAliveIntervall')).toBeUndefined();
    expect(canonicalKeyword('ServerAliveInterval')).toBeUndefined();
  });

  test('knows every keyword of the OpenSSH 9.x sshd_config(5) list', () => {
    const manPage =
      'AcceptEnv AddressFamily AllowAgentForwarding AllowGroups AllowStreamLocalForwarding AllowTcpForwarding AllowUsers AuthenticationMethods AuthorizedKeysCommand AuthorizedKeysCommandUser AuthorizedKeysFile AuthorizedPrincipalsCommand AuthorizedPrincipalsCommandUser AuthorizedPrincipalsFile Banner CASignatureAlgorithms ChannelTimeout ChrootDirectory Ciphers ClientAliveCountMax ClientAliveInterval Compression DenyGroups DenyUsers DisableForwarding ExposeAuthInfo FingerprintHash ForceCommand GatewayPorts GSSAPIAuthentication GSSAPICleanupCredentials GSSAPIStrictAcceptorCheck HostbasedAcceptedAlgorithms HostbasedAuthentication HostbasedUsesNameFromPacketOnly HostCertificate HostKey HostKeyAgent HostKeyAlgorithms IgnoreRhosts IgnoreUserKnownHosts Include IPQoS KbdInteractiveAuthentication KerberosAuthentication KerberosGetAFSToken KerberosOrLocalPasswd KerberosTicketCleanup KexAlgorithms ListenAddress LoginGraceTime LogLevel LogVerbose MACs Match MaxAuthTries MaxSessions MaxStartups ModuliFile PasswordAuthentication PermitEmptyPasswords PermitListen PermitOpen PermitRootLogin PermitTTY PermitTunnel PermitUserEnvironment PermitUserRC PerSourceMaxStartups PerSourceNetBlockSize PidFile Port PrintLastLog PrintMotd PubkeyAcceptedAlgorithms PubkeyAuthOptions PubkeyAuthentication RekeyLimit RequiredRSASize RevokedKeys RDomain SecurityKeyProvider SetEnv StreamLocalBindMask StreamLocalBindUnlink StrictModes Subsystem SyslogFacility TCPKeepAlive TrustedUserCAKeys UnusedConnectionTimeout UseDNS UsePAM VersionAddendum X11DisplayOffset X11Forwarding X11UseLocalhost XAuthLocation';
    for (const keyword of manPage.split(' ')) expect(canonicalKeyword(keyword.toLowerCase())).toBe(keyword);
    expect(SSHD_KEYWORD_NAMES.length).toBeGreaterThan(manPage.split(' ').length);
  });
});

describe('convtime and normalizeValue', () => {
  test.each([
    ['298', 298],
    ['4m58s', 298],
    ['1h30m', 5400],
    ['2M', 120],
    ['90S', 90],
    ['1w', 604800],
    ['5m3', 303],
    ['010', 10],
    // strtol() per part: leading isspace() and a sign (each checked against OpenSSH 9.2's sshd -T).
    ['\f2m', 120],
    ['+3m', 180],
    ['-0', 0],
    ['1m\f30s', 90],
    ['\v7', 7],
  ])('convtime(%j) = %d', (text, seconds) => {
    expect(convtime(text)).toBe(seconds);
  });

  test.each([[''], ['m5'], ['5x'], ['-1'], ['-5m'], ['+0x1'], ['1.5m'], ['99999999999']])('convtime(%j) is rejected', (text) => {
    expect(convtime(text)).toBeNull();
  });

  test('times become seconds, integers lose zeros, flags are lowercased', () => {
    expect(normalizeValue('ClientAliveInterval', '4m58s')).toBe('298');
    expect(normalizeValue('clientaliveinterval', '300')).toBe('300');
    expect(normalizeValue('ClientAliveCountMax', '05')).toBe('5');
    // strtonum(): leading isspace() (a form feed is not a separator to sshd) and a sign.
    expect(normalizeValue('ClientAliveCountMax', '\f07')).toBe('7');
    expect(normalizeValue('ClientAliveCountMax', '+7')).toBe('7');
    expect(normalizeValue('ClientAliveCountMax', '-0')).toBe('0');
    expect(normalizeValue('ClientAliveCountMax', '-3')).toBe('-3');
    expect(normalizeValue('TCPKeepAlive', 'Yes')).toBe('yes');
    expect(normalizeValue('KeepAlive', 'NO')).toBe('no');
    expect(normalizeValue('ServerAliveInterval', '4m')).toBe('240');
  });

  test('values sshd would reject stay as written', () => {
    expect(normalizeValue('ClientAliveInterval', '5 minutes')).toBe('5 minutes');
    expect(normalizeValue('ClientAliveCountMax', 'three')).toBe('three');
    expect(normalizeValue('Banner', '/etc/Issue')).toBe('/etc/Issue');
  });

  test('SSHD_DEFAULTS has the compiled-in keepalive values, keyed as sshd -T prints them', () => {
    expect(SSHD_DEFAULTS).toMatchObject({ clientaliveinterval: '0', clientalivecountmax: '3', tcpkeepalive: 'yes' });
  });
});
