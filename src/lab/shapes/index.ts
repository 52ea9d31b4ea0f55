/**
 * The sshd configuration shapes a lab host can have. Each is a layout met on real fleets,
 * chosen because it changes what "the smallest edit that makes the effective value right" is.
 * Every shape is accepted by Debian 12's sshd 9.2 (`sshd -t`), uses only the host's own
 * ed25519 key, references no file absent from the host's /etc/ssh, and sets no ListenAddress or
 * Port (the lab passes the address on the command line; a config value would add listeners).
 */
import { DEBIAN_12_LAB_MAIN, HOST_KEY_EDIT, RHEL_9_MAIN, UBUNTU_2404_MAIN, replaceLine, replaceLines } from './base.js';

/** Name of a config shape; the keys of {@link SHAPES}. */
export type ShapeName = string;

/** One shape: what it models, and its files (path relative to /etc/ssh → exact text). */
export interface Shape {
  description: string;
  /** Must contain `sshd_config`. Parent directories are created as needed; a key ending in `/` is a
   *  directory with no files (Debian's empty sshd_config.d), its value ignored. */
  files: Record<string, string>;
}

const SFTP_DEBIAN = 'Subsystem\tsftp\t/usr/lib/openssh/sftp-server';

/** Debian's main file with one commented default line turned into real settings. */
function debianWith(from: string, to: string): string {
  return replaceLine(DEBIAN_12_LAB_MAIN, from, to);
}

const RHEL_9_LAB_MAIN = replaceLines(RHEL_9_MAIN, [
  HOST_KEY_EDIT,
  // RHEL's sftp-server lives in /usr/libexec; the lab runs Debian's binaries, and fleet's
  // transport may use SFTP, so point at the path that exists here.
  ['Subsystem\tsftp\t/usr/libexec/openssh/sftp-server', `# RHEL ships /usr/libexec/openssh/sftp-server; the lab runs Debian's.\n${SFTP_DEBIAN}`],
]);

const RHEL_9_50_REDHAT = `# This system is following system-wide crypto policy. The changes to
# crypto properties (Ciphers, MACs, ...) will not have any effect in
# this or following included files. To override some configuration option,
# write it before this block or in a subsequent included file with a lower number.
#
# (lab: RHEL includes /etc/crypto-policies/back-ends/opensshserver.config here; that file is
# outside the host's /etc/ssh and absent on Debian, so the lab leaves the line out.)

SyslogFacility AUTHPRIV

ChallengeResponseAuthentication no

GSSAPIAuthentication yes
GSSAPICleanupCredentials no

UsePAM yes

X11Forwarding yes

# It is recommended to use pam_motd in /etc/pam.d/sshd instead of PrintMotd,
# as it is more configurable and versatile than the built-in version.
PrintMotd no
`;

const CRLF_EQUALS_MAIN = [
  '# Managed by hand on a Windows workstation, then copied over: CRLF line endings.',
  'Include /etc/ssh/sshd_config.d/*.conf',
  '',
  'HostKey\t/etc/ssh/ssh_host_ed25519_key',
  'permitRootLogin prohibit-password   # keys only',
  'PasswordAuthentication\tno',
  'usepam YES',
  '',
  'ClientAliveInterval=120 # two minutes, for the office NAT',
  'clientalivecountmax\t=\t5',
  'TCPKEEPALIVE yes\t# default, spelled out',
  '',
  'X11Forwarding\tno',
  'PrintMotd no',
  'AcceptEnv LANG LC_*',
  `${SFTP_DEBIAN}`,
  '',
].join('\r\n');

const NO_INCLUDE_MAIN = `#	$OpenBSD: sshd_config,v 1.104 2021/07/02 05:11:21 dtucker Exp $

# This is the sshd server system-wide configuration file.  See
# sshd_config(5) for more information.

# This sshd was compiled with PATH=/bin:/usr/bin:/sbin:/usr/sbin

#Port 22
#AddressFamily any
#ListenAddress 0.0.0.0
#ListenAddress ::

HostKey /etc/ssh/ssh_host_ed25519_key

# Logging
#SyslogFacility AUTH
#LogLevel INFO

# Authentication:

#LoginGraceTime 2m
#PermitRootLogin prohibit-password
#StrictModes yes
#MaxAuthTries 6
#MaxSessions 10

AuthorizedKeysFile	.ssh/authorized_keys

# To disable tunneled clear text passwords, change to no here!
PasswordAuthentication no
#PermitEmptyPasswords no

# Feel free to re-enable these if your use case requires them.
AllowTcpForwarding no
GatewayPorts no
X11Forwarding no

#TCPKeepAlive yes
#UseDNS no
#PidFile /run/sshd.pid

# override default of no subsystems
Subsystem	sftp	internal-sftp

# Added later by an admin, at the bottom, as admins do.
ClientAliveInterval 600
ClientAliveCountMax 10
`;

const MATCH_BLOCKS_MAIN = debianWith(
  '# Example of overriding settings on a per-user basis',
  [
    'ClientAliveInterval 60',
    '',
    '# Backups stream for hours without output: give them a long leash.',
    'Match User backup',
    '\tClientAliveInterval 900',
    '\tClientAliveCountMax 2',
    '\tX11Forwarding no',
    '',
    '# The internal network is trusted to be quiet.',
    'Match Address 10.0.0.0/8',
    '\tClientAliveInterval 30',
    '',
    '# Example of overriding settings on a per-user basis',
  ].join('\n'),
);

/** Every shape, by name. */
export const SHAPES: Record<ShapeName, Shape> = {
  debian12: {
    description: "Debian 12 default: Include sshd_config.d/*.conf at the top, UsePAM yes, empty drop-in directory",
    files: { sshd_config: DEBIAN_12_LAB_MAIN, 'sshd_config.d/': '' },
  },
  'ubuntu-cloud': {
    description: 'Ubuntu 24.04 cloud image: Debian layout plus cloud-init and cloudimg drop-ins (PasswordAuthentication no)',
    files: {
      sshd_config: replaceLines(UBUNTU_2404_MAIN, [HOST_KEY_EDIT]),
      'sshd_config.d/50-cloud-init.conf': 'PasswordAuthentication no\n',
      'sshd_config.d/60-cloudimg-settings.conf': 'PasswordAuthentication no\n',
    },
  },
  'cloud-zero': {
    description:
      'a provider drop-in sets ClientAliveInterval 0; the main file sets 120 further down, which sshd never reads (first value wins)',
    files: {
      sshd_config: debianWith('#ClientAliveInterval 0', 'ClientAliveInterval 120'),
      'sshd_config.d/50-cloud-provider.conf':
        '# Written by the provider image build. Keepalives are handled by the platform.\nClientAliveInterval 0\nClientAliveCountMax 3\n',
    },
  },
  rhel9: {
    description: 'RHEL 9 layout: Include at the top, 01-permitrootlogin.conf and 50-redhat.conf drop-ins',
    files: {
      sshd_config: RHEL_9_LAB_MAIN,
      'sshd_config.d/01-permitrootlogin.conf':
        '# This file has been generated by the Anaconda Installer.\n# Allow root to log in using ssh. Remove this file to opt-out.\nPermitRootLogin yes\n',
      'sshd_config.d/50-redhat.conf': RHEL_9_50_REDHAT,
    },
  },
  'match-blocks': {
    description: 'global ClientAliveInterval 60, then Match User backup / Match Address 10.0.0.0/8 blocks that set their own',
    files: { sshd_config: MATCH_BLOCKS_MAIN, 'sshd_config.d/': '' },
  },
  'already-set': {
    description: 'already as the keepalive playbook wants: ClientAliveInterval 298 and ClientAliveCountMax 50 before the Include',
    files: {
      sshd_config: replaceLine(
        DEBIAN_12_LAB_MAIN,
        'Include /etc/ssh/sshd_config.d/*.conf',
        '# Keepalive fix (ops ticket 4471): before the Include so no drop-in can override it.\nClientAliveInterval 298\nClientAliveCountMax 50\n\nInclude /etc/ssh/sshd_config.d/*.conf',
      ),
      'sshd_config.d/': '',
    },
  },
  'crlf-equals': {
    description: 'CRLF line endings, ClientAliveInterval=120, mixed-case keywords, tabs and trailing comments',
    files: { sshd_config: CRLF_EQUALS_MAIN, 'sshd_config.d/': '' },
  },
  'no-include': {
    description: 'older/Alpine-style single file: no Include, no PAM, ClientAliveInterval 600 set at the very end',
    files: { sshd_config: NO_INCLUDE_MAIN },
  },
  twice: {
    description: 'ClientAliveInterval set twice globally: 60 takes effect, the later 300 is shadowed',
    files: {
      sshd_config: replaceLines(DEBIAN_12_LAB_MAIN, [
        ['#ClientAliveInterval 0', 'ClientAliveInterval 60'],
        ['#VersionAddendum none', '#VersionAddendum none\n\n# Raised for the VPN users (ticket 912).\nClientAliveInterval 300'],
      ]),
      'sshd_config.d/': '',
    },
  },
  'nested-include': {
    description: 'main includes conf.d/*.conf (relative path); 10-hardening.conf includes conf.d/keepalive.inc (ClientAliveInterval 45)',
    files: {
      sshd_config: replaceLine(DEBIAN_12_LAB_MAIN, 'Include /etc/ssh/sshd_config.d/*.conf', 'Include conf.d/*.conf'),
      'conf.d/10-hardening.conf': 'PasswordAuthentication no\nPermitRootLogin prohibit-password\nInclude conf.d/keepalive.inc\n',
      'conf.d/20-banner.conf': '# Banner none (kept here for the compliance scanner)\nBanner none\n',
      'conf.d/keepalive.inc': '# Shared keepalive settings, included from 10-hardening.conf.\nClientAliveInterval 45\nClientAliveCountMax 4\n',
    },
  },
};

/** Shape names in a stable order (the order of {@link SHAPES}). */
export const SHAPE_NAMES: readonly ShapeName[] = Object.keys(SHAPES);
