import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { AddressAllocator, isPortFree, labAddress } from '../../src/lab/addresses.js';

function listen(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port }, () => resolve(server));
  });
}
const close = (s: net.Server): Promise<void> => new Promise((r) => s.close(() => r()));

describe('labAddress', () => {
  it('counts 127.0.1.1 … 127.0.1.250, then 127.0.2.1', () => {
    expect(labAddress(0)).toBe('127.0.1.1');
    expect(labAddress(249)).toBe('127.0.1.250');
    expect(labAddress(250)).toBe('127.0.2.1');
    expect(labAddress(499)).toBe('127.0.2.250');
    expect(labAddress(255 * 250 - 1)).toBe('127.0.255.250');
  });
  it('is one-to-one and never reaches .0 or .251-.255', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const a = labAddress(i);
      expect(Number(a.split('.')[3])).toBeGreaterThanOrEqual(1);
      expect(Number(a.split('.')[3])).toBeLessThanOrEqual(250);
      seen.add(a);
    }
    expect(seen.size).toBe(2000);
  });
  it('refuses indexes outside the range', () => {
    expect(() => labAddress(-1)).toThrow(RangeError);
    expect(() => labAddress(255 * 250)).toThrow(RangeError);
    expect(() => labAddress(1.5)).toThrow(RangeError);
  });
});

describe('port probing and allocation', () => {
  // A high port, so the test does not depend on (or disturb) a lab running on port 22.
  const port = 40000 + (process.pid % 20000);

  it('isPortFree sees a listener and its end', async () => {
    const server = await listen('127.0.1.251', port);
    expect(await isPortFree('127.0.1.251', port)).toBe(false);
    await close(server);
    expect(await isPortFree('127.0.1.251', port)).toBe(true);
  });

  it('hands out addresses in order, skipping taken ones, with no duplicates under concurrency', async () => {
    const taken = await listen('127.0.1.2', port);
    try {
      const allocator = new AddressAllocator(port);
      const got = await Promise.all([allocator.allocate(), allocator.allocate(), allocator.allocate()]);
      expect(got).toEqual(['127.0.1.1', '127.0.1.3', '127.0.1.4']);
    } finally {
      await close(taken);
    }
  });
});
