/**
 * The transport contract: the only way the rest of fleet talks to a server.
 * The apply engine and the facts gatherer see these interfaces, never ssh2.
 */

import type { HostSpec } from '../core/inventory/index.js';

export type { HostSpec };

/** Options of one remote command. */
export interface ExecOptions {
  /**
   * Bytes the command reads on stdin, exactly, then EOF; without it, it reads nothing. They
   * travel inside the script the transport writes to the session's stdin (base64), never on a
   * command line.
   */
  stdin?: string | Buffer;
  /** Overrides ConnectOptions.commandTimeoutMs for this command. */
  timeoutMs?: number;
  /** Run through `sudo -n sh -s` when the host has `become`. */
  privileged?: boolean;
}

/** What a finished command produced. A non-zero exit is a result, not an error. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when the command was killed by a signal. */
  code: number | null;
  /** The signal that killed the command, as ssh2 names it (e.g. `SIGTERM`), or null. */
  signal: string | null;
}

/** One authenticated SSH session to one host. */
export interface Transport {
  readonly host: HostSpec;
  /**
   * Runs shell text in the host's `sh` (a `sh -c <quoted script>` line runs as its script).
   * Rejects with FleetError COMMAND_TIMEOUT, CONNECTION_LOST, SUDO_PASSWORD_REQUIRED or
   * OUTPUT_TOO_LARGE (the command printed more than the transport keeps; the connection is
   * then closed); resolves with the exit status otherwise.
   */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  readonly closed: boolean;
  /** The server's software version from its SSH banner (`OpenSSH_9.2p1`), when known. */
  readonly serverVersion?: string | undefined;
}

/** How the Connector opens sessions. */
export interface ConnectOptions {
  /**
   * --known-hosts: the one OpenSSH-format known_hosts file host keys are checked against (before
   * authentication), for every host. Absent: each host's ssh_config UserKnownHostsFile and
   * GlobalKnownHostsFile (HostSpec.ssh), else ~/.ssh/known_hosts.
   */
  knownHostsFile?: string;
  /**
   * --global-known-hosts: the system-wide known_hosts, read too and never written. Absent: each
   * host's ssh_config GlobalKnownHostsFile (none with --known-hosts and no ssh_config).
   */
  globalKnownHostsFile?: string;
  /** Unknown host: record its key (like StrictHostKeyChecking=accept-new) instead of failing. */
  acceptNew: boolean;
  /** Overrides host.identityFile. */
  identityFile?: string;
  /** For encrypted keys (the CLI takes it from FLEET_KEY_PASSPHRASE); never printed. */
  passphrase?: string;
  /** SSH_AUTH_SOCK of an ssh-agent. */
  agentSocket?: string;
  /** TCP connect + handshake + authentication budget, unless the host's ssh_config ConnectTimeout says. */
  connectTimeoutMs: number;
  /** Default budget of one exec. */
  commandTimeoutMs: number;
}
