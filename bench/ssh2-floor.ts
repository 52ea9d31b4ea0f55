/**
 * The floor of fleet's own stack: a minimal single-process ssh2 script that opens one
 * connection per host, `forks` at a time, checks the host key against known_hosts, runs one
 * command and prints its output. fleet cannot do the same SSH work faster than this, so the
 * bench divides fleet's times by it.
 *
 *   node dist-bench/bench/ssh2-floor.js KEY KNOWN_HOSTS FORKS COMMAND ADDRESS... [--no-delay]
 *
 * Exits 0 only when every host ran the command with exit status 0.
 */
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const [keyFile, knownHostsFile, forksText, remoteCommand, ...addresses] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!keyFile || !knownHostsFile || !forksText || !remoteCommand || addresses.length === 0) {
  process.stderr.write('usage: ssh2-floor KEY KNOWN_HOSTS FORKS COMMAND ADDRESS... [--no-delay]\n');
  process.exit(64);
}
const command: string = remoteCommand;
const privateKey = readFileSync(keyFile);
// `<address> <type> <base64>` lines; the lab's hosts listen on port 22, so no [host]:port form.
const knownKeys = new Map(
  readFileSync(knownHostsFile, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => {
    const [host, , blob] = l.trim().split(/\s+/);
    return [host as string, Buffer.from(blob ?? '', 'base64')] as const;
  }),
);

function runOn(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const fail = (e: Error): void => {
      client.end();
      reject(new Error(`${host}: ${e.message}`));
    };
    client.on('error', fail);
    client.on('ready', () => {
      if (flags.includes('--no-delay')) client.setNoDelay(true);
      client.exec(command, (err, channel) => {
        if (err) return fail(err);
        const out: Buffer[] = [];
        channel.on('data', (b: Buffer) => out.push(b));
        channel.stderr.on('data', () => undefined);
        channel.on('close', (code: number | null) => {
          client.end();
          if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
          else reject(new Error(`${host}: exited ${code}`));
        });
      });
    });
    const expected = knownKeys.get(host);
    client.connect({
      host, port: 22, username: 'root', privateKey, readyTimeout: 30_000,
      hostVerifier: (key: Buffer) => expected !== undefined && key.equals(expected),
    });
  });
}

let failed = 0;
let next = 0;
async function worker(): Promise<void> {
  while (next < addresses.length) {
    const host = addresses[next++] as string;
    try {
      process.stdout.write(await runOn(host));
    } catch (error) {
      failed += 1;
      process.stderr.write(`${(error as Error).message}\n`);
    }
  }
}
await Promise.all(Array.from({ length: Math.min(Number(forksText), addresses.length) }, worker));
process.exitCode = failed === 0 ? 0 : 1;
