/**
 * The SSH transport against real OpenSSH servers (src/lab): host-key policy, auth,
 * error classification, timeouts, scripts sent on stdin, and jump-host connection sharing.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec } from '../../src/core/inventory/index.js';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { quote } from '../../src/core/shell.js';
import { Connector, type ConnectOptions, type Transport } from '../../src/transport/index.js';

let lab: Lab;
let tmp: string;
const connectors: Connector[] = [];

beforeAll(async () => {
  lab = await startLab({ count: 4, shapes: ['debian12'], users: ['fleetuser'] });
  tmp = mkdtempSync(join(tmpdir(), 'fleet-transport-'));
}, 180_000);

afterAll(async () => {
  await Promise.all(connectors.map((c) => c.closeAll()));
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function spec(h: LabHost, extra: Partial<HostSpec> = {}): HostSpec {
  return {
    name: h.name,
    address: h.address,
    port: h.port,
    user: 'root',
    identityFile: lab.clientKey,
    become: false,
    sshdConfigPath: '/etc/ssh/sshd_config',
    groups: [],
    ...extra,
  };
}

function connector(extra: Partial<ConnectOptions> = {}): Connector {
  const c = new Connector({
    knownHostsFile: lab.knownHosts,
    acceptNew: false,
    connectTimeoutMs: 10_000,
    commandTimeoutMs: 20_000,
    ...extra,
  });
  connectors.push(c);
  return c;
}

const host = (i: number) => lab.hosts[i]!;

/**
 * File descriptors of this process's established TCP connections to `address`:22 (from the
 * kernel, via ss), optionally only the one from local port `localPort`.
 */
function socketsTo(address: string, localPort?: number): Set<number> {
  const filter = localPort === undefined ? [] : ['sport', '=', `:${localPort}`];
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', 'dst', `${address}:22`, ...filter], { encoding: 'utf8' });
  return new Set([...out.matchAll(new RegExp(`pid=${process.pid},fd=(\\d+)`, 'g'))].map((m) => Number(m[1])));
}

/**
 * TCP_NODELAY as the kernel holds it for one of this process's sockets: Node cannot read a
 * socket option, so perl (Essential on Debian) calls getsockopt on a shared copy of the fd.
 */
function tcpNoDelay(fd: number): number {
  const perl = 'use Socket qw(IPPROTO_TCP TCP_NODELAY); open(my $s, "+<&=3") or die "fd 3: $!"; ' +
    'my $v = getsockopt($s, IPPROTO_TCP, TCP_NODELAY); defined $v or die "getsockopt: $!"; print unpack("i", $v)';
  const r = spawnSync('perl', ['-e', perl], { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`perl getsockopt on fd ${fd}: ${r.stderr}`);
  return Number(r.stdout);
}

const added = (before: Set<number>, after: Set<number>) => [...after].filter((fd) => !before.has(fd));

describe.sequential('transport against real sshd', () => {
  it('runs commands: stdout, stderr, exit status and signals kept apart', async () => {
    const t = await connector().connect(spec(host(0)));
    expect(t.closed).toBe(false);
    expect(await t.exec('id -u; echo oops >&2; exit 3')).toEqual({ stdout: '0\n', stderr: 'oops\n', code: 3, signal: null });
    expect(await t.exec('kill -TERM $$')).toMatchObject({ code: null, signal: 'SIGTERM' });
    // The session sees the host's own /etc/ssh (the lab's namespace), so facts will too.
    expect((await t.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout).toBe(
      readFileSync(join(host(0).etcSsh, 'ssh_host_ed25519_key.pub'), 'utf8'),
    );
    await t.close();
    expect(t.closed).toBe(true);
  });

  it('scripts travel on stdin: a 3 MiB script arrives whole, and a command reading stdin reads nothing and eats none of it', async () => {
    const t = await connector().connect(spec(host(0)));
    const bytes = randomBytes(9 * 256 * 1024);
    const lines = bytes.toString('base64').match(/.{1,76}/g)!;
    const half = Math.ceil(lines.length / 2);
    const script = [
      "base64 -d <<'END' > /tmp/fleet-stdin-test",
      ...lines.slice(0, half),
      'END',
      'printf "cat:[%s]\\n" "$(cat)"',
      'x=unset; read -r x; printf "read:[%s]\\n" "$x"',
      "base64 -d <<'END' >> /tmp/fleet-stdin-test",
      ...lines.slice(half),
      'END',
      'sha256sum < /tmp/fleet-stdin-test | cut -d" " -f1; rm -f /tmp/fleet-stdin-test',
    ].join('\n');
    expect(script.length).toBeGreaterThan(3 << 20);
    for (const cmd of [script, `sh -c ${quote(script)}`]) {
      const r = await t.exec(cmd);
      expect(r).toMatchObject({ stdout: `cat:[]\nread:[]\n${createHash('sha256').update(bytes).digest('hex')}\n`, code: 0 });
    }
    // Output keeps its exact bytes too: binary, CRLF, no final newline.
    expect((await t.exec("printf 'x\\r\\ny\\0z'")).stdout).toBe('x\r\ny\0z');
    await t.close();
  });

  it('delivers stdin byte for byte (binary, CRLF, no final newline, 1 MiB), plain and privileged', async () => {
    const t = await connector().connect(spec(host(0), { become: true }));
    const bytes = Buffer.concat([Buffer.from('a\r\nb\0c\xff'), randomBytes(1 << 20), Buffer.from('no newline')]);
    const r = await t.exec('sha256sum | cut -d" " -f1; wc -c');
    expect(r.stdout).toBe(`${createHash('sha256').update('').digest('hex')}\n0\n`);
    for (const privileged of [false, true]) {
      const r2 = await t.exec('sha256sum | cut -d" " -f1', { stdin: bytes, privileged });
      expect(r2.stdout.trim()).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect((await t.exec('cat', { stdin: 'x\r\ny' })).stdout).toBe('x\r\ny');
    await t.close();
  });

  it('each connect is a new login, so one host can hold a lifeline and a fresh session', async () => {
    const c = connector();
    const a = await c.connect(spec(host(0)));
    const b = await c.connect(spec(host(0)));
    const portOf = async (t: Transport) => (await t.exec('echo $SSH_CONNECTION')).stdout.split(' ')[1];
    expect(await portOf(a)).not.toBe(await portOf(b));
    expect(c.stats.targetConnections).toBe(2);
    await c.closeAll();
    expect(a.closed && b.closed).toBe(true);
  });

  it('refuses an unknown host key before authenticating', async () => {
    const file = join(tmp, 'empty_known_hosts');
    writeFileSync(file, '# nothing here\n');
    const c = connector({ knownHostsFile: file });
    await expect(c.connect(spec(host(1)))).rejects.toMatchObject({ code: 'HOSTKEY_UNKNOWN', message: expect.stringContaining(host(1).address) });
    expect(c.stats.authAttempts).toBe(0);
  });

  it('accept-new records the key (file created 0600) and the recorded line then passes alone', async () => {
    const file = join(tmp, 'new', 'known_hosts');
    const c = connector({ knownHostsFile: file, acceptNew: true });
    const t = await c.connect(spec(host(1)));
    expect((await t.exec('true')).code).toBe(0);
    const recorded = readFileSync(file, 'utf8');
    const expected = readFileSync(lab.knownHosts, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${host(1).address} `));
    expect(recorded).toBe(`${expected}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const strict = connector({ knownHostsFile: file });
    await expect(strict.connect(spec(host(1)))).resolves.toBeDefined();
    // A second accept in the same run does not duplicate the line.
    await c.connect(spec(host(1)));
    expect(readFileSync(file, 'utf8')).toBe(recorded);
  });

  it('a changed host key is a mismatch: no authentication is attempted, even with accept-new', async () => {
    const file = join(tmp, 'wrong_known_hosts');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(tmp, 'impostor')]);
    const [type, blob] = readFileSync(join(tmp, 'impostor.pub'), 'utf8').split(' ');
    writeFileSync(file, `${host(2).address} ${type} ${blob}\n`);
    for (const acceptNew of [false, true]) {
      const c = connector({ knownHostsFile: file, acceptNew });
      await expect(c.connect(spec(host(2)))).rejects.toMatchObject({ code: 'HOSTKEY_MISMATCH' });
      expect(c.stats.authAttempts).toBe(0);
    }
    // The control: with the right key the same connector path does authenticate.
    const ok = connector();
    await ok.connect(spec(host(2)));
    expect(ok.stats.authAttempts).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(`${host(2).address} ${type} ${blob}\n`);
  });

  it('a @revoked key is refused', async () => {
    const file = join(tmp, 'revoked_known_hosts');
    const line = readFileSync(lab.knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${host(2).address} `))!;
    writeFileSync(file, `${line}\n@revoked ${line}\n`);
    const c = connector({ knownHostsFile: file });
    await expect(c.connect(spec(host(2)))).rejects.toMatchObject({ code: 'HOSTKEY_REVOKED' });
    expect(c.stats.authAttempts).toBe(0);
  });

  it('a closed port is UNREACHABLE; a blackholed handshake is CONNECT_TIMEOUT', async () => {
    await expect(connector().connect(spec(host(0), { port: 1 }))).rejects.toMatchObject({ code: 'UNREACHABLE' });
    // A listener that never speaks SSH: TCP connects, the handshake never comes.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    await expect(
      connector({ connectTimeoutMs: 700 }).connect({ ...spec(host(0)), address: '127.0.0.1', port }),
    ).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
    silent.close();
  });

  it('authentication: wrong key → AUTH_FAILED, missing key → KEY_UNREADABLE', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(tmp, 'stranger')]);
    await expect(connector().connect(spec(host(0), { identityFile: join(tmp, 'stranger') }))).rejects.toMatchObject({
      code: 'AUTH_FAILED',
    });
    await expect(connector().connect(spec(host(0), { identityFile: join(tmp, 'no-such-key') }))).rejects.toMatchObject({
      code: 'KEY_UNREADABLE',
    });
  });

  it('encrypted keys: names FLEET_KEY_PASSPHRASE when missing, never echoes a wrong one, works with the right one', async () => {
    const key = join(tmp, 'locked');
    const secret = 'correct horse battery';
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', secret, '-f', key]);
    const pub = readFileSync(`${key}.pub`, 'utf8').trim();
    const added = await lab.exec(host(3), `printf '%s\\n' '${pub}' >> /root/.ssh/authorized_keys`);
    expect(added.code).toBe(0);

    await expect(connector().connect(spec(host(3), { identityFile: key }))).rejects.toMatchObject({ code: 'KEY_UNREADABLE', message: expect.stringContaining('FLEET_KEY_PASSPHRASE') });
    const wrongSecret = 'hunter2-not-it';
    const wrong = await connector({ passphrase: wrongSecret }).connect(spec(host(3), { identityFile: key })).catch((e: Error) => e);
    expect(wrong).toMatchObject({ code: 'KEY_UNREADABLE' });
    expect((wrong as Error).message).not.toContain(wrongSecret);
    const t = await connector({ passphrase: secret }).connect(spec(host(3), { identityFile: key }));
    expect((await t.exec('id -u')).stdout).toBe('0\n');
  });

  it('authenticates through ssh-agent', async () => {
    const socket = join(tmp, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      execFileSync('ssh-add', [lab.clientKey], { env: { SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const c = connector({ agentSocket: socket });
      const t = await c.connect(spec(host(0), { identityFile: undefined }));
      expect((await t.exec('echo agent-ok')).stdout).toBe('agent-ok\n');
      await expect(connector().connect(spec(host(0), { identityFile: undefined }))).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    } finally {
      agent.kill();
    }
  });

  it('a command past its timeout is COMMAND_TIMEOUT, is killed, and the session stays usable', async () => {
    const t = await connector().connect(spec(host(0)));
    const seconds = 4000 + Math.floor(Math.random() * 1000);
    const started = Date.now();
    await expect(t.exec(`sleep ${seconds}`, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'COMMAND_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await t.exec('echo still-here')).stdout).toBe('still-here\n');
    let left = '';
    for (let i = 0; i < 20; i++) {
      // `[s]leep` so pgrep does not find the shell running pgrep.
      left = (await t.exec(`pgrep -f '[s]leep ${seconds}' || true`)).stdout.trim();
      if (left === '') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe('');
  });

  it('privileged commands: root runs them directly; a become user without NOPASSWD gets SUDO_PASSWORD_REQUIRED', async () => {
    const t = await connector().connect(spec(host(0), { become: true }));
    expect((await t.exec('id -u', { privileged: true })).stdout).toBe('0\n');
    // sudo is installed by the test setup (test/setup/global.ts)
    const u = await connector().connect(spec(host(0), { user: 'fleetuser', become: true }));
    expect((await u.exec('id -un')).stdout).toBe('fleetuser\n');
    await expect(u.exec('id -u', { privileged: true })).rejects.toMatchObject({ code: 'SUDO_PASSWORD_REQUIRED' });
  });

  it('jump host: 20 simultaneous connects through one bastion share ONE connection to it', async () => {
    const bastion = host(0);
    // Count in the kernel: TCP connections from this process to the bastion's sshd.
    const ourConnections = () =>
      execFileSync('ss', ['-Htnp', 'state', 'established', 'dst', `${bastion.address}:22`], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(`pid=${process.pid},`)).length;
    const before = ourConnections();
    const c = connector();
    const via = { jump: { host: bastion.address, port: 22, user: 'root' } };
    const targets = [host(1), host(2), host(3)];
    const sessions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.connect(spec(targets[i % targets.length]!, via))),
    );
    expect(c.stats.jumpConnections).toBe(1);
    expect(c.stats.targetConnections).toBe(20);
    const names = await Promise.all(sessions.map((s) => s.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')));
    names.forEach((r, i) =>
      expect(r.stdout).toBe(readFileSync(join(targets[i % targets.length]!.etcSsh, 'ssh_host_ed25519_key.pub'), 'utf8')),
    );
    // Exactly one more TCP connection to the bastion (the tunnels' own TCP connections go
    // from the bastion to the targets).
    expect(ourConnections() - before).toBe(1);
    // A target the bastion cannot reach is UNREACHABLE (saying what was tried), and the shared bastion link survives it.
    await expect(c.connect(spec(host(1), { ...via, port: 1 }))).rejects.toMatchObject({
      code: 'UNREACHABLE',
      message: expect.stringContaining(`; tried root@${host(1).address}:1 via root@${bastion.address}:22 [user root from default: the local user; address ${host(1).address} from the inventory name; port 1 from default]; keys: ${lab.clientKey} (inventory)`),
    });
    expect((await c.connect(spec(host(1), via))).closed).toBe(false);
    expect(c.stats.jumpConnections).toBe(1);
    await c.closeAll();
    expect(sessions.every((s) => s.closed)).toBe(true);
  });

  it('Nagle is off (TCP_NODELAY in the kernel) on target and jump-host connections', async () => {
    const [bastion, direct, tunneled] = [host(0), host(1), host(2)];
    const before = { bastion: socketsTo(bastion.address), tunneled: socketsTo(tunneled.address) };
    const c = connector();
    const a = await c.connect(spec(direct));
    const b = await c.connect(spec(tunneled, { jump: { host: bastion.address, port: 22, user: 'root' } }));
    expect((await b.exec('echo b')).stdout).toBe('b\n');
    // The direct session's own socket, found by the client port sshd saw.
    const clientPort = Number((await a.exec('echo $SSH_CONNECTION')).stdout.split(' ')[1]);
    const directFds = [...socketsTo(direct.address, clientPort)];
    // The bastion connection: the one this connector added (the jump test counts the same way).
    const bastionFds = added(before.bastion, socketsTo(bastion.address));
    expect(directFds).toHaveLength(1);
    expect(bastionFds).toHaveLength(1);
    // The tunneled session has no socket of ours: its bytes ride the bastion connection.
    expect(added(before.tunneled, socketsTo(tunneled.address))).toEqual([]);
    for (const fd of [...directFds, ...bastionFds]) expect(tcpNoDelay(fd)).toBe(1);

    // The control: a plain TCP connection to the same sshd reads 0, so the probe tells them apart.
    const { connect } = await import('node:net');
    const plain = connect(22, bastion.address);
    await new Promise<void>((r, j) => plain.once('connect', r).once('error', j));
    const plainFds = [...socketsTo(bastion.address, plain.localPort)];
    expect(plainFds).toHaveLength(1);
    expect(tcpNoDelay(plainFds[0]!)).toBe(0);
    plain.destroy();
    await c.closeAll();
  });

  it('a connection that drops mid-command is CONNECTION_LOST', async () => {
    const h = host(3);
    const t = await connector().connect(spec(h));
    const running = t.exec('sleep 30').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await lab.stopHost(h);
    expect(await running).toMatchObject({ code: 'CONNECTION_LOST' });
    expect(t.closed).toBe(true);
    await expect(t.exec('true')).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    // And the stopped host is UNREACHABLE until it is back.
    await expect(connector().connect(spec(h))).rejects.toMatchObject({ code: 'UNREACHABLE' });
    await lab.startHost(h);
    await expect(connector().connect(spec(h))).resolves.toBeDefined();
  });
});
