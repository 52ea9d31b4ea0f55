/** What fleet knows about one host before planning: read once, then plain data. */
import type { ConfigTree } from '../core/sshd/types.js';
import type { DaemonArgs } from './daemon.js';
import type { ReloadMethod } from './reload.js';

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

export type { ReloadMethod };
