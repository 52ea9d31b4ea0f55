/**
 * The output a command may send back, stdout and stderr together. fleet's largest answer is the
 * facts probe (every config file, `sshd -T`), far below this; a host that sends more is broken
 * or hostile, and buffering it without bound once took a controller to 6.9 GB and a crash. Both
 * transports (ssh2 and the OpenSSH client) collect through one of these per command.
 */
import { FleetError } from '../core/errors.js';

const MIB = 1024 * 1024;
export const MAX_OUTPUT_BYTES = 8 * MIB;

export class OutputBudget {
  readonly out: Buffer[] = [];
  readonly err: Buffer[] = [];
  #size = 0;

  /** Keeps `chunk` in `into`; false (and drops what it held) once the budget is spent. */
  take(into: Buffer[], chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size <= MAX_OUTPUT_BYTES) {
      into.push(chunk);
      return true;
    }
    this.out.length = 0;
    this.err.length = 0;
    return false;
  }

  static exceeded(where: string): FleetError {
    return new FleetError('OUTPUT_TOO_LARGE', `${where}: a command printed more than ${MAX_OUTPUT_BYTES / MIB} MiB (stdout and stderr together); fleet stopped reading and closed the connection`);
  }
}
