/**
 * The known_hosts file on disk: read once per run, appended to by accept-new.
 * Appends are serialized so 50 hosts accepted at the same moment give 50 whole lines.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FleetError } from '../core/errors.js';
import { keyTypeOf, knownHostsLine, lookupName, parseKnownHosts, type KnownHostEntry } from './known-hosts.js';

/**
 * The line OpenSSH's HashKnownHosts writes: `|1|<salt>|<HMAC-SHA1 of the name keyed by the salt>`,
 * both base64, the salt 20 random bytes (hostfile.c host_hash), so the file does not list the
 * hosts in clear.
 */
export function hashedKnownHostsLine(host: string, port: number, keyBlob: Buffer, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(lookupName(host, port)).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

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

  /**
   * Records a newly accepted host key (file created 0600, like ssh does). A file that holds any
   * hashed name was hashed on purpose (HashKnownHosts): the new host is hashed too, rather than
   * being the one name an attacker who reads the file can see.
   */
  accept(host: string, port: number, keyBlob: Buffer): Promise<void> {
    const write = this.#writes.then(async () => {
      const entries = await this.entries();
      const hashed = entries.some((e) => e.names.kind === 'hashed');
      const line = hashed ? hashedKnownHostsLine(host, port, keyBlob) : knownHostsLine(host, port, keyBlob);
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
