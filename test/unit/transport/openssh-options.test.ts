import { describe, expect, it } from 'vitest';
import {
  askpassEnvironment,
  classifySshFailure,
  masterArgs,
  muxArgs,
  optionValue,
  READY_MARK,
  remoteVersion,
  type OpenSshTarget,
} from '../../../src/transport/openssh-options.js';

const target: OpenSshTarget = {
  address: 'web1.example',
  port: 2222,
  user: 'deploy',
  identityFile: '/keys/id_ed25519',
  knownHostsFile: '/home/me/.ssh/known_hosts',
  globalKnownHostsFile: '/etc/ssh/ssh_known_hosts',
  acceptNew: false,
  connectTimeoutMs: 10_500,
  keepaliveIntervalMs: 15_000,
};

/** `-o Key=value` pairs of an argv, as a map (first value wins, as in ssh). */
function options(argv: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '-o') continue;
    const [key, ...rest] = (argv[i + 1] ?? '').split('=');
    if (key !== undefined && !map.has(key)) map.set(key, rest.join('='));
  }
  return map;
}

describe('optionValue', () => {
  it('leaves plain paths alone', () => expect(optionValue('/home/me/.ssh/known_hosts')).toBe('/home/me/.ssh/known_hosts'));
  it('escapes % so ssh reads no token in a path', () => expect(optionValue('/keys/%h')).toBe('/keys/%%h'));
  it('double-quotes a path with spaces or quotes, escaping them', () => {
    expect(optionValue('/my keys/id')).toBe('"/my keys/id"');
    expect(optionValue('/a"b\\c')).toBe('"/a\\"b\\\\c"');
  });
});

describe('masterArgs', () => {
  const argv = masterArgs(target, '/tmp/fleet-ssh-x/c1');
  const o = options(argv);

  it('reads no ssh_config and checks host keys strictly against exactly fleet’s files', () => {
    expect(argv.slice(argv.indexOf('-F'), argv.indexOf('-F') + 2)).toEqual(['-F', 'none']);
    expect(o.get('StrictHostKeyChecking')).toBe('yes');
    expect(o.get('UserKnownHostsFile')).toBe('/home/me/.ssh/known_hosts');
    expect(o.get('GlobalKnownHostsFile')).toBe('/etc/ssh/ssh_known_hosts');
    expect(o.get('UpdateHostKeys')).toBe('no');
    expect(o.get('BatchMode')).toBe('yes');
  });

  it('accept-new only when fleet was told --accept-new; no global file means none', () => {
    const { globalKnownHostsFile: _, ...rest } = target;
    const o2 = options(masterArgs({ ...rest, acceptNew: true }, '/c'));
    expect(o2.get('StrictHostKeyChecking')).toBe('accept-new');
    expect(o2.get('GlobalKnownHostsFile')).toBe('none');
  });

  it('offers the identity (ssh adds <key>-cert.pub itself), a CertificateFile when given, and no agent unless given', () => {
    expect(o.get('IdentityFile')).toBe('/keys/id_ed25519');
    expect(o.has('CertificateFile')).toBe(false);
    expect(o.get('IdentityAgent')).toBe('none');
    const o2 = options(masterArgs({ ...target, certificateFile: '/certs/me.cert', agentSocket: '/run/agent.sock' }, '/c'));
    expect(o2.get('CertificateFile')).toBe('/certs/me.cert');
    expect(o2.get('IdentityAgent')).toBe('/run/agent.sock');
  });

  it('leaves batch mode only to read a key passphrase from its askpass program, asking once', () => {
    expect(o.has('NumberOfPasswordPrompts')).toBe(false);
    const o2 = options(masterArgs({ ...target, askpass: '/tmp/fleet-ssh-x/askpass' }, '/c'));
    expect(o2.get('BatchMode')).toBe('no');
    expect(o2.get('NumberOfPasswordPrompts')).toBe('1');
    expect(o2.get('PasswordAuthentication')).toBe('no');
    expect(o2.get('KbdInteractiveAuthentication')).toBe('no');
    expect(o2.get('StrictHostKeyChecking')).toBe('yes');
    expect(askpassEnvironment('/a', 'p')).toEqual({ SSH_ASKPASS: '/a', SSH_ASKPASS_REQUIRE: 'force', FLEET_KEY_PASSPHRASE: 'p' });
  });

  it('is a master on its control path, ending with the host after -- and the ready command', () => {
    expect(o.get('ControlMaster')).toBe('yes');
    expect(o.get('ControlPath')).toBe('/tmp/fleet-ssh-x/c1');
    expect(o.get('ConnectTimeout')).toBe('11');
    expect(argv.slice(-7)).toEqual(['-p', '2222', '-l', 'deploy', '--', 'web1.example', `echo ${READY_MARK}; exec cat`]);
  });

  it('tunnels through a jump host with the same strict options, not ProxyJump (which would drop them)', () => {
    const o2 = options(masterArgs({ ...target, jump: { host: 'bastion', port: 22, user: 'hop' } }, '/c'));
    const proxy = o2.get('ProxyCommand') ?? '';
    expect(proxy).toMatch(/^ssh -F none /);
    expect(proxy).toContain('-o UserKnownHostsFile=/home/me/.ssh/known_hosts');
    expect(proxy).toContain('StrictHostKeyChecking=yes');
    expect(proxy).toContain(" -W '[web1.example]:2222' -p 22 -l hop -- bastion");
    expect(o2.has('ProxyJump')).toBe(false);
  });

  it('writes the target into the ProxyCommand quoted, never through %h, and doubles every % in it', () => {
    const hostile = { ...target, address: 'a;touch /tmp/x%h', jump: { host: 'b$(id)', port: 22, user: 'hop' } };
    const proxy = options(masterArgs(hostile, '/c')).get('ProxyCommand') ?? '';
    expect(proxy).toContain(" -W '[a;touch /tmp/x%%h]:2222' ");
    expect(proxy).toContain(" -- 'b$(id)'");
    expect(proxy).not.toMatch(/(^|[^%])%h/);
  });
});

describe('muxArgs', () => {
  it('only ever uses the master: ProxyCommand=false makes a missing socket fail instead of a new connection', () => {
    const argv = muxArgs(target, '/c/1', 'exec sh -c true');
    const o = options(argv);
    expect(o.get('ControlMaster')).toBe('no');
    expect(o.get('ProxyCommand')).toBe('false');
    expect(argv.slice(-3)).toEqual(['--', 'web1.example', 'exec sh -c true']);
  });
});

describe('remoteVersion', () => {
  it('reads the server software from ssh -v', () => {
    const v = 'debug1: Local version string SSH-2.0-OpenSSH_9.2p1\ndebug1: Remote protocol version 2.0, remote software version OpenSSH_9.2p1 Debian-2+deb12u10\n';
    expect(remoteVersion(v)).toBe('OpenSSH_9.2p1 Debian-2+deb12u10');
    expect(remoteVersion('ssh: connect to host x port 22: Connection refused')).toBeUndefined();
  });
});

describe('classifySshFailure (ssh 9.2’s own words, recorded against the lab)', () => {
  const where = 'web1 (10.0.0.5:22)';
  const files = ['/kh'];
  const classify = (stderr: string) => classifySshFailure(stderr, where, files);

  it('a CA or host key marked @revoked', () => {
    const e = classify(
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@       WARNING: REVOKED HOST KEY DETECTED!               @\n' +
        'The ED25519-CERT host key for 127.0.1.1 is marked as revoked.\nThis could mean that a stolen key is being used to\n' +
        'ED25519-CERT host key for 127.0.1.1 was revoked and you have requested strict checking.\nHost key verification failed.\n',
    );
    expect(e.code).toBe('HOSTKEY_REVOKED');
    expect(e.message).toMatch(/^web1 \(10\.0\.0\.5:22\): .*@revoked in \/kh/);
  });

  it('no CA line covers the host (or a certificate names other principals): unknown, with ssh’s reason', () => {
    const e = classify(
      'Certificate invalid: name is not a listed principal\nNo ED25519 host key is known for 127.0.1.9 and you have requested strict checking.\nHost key verification failed.\n',
    );
    expect(e.code).toBe('HOSTKEY_UNKNOWN');
    expect(e.message).toContain('Certificate invalid: name is not a listed principal');
  });

  it('a changed key', () => {
    const e = classify('  ssh-keygen -f "/kh" -R "127.0.1.2"\nHost key for 127.0.1.2 has changed and you have requested strict checking.\nHost key verification failed.\n');
    expect(e.code).toBe('HOSTKEY_MISMATCH');
  });

  it('authentication, a missing identity, the network', () => {
    expect(classify('root@127.0.1.1: Permission denied (publickey,password).\n').code).toBe('AUTH_FAILED');
    expect(classify('no such identity: /nonexist: No such file or directory\nroot@127.0.1.1: Permission denied (publickey,password).\n').code).toBe('KEY_UNREADABLE');
    expect(classify('ssh: connect to host 127.0.1.1 port 2: Connection refused\n').code).toBe('UNREACHABLE');
    expect(classify('ssh: connect to host 10.9.9.9 port 22: Connection timed out\n').code).toBe('CONNECT_TIMEOUT');
  });

  it('anything else is a lost connection quoting ssh, never a guess; debug lines are left out', () => {
    const e = classify('debug1: Reading configuration data\nkex_exchange_identification: Connection closed by remote host\n');
    expect(e.code).toBe('CONNECTION_LOST');
    expect(e.message).toContain('kex_exchange_identification');
    expect(e.message).not.toContain('debug1');
  });
});
