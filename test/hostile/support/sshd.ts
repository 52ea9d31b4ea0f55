/**
 * The real OpenSSH binaries as judges of fuzzed configs: stage a ConfigTree with `relocate`
 * under a private directory and ask `/usr/sbin/sshd -T -f` (which performs every check of
 * `sshd -t` before it prints the effective values), two processes at a time (2 cores).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import { firstPrintedValues } from '../../../src/core/printed-config.js';
import { relocate, type ConfigTree } from '../../../src/core/sshd/index.js';

export const SSHD = '/usr/sbin/sshd';
export const SEED = Number(process.env['FLEET_FUZZ_SEED'] ?? Date.now() % 2 ** 31);

export interface Verdict {
  /** true when the binary accepted the config (exit 0) */
  accepted: boolean;
  /** lowercased keyword → value, from `sshd -T` or `ssh -G` */
  values: Map<string, string>;
  stderr: string;
}

const limit = pLimit(2);

/** Runs a binary; never throws for a non-zero exit. */
export function judge(binary: string, args: string[]): Promise<Verdict> {
  return limit(
    () =>
      new Promise<Verdict>((resolve) => {
        execFile(binary, args, { maxBuffer: 1 << 20, timeout: 20_000 }, (error, stdout, stderr) => {
          const values = new Map(Object.entries(firstPrintedValues(stdout)));
          resolve({ accepted: error === null, values, stderr: String(stderr) });
        });
      }),
  );
}

/** A scratch directory for staged trees, removed by `dispose`. */
export class Stage {
  #root = '';
  #count = 0;

  async open(): Promise<void> {
    if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: these tests need OpenSSH's sshd (apt-get install openssh-server)`);
    // sshd -t / -T insist on the privilege separation directory.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    this.#root = await mkdtemp(join(tmpdir(), 'fleet-hostile-'));
  }

  async dispose(): Promise<void> {
    if (this.#root !== '') await rm(this.#root, { recursive: true, force: true });
  }

  /** Writes the tree under a fresh directory; returns the staged main file. */
  async tree(tree: ConfigTree): Promise<string> {
    const staged = relocate(tree, join(this.#root, String(this.#count++)));
    for (const [path, text] of staged.files) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
    }
    return staged.main;
  }

  /** Writes one file under a fresh directory; returns its path. */
  async file(name: string, text: string): Promise<string> {
    const dir = join(this.#root, String(this.#count++));
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    await writeFile(path, text, { mode: 0o600 });
    return path;
  }

  /** `sshd -T -f <staged main>`. */
  async sshd(tree: ConfigTree): Promise<Verdict> {
    return judge(SSHD, ['-T', '-f', await this.tree(tree)]);
  }
}

/** A tree printed for a failure message: every file as a JSON string, so every byte shows. */
export function describeTree(tree: ConfigTree): string {
  return [...tree.files].map(([path, text]) => `--- ${path}\n${JSON.stringify(text)}`).join('\n');
}
