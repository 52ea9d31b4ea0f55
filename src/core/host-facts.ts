/**
 * What the planner knows about one host's sshd: plain data, read once by facts/ and handed in.
 * It lives in core so that planning depends on nothing but core; facts/ fills it in.
 */
import type { ConfigTree } from './sshd/types.js';

/**
 * How the apply engine reloads sshd: an exact shell command line, and where it came from.
 * `restart`: the service manager's restart, the last resort of a rollback whose reload did not
 * bring logins back (systemd, OpenRC and SysV keep running sessions on a restart of sshd); none
 * for a signal or an inventory command, where fleet cannot know how sshd was started.
 */
export type ReloadMethod = { kind: 'systemd' | 'openrc' | 'sysv' | 'signal' | 'custom'; command: string; restart?: string };

/** The running sshd's command line's effect on the config. */
export interface DaemonArgs {
  /** lowercased keyword → value, from `-o Keyword=value`, `-oKeyword=value` or `-o "Keyword value"`. */
  options: Record<string, string>;
  /** `-f FILE`, when given. */
  configFile: string | null;
  /** The command line as read, for messages. */
  text: string;
}

/** Everything the planner and the apply engine need to know about one host's sshd. */
export interface HostFacts {
  /** host.sshdBinary, or the one found on the host (`command -v sshd`, /usr/sbin/sshd, …). */
  sshdBinary: string;
  /** e.g. "OpenSSH_9.2p1" (from `sshd -V`, or the usage message of an older sshd). */
  sshdVersion: string;
  /** The main file (host.sshdConfigPath) and every file it includes, recursively. */
  tree: ConfigTree;
  /** Parsed `sshd -T` (lowercased keyword → first value); null when sshd rejects its config. */
  effective: Record<string, string> | null;
  /** sshd -t's message when the LIVE config is rejected (then `effective` is null). */
  configError: string | null;
  /** Why `effective` is null on a config sshd -t accepts (sshd -T needs a connection spec for it). */
  effectiveError: string | null;
  /** From `sshd -T` `pidfile`; /run/sshd.pid when unknown. */
  pidFile: string;
  reload: ReloadMethod;
  /** What the running sshd was started with (its -o options win over the files); null when unknown. */
  daemon?: DaemonArgs | null;
}
