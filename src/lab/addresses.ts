/**
 * Lab addresses: 127.0.1.1 … 127.0.1.250, then 127.0.2.1 …, all on loopback (Linux routes the
 * whole 127.0.0.0/8 to `lo`, so every one can be bound without configuring anything). Each host
 * listens on port 22 of its own address, the way a real fleet looks to an SSH client.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { LabError } from './proc.js';

/** Usable addresses per 127.0.N.0/24 block (.251–.255 stay free for humans). */
const PER_BLOCK = 250;
/** Blocks 127.0.1 … 127.0.255: 63,750 addresses. */
const BLOCKS = 255;

/** The `index`-th lab address (0-based): 0 → 127.0.1.1, 249 → 127.0.1.250, 250 → 127.0.2.1. */
export function labAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= PER_BLOCK * BLOCKS) {
    throw new RangeError(`lab address index out of range: ${index}`);
  }
  return `127.0.${1 + Math.floor(index / PER_BLOCK)}.${1 + (index % PER_BLOCK)}`;
}

/**
 * Whether `address:port` can be bound right now. Another lab (a demo running while tests run)
 * holds its addresses' port 22, so a bind attempt is the honest test; anything but
 * EADDRINUSE is a real problem and is thrown.
 */
export function isPortFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') resolve(false);
      else reject(new LabError(`cannot probe ${address}:${port}: ${e.message}`, { cause: e }));
    });
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Whether a TCP connection to `address:port` is accepted within `timeoutMs`. */
export function acceptsTcp(address: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Hands out free lab addresses in order, one at a time, so the hosts of one lab never race each
 * other for an address. (Two labs can still race between the probe and sshd's bind; the
 * caller retries with the next address when sshd reports the address in use.)
 */
export class AddressAllocator {
  private next = 0;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * `labDir` claims the addresses it hands out (see `claimAddress`), so a host that is
   * stopped for a while keeps its address even when another lab starts meanwhile.
   */
  constructor(
    private readonly port = 22,
    private readonly labDir?: string,
  ) {}

  /** The next address whose port is free, skipping taken ones. */
  allocate(): Promise<string> {
    const result = this.queue.then(() => this.scan());
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async scan(): Promise<string> {
    while (this.next < PER_BLOCK * BLOCKS) {
      const address = labAddress(this.next++);
      if (this.labDir !== undefined && !claimAddress(address, this.labDir)) continue;
      if (await isPortFree(address, this.port)) return address;
      if (this.labDir !== undefined) releaseAddress(address, this.labDir);
    }
    throw new LabError('no free lab address left in 127.0.1.1-127.0.255.250');
  }
}

/**
 * Throws when port 22 is taken on a loopback address no lab ever uses: that means a wildcard
 * listener (a machine-wide sshd on 0.0.0.0:22 or [::]:22) owns port 22 on every address,
 * and scanning for a free one would only waste time.
 */
export async function assertNoWildcardListener(port = 22): Promise<void> {
  const sentinel = '127.0.255.254';
  if (!(await isPortFree(sentinel, port))) {
    throw new LabError(
      `port ${port} is taken on ${sentinel}, so something listens on 0.0.0.0:${port} or [::]:${port} ` +
        '(a machine-wide sshd?). Stop it, or make it listen on specific addresses, before starting a lab.',
    );
  }
}

/** Machine-wide claims: one file per address, holding the directory of the lab that owns it. */
const CLAIMS = '/run/fleet-lab-claims';

/**
 * Claims `address` for the lab in `labDir`. A port probe alone cannot see that a lab's host is
 * merely stopped (stopHost/startHost in a test); the claim can. A claim whose lab directory is
 * gone is stale and is taken over.
 */
export function claimAddress(address: string, labDir: string): boolean {
  mkdirSync(CLAIMS, { recursive: true, mode: 0o700 });
  const file = `${CLAIMS}/${address}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, labDir, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = '';
      try {
        owner = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      if (owner === labDir) return true;
      if (existsSync(owner)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/** Gives up a claim, only if `labDir` holds it. */
export function releaseAddress(address: string, labDir: string): void {
  const file = `${CLAIMS}/${address}`;
  try {
    if (readFileSync(file, 'utf8') === labDir) rmSync(file, { force: true });
  } catch {
    // no claim: nothing to release
  }
}
