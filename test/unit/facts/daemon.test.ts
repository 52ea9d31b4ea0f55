/** The running sshd's command line (facts/daemon.ts) and what it forces (core/host-plan.ts). */
import { describe, expect, it } from 'vitest';
import { forcedByCommandLine } from '../../../src/core/host-plan.js';
import { daemonWords, parseDaemonArgs } from '../../../src/facts/daemon.js';

const tree = { main: '/etc/ssh/sshd_config', files: new Map(), globs: new Map() };

describe('the listener\'s command line', () => {
  it('reads raw argv (NUL separated) and OpenSSH 9\'s process title alike', () => {
    const argv = Buffer.from('/usr/sbin/sshd\0-D\0-oCiphers=aes256-gcm@openssh.com,chacha20-poly1305@openssh.com\0-o\0MACs=hmac-sha2-256\0');
    expect(daemonWords(argv)).toEqual(['/usr/sbin/sshd', '-D', '-oCiphers=aes256-gcm@openssh.com,chacha20-poly1305@openssh.com', '-o', 'MACs=hmac-sha2-256']);
    // Recorded from the lab's sshd 9.2 (/proc/<pid>/cmdline of the listener).
    const title = Buffer.from('sshd: /usr/sbin/sshd -E /run/sshd.log -o ListenAddress=127.0.1.101 -o PidFile=/run/sshd.pid [listener] 0 of 10-100 startups\0');
    expect(daemonWords(title)).toEqual(['/usr/sbin/sshd', '-E', '/run/sshd.log', '-o', 'ListenAddress=127.0.1.101', '-o', 'PidFile=/run/sshd.pid']);
  });

  it('takes -o Key=value, -oKey=value and -o "Key value", the first of each, and -f', () => {
    const args = parseDaemonArgs(['sshd', '-D', '-oKexAlgorithms=curve25519-sha256', '-o', 'PermitRootLogin no', '-o', 'permitrootlogin=yes', '-f', '/etc/ssh/other_config']);
    expect(args.options).toEqual({ kexalgorithms: 'curve25519-sha256', permitrootlogin: 'no' });
    expect(args.configFile).toBe('/etc/ssh/other_config');
  });
});

describe('what the command line forces', () => {
  const daemon = parseDaemonArgs(['sshd', '-D', '-oCiphers=aes256-ctr', '-oPubkeyAcceptedKeyTypes=ssh-ed25519']);
  it('names each policy keyword a -o sets (aliases too), and nothing else', () => {
    expect(forcedByCommandLine({ tree, daemon }, ['ClientAliveInterval'])).toBeNull();
    expect(forcedByCommandLine({ tree, daemon }, ['Ciphers', 'ClientAliveInterval'])).toMatch(/^Ciphers is forced by sshd's command line \(-o Ciphers=aes256-ctr\)/);
    expect(forcedByCommandLine({ tree, daemon }, ['PubkeyAcceptedAlgorithms'])).toMatch(/PubkeyAcceptedAlgorithms is forced/);
    expect(forcedByCommandLine({ tree, daemon: null }, ['Ciphers'])).toBeNull();
  });
  it('a daemon reading another file (-f) is refused whatever the policy', () => {
    const other = parseDaemonArgs(['sshd', '-f', '/etc/ssh/sshd_config.rhel']);
    expect(forcedByCommandLine({ tree, daemon: other }, ['ClientAliveInterval'])).toMatch(/reads \/etc\/ssh\/sshd_config\.rhel \(-f on its command line\), not \/etc\/ssh\/sshd_config/);
  });
});
