/**
 * Hostile policies and inventories for the real CLI: values that would run a command if any
 * of them ever reached a shell unquoted (each one `touch`es its own canary file), a TCP
 * listener that counts connection attempts (a refused input must connect to nothing), and
 * YAML written with the `yaml` package so every payload arrives byte for byte as written.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A directory where payloads leave canaries; empty as long as nothing ran. */
export class Canaries {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Payloads that run `touch <dir>/<tag>-<n>` in a shell, in every way a value could get there. */
  payloads(tag: string): string[] {
    const c = (n: number): string => join(this.dir, `${tag}-${n}`);
    return [
      `$(touch ${c(0)})`,
      `\`touch ${c(1)}\``,
      `x;touch ${c(2)}`,
      `x\ntouch ${c(3)}`,
      `x # ;touch ${c(4)}`,
      `x";touch ${c(5)};"`,
      `x';touch ${c(6)};'`,
      `x&&touch ${c(7)}`,
      `x|touch ${c(8)}`,
      `x\rtouch ${c(9)}`,
    ];
  }

  /** Payloads without spaces or '/', for values whose other checks might stop at a space. */
  compactPayloads(tag: string): string[] {
    return [`$(reboot)${tag}`, `\`id\`${tag}`, `x;id;${tag}`, `${tag}#x`, `${tag}"x`, `${tag}'x`, `${tag}\nx`, `$IFS${tag}`];
  }

  fired(): string[] {
    return existsSync(this.dir) ? readdirSync(this.dir) : [];
  }
}

/** Writes a YAML document from a plain value; returns its path. */
export function writeYaml(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(value, { lineWidth: 0 }));
  return path;
}

/** The 1-based line of the first line of `text` containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`${JSON.stringify(needle)} is not in the document`);
  return index + 1;
}

/** A TCP listener on loopback that counts connection attempts and closes each at once. */
export class Tripwire {
  #server: Server | undefined;
  connections = 0;
  port = 0;

  async open(): Promise<void> {
    const server = createServer((socket) => {
      this.connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    this.#server = server;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

/** Escapes text for use inside a RegExp. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
