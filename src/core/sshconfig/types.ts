/**
 * The controller's OpenSSH client configuration as data: the files ssh would read (loaded at
 * the edge, src/cli/ssh-config.ts) and what one host resolves to through them.
 */
import type { SshConfigLine } from './file.js';

/** One config file, lexed the way ssh reads it. */
export interface SshConfigFile {
  path: string;
  /** How messages and origins name it: `~/.ssh/config`, `/etc/ssh/ssh_config`. */
  display: string;
  /** One entry per line of the file (line n is index n-1). */
  lines: readonly SshConfigLine[];
  /** Set when ssh would refuse the file as unsafe ("Bad owner or permissions"). */
  unsafe?: string;
}

/** A file ssh starts reading at. */
export interface SshConfigRoot {
  path: string;
  /** The user's file (or `ssh -F`): relative Includes are under ~/.ssh, `~` is allowed. */
  user: boolean;
  /** ssh's permission check on ~/.ssh/config (not on an -F file, not on the system file). */
  checkPermissions: boolean;
}

/** Everything ssh could read for any host: the roots and every file their Includes reach. */
export interface SshConfigSet {
  roots: readonly SshConfigRoot[];
  /** Files that exist and were read; a path absent here is a missing file (skipped, as ssh does). */
  files: ReadonlyMap<string, SshConfigFile>;
  /** Include glob (anchored, `~` expanded) → the paths it matched, in ssh's (byte) order. */
  globs: ReadonlyMap<string, readonly string[]>;
}

/** The controller's side: what ssh takes from its user and machine. */
export interface SshEnvironment {
  /** $HOME: `~`, `%d`, ~/.ssh. */
  home: string;
  /** The local user name (`%u`, `Match localuser`, the default remote user). */
  localUser: string;
  /** The local uid (`%i`). */
  uid: number;
  /** gethostname() (`%l`, and `%L` up to the first dot, `%C`). */
  hostname: string;
  /** For `${VAR}` in file names. */
  env: Readonly<Record<string, string | undefined>>;
}

/** A value and where it came from (`~/.ssh/config:12`, `inventory.yml:4`, `default`). */
export interface Sourced<T> {
  value: T;
  origin: string;
}

/**
 * Values given as `ssh -o …` options: the inventory's and the command line's. They are read
 * before any file, so they win (ssh keeps the first value it obtains), as Ansible's do.
 */
export interface SshQuery {
  /** The host argument: the inventory's address (ansible_host), else its name. */
  host: string;
  user?: Sourced<string>;
  port?: Sourced<number>;
  identityFile?: Sourced<string>;
  proxyJump?: Sourced<string>;
  connectTimeout?: Sourced<number>;
}

/** One IdentityFile / CertificateFile. */
export interface KeyFile {
  /** As written (what `ssh -G` prints). */
  raw: string;
  /** `~`, `%` tokens and `${VAR}` expanded: the file ssh opens. */
  path: string;
  origin: string;
  /** One of OpenSSH's default identities (no IdentityFile given anywhere). */
  isDefault: boolean;
}

/** One jump hop: ProxyJump text parsed, the rest resolved when the hop itself is resolved. */
export interface ResolvedJump {
  /** The value as `ssh -G` prints it. */
  text: string;
  origin: string;
  /** The hop next to the target. */
  last: { user?: string; host: string; port?: number };
  /** The hops before it, as written (the last hop's own `-J`), or undefined. */
  extra?: string;
}

/** What one host resolves to, the values `ssh -G` prints for the keywords fleet uses. */
export interface SshResolution {
  hostArg: string;
  hostname: Sourced<string>;
  port: Sourced<number>;
  user: Sourced<string>;
  identityFiles: KeyFile[];
  identitiesOnly: Sourced<boolean>;
  certificateFiles: KeyFile[];
  proxyJump: ResolvedJump | null;
  /** A ProxyCommand fleet does not run; the caller refuses the host. */
  proxyCommand: Sourced<string> | null;
  hostKeyAlias: Sourced<string> | null;
  userKnownHostsFiles: Sourced<string[]>;
  globalKnownHostsFiles: Sourced<string[]>;
  /** Seconds; null is `none` (no limit of ssh's own). */
  connectTimeout: Sourced<number | null>;
  /** Reported only: fleet never relaxes its host-key check for it. */
  strictHostKeyChecking: Sourced<string> | null;
}

/** A key fleet may log in with, and why it is offered. */
export interface IdentityCandidate {
  path: string;
  /** `~/.ssh/config:4`, or `default` for OpenSSH's default identities. */
  origin: string;
  /** One of OpenSSH's default identities: offered after the agent, skipped when missing. */
  isDefault: boolean;
}

/** How to log in to and trust one endpoint, beyond its address, port and user. */
export interface SshEndpointOptions {
  /** Keys from ssh_config, or OpenSSH's defaults; the inventory's / --identity key is HostSpec.identityFile. */
  identityFiles: IdentityCandidate[];
  /** IdentitiesOnly yes: the ssh-agent is not offered. */
  identitiesOnly: boolean;
  /** CertificateFile lines, expanded, for a transport that logs in with certificates. */
  certificateFiles: { path: string; origin: string }[];
  /** UserKnownHostsFile (expanded); the first one is where accept-new records a key. */
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** HostKeyAlias: the name looked up in known_hosts instead of the address and port. */
  hostKeyAlias?: string;
  /** ConnectTimeout (or --timeout), when one was given. */
  connectTimeoutMs?: number;
}

/** One jump host on the way to a target, resolved through ssh_config like any host. */
export interface SshHop extends SshEndpointOptions {
  /** The hop as ProxyJump / `jump` names it. */
  name: string;
  address: string;
  port: number;
  user: string;
  /** Where address, port, user and keys came from. */
  origins: Record<string, string>;
}

/** What ssh_config adds to an inventory host. */
export interface HostSshOptions extends SshEndpointOptions {
  /** ProxyJump hops, the first one connected to directly; empty for a direct connection. */
  jumps: SshHop[];
}
