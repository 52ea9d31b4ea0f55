/**
 * The transport keeps at most 8 MiB of a command's output (stdout and stderr together): a host
 * that sends more fails the command with OUTPUT_TOO_LARGE and loses its connection, so it costs
 * the controller neither memory nor time. Against a fake SSH server on loopback (no lab needed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connector, type Transport } from '../../../src/transport/index.js';
import { startFloodServer, type FloodServer } from '../../helpers/flood-server.js';

const MIB = 1024 * 1024;
let dir: string;
let key: string;
const servers: FloodServer[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-cap-'));
  key = join(dir, 'id_ed25519');
  writeFileSync(key, ssh2.utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function connectTo(bytes: number, stream: 'stdout' | 'stderr'): Promise<{ t: Transport; server: FloodServer }> {
  const server = await startFloodServer('127.0.0.1', bytes, stream);
  servers.push(server);
  const knownHosts = join(dir, `known_hosts_${server.port}`);
  writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
  const connector = new Connector({ knownHostsFile: knownHosts, acceptNew: false, connectTimeoutMs: 10_000, commandTimeoutMs: 60_000 });
  const host = { name: 'flooder', address: '127.0.0.1', port: server.port, user: 'root', identityFile: key, become: false, sshdConfigPath: '/etc/ssh/sshd_config', groups: [] };
  return { t: await connector.connect(host), server };
}

describe('output cap', () => {
  it.each(['stdout', 'stderr'] as const)('1 GiB on %s: OUTPUT_TOO_LARGE, the connection is closed, the host sent little of it', async (stream) => {
    const { t, server } = await connectTo(1024 * MIB, stream);
    await expect(t.exec('true')).rejects.toMatchObject({
      code: 'OUTPUT_TOO_LARGE',
      message: `flooder (127.0.0.1:${server.port}): a command printed more than 8 MiB (stdout and stderr together); fleet stopped reading and closed the connection`,
    });
    await expect.poll(() => t.closed).toBe(true);
    expect(server.stats.bytesSent).toBeLessThan(64 * MIB);
    await expect(t.exec('true')).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
  });

  it('exactly 8 MiB is kept whole', async () => {
    const { t } = await connectTo(8 * MIB, 'stdout');
    const r = await t.exec('true');
    expect(r.stdout.length).toBe(8 * MIB);
    expect(r.code).toBe(0);
    expect(t.closed).toBe(false);
    await t.close();
  });
});
