/**
 * The known_hosts file on disk: read once per run, appended to by accept-new.
 * Appends are serialized so 50 hosts accepted at the same moment give 50 whole lines.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FleetError } from '../core/errors.js';
import { knownHostsLine, parseKnownHosts, type KnownHostEntry } from './known-hosts.js';

export class KnownHostsStore {
  readonly path: string;
  #entries: Promise<KnownHostEntry[]> | null = null;
  #endsWithNewline = true;
  #writes: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  entries(): Promise<KnownHostEntry[]> {
    this.#entries ??= readFile(this.path, 'utf8').then(
      (text) => {
        this.#endsWithNewline = text === '' || text.endsWith('\n');
        return parseKnownHosts(text);
      },
      (err: NodeJS.ErrnoException) => {
        // A missing file is an empty one (first run with accept-new); anything else is the user's to fix.
        if (err.code === 'ENOENT') return [];
        throw new FleetError('INPUT_MISSING', `cannot read known_hosts ${this.path}: ${err.message}`, { cause: err });
      },
    );
    return this.#entries;
  }

  /** Records a newly accepted host key (file created 0600, like ssh does). */
  accept(host: string, port: number, keyBlob: Buffer): Promise<void> {
    const line = knownHostsLine(host, port, keyBlob);
    const write = this.#writes.then(async () => {
      const entries = await this.entries();
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const prefix = this.#endsWithNewline ? '' : '\n';
      await appendFile(this.path, `${prefix}${line}\n`, { mode: 0o600 });
      this.#endsWithNewline = true;
      // Later connections in this run (a re-login proof) must see the key just accepted.
      entries.push(...parseKnownHosts(line).map((e) => ({ ...e, line: entries.length + 1 })));
    });
    this.#writes = write.catch(() => {});
    return write.catch((err: unknown) => {
      throw new FleetError('HOSTKEY_UNKNOWN', `host key not accepted: cannot record it in ${this.path}: ${String(err)}`, { cause: err });
    });
  }
}
