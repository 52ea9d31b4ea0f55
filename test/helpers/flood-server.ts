/**
 * A hostile SSH server for tests: ssh2's Server on a loopback address, accepting any key, that
 * answers every command with a flood of output (up to `bytesPerCommand`, as fast as the client
 * takes it) and never a useful answer. It writes with backpressure, so the flood costs this
 * process no memory; it counts what it managed to send, so a test can tell that the client
 * stopped reading.
 */
import { once } from 'node:events';
import ssh2 from 'ssh2';

export interface FloodServer {
  address: string;
  port: number;
  /** The server's key as a known_hosts line (`[address]:port ssh-ed25519 AAAA…`). */
  knownHostsLine: string;
  /** Commands received, and the bytes of output written to clients (stdout and stderr). */
  stats: { commands: string[]; bytesSent: number; connections: number };
  stop(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'flood line, again and again\n');

/** `stream`: which of the command's outputs floods. */
export async function startFloodServer(address: string, bytesPerCommand: number, stream: 'stdout' | 'stderr' = 'stdout'): Promise<FloodServer> {
  if (!address.startsWith('127.')) throw new Error(`the flood server listens on loopback only, not ${address}`);
  const key = ssh2.utils.generateKeyPairSync('ed25519');
  const stats = { commands: [] as string[], bytesSent: 0, connections: 0 };
  const clients = new Set<ssh2.Connection>();
  const server = new ssh2.Server({ hostKeys: [key.private], ident: 'OpenSSH_9.2p1' }, (client) => {
    stats.connections += 1;
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => {
          stats.commands.push(info.command);
          void flood(accept(), bytesPerCommand, stream, stats);
        });
      });
    });
  });
  server.listen(0, address);
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    address,
    port,
    knownHostsLine: `[${address}]:${port} ${key.public.split(' ').slice(0, 2).join(' ')}`,
    stats,
    stop: async () => {
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes output until `total` bytes are out or the channel goes. */
async function flood(channel: ssh2.ServerChannel, total: number, stream: 'stdout' | 'stderr', stats: { bytesSent: number }): Promise<void> {
  let open = true;
  channel.on('close', () => (open = false));
  channel.on('error', () => (open = false));
  // The script on stdin is read and dropped, as a shell would read it.
  channel.on('data', () => undefined);
  const out = stream === 'stdout' ? channel : channel.stderr;
  let sent = 0;
  while (open && sent < total) {
    const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, total - sent));
    sent += chunk.length;
    stats.bytesSent += chunk.length;
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(channel, 'close')]).catch(() => undefined);
  }
  if (open) {
    channel.exit(0);
    channel.end();
  }
}
