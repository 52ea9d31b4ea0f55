/**
 * The facts probe: ONE POSIX sh script, run once per host, that prints everything fleet
 * needs in a framed format (see frames.ts). One round trip instead of a dozen is what
 * keeps `fleet check` close to the cost of a bare `ssh host sshd -T`.
 *
 * Portability: dash, bash and busybox sh (Alpine). Only POSIX sh plus `base64` (coreutils
 * and busybox). Every value from fleet enters as a quoted literal, Include patterns fleet
 * read off the host included; those are only ever glob-expanded, never evaluated.
 */
import { script } from '../remote/compose.js';
import { REMOTE } from '../remote/scripts.generated.js';

/**
 * sshd resolves relative Include paths against its compiled-in SSHDIR, not against the
 * including file's directory.
 */
export const SSHDIR = '/etc/ssh';

/** How many levels of Include below the drop-ins the shell follows before leaving the rest to a follow-up probe. */
const SHELL_INCLUDE_DEPTH = 4;

/** What the probe and its follow-up share (probe-walk.sh): where relative Includes resolve, how deep the shell follows them, and what separates an Include's arguments (CR too: a CRLF file's lines end in one). */
const WALK = { sshdir: SSHDIR, include_depth: SHELL_INCLUDE_DEPTH, blanks: ' \t\r\n' };

/** Arguments of the probe: what the inventory says about this host. */
export interface ProbeInput {
  configPath: string;
  /** host.sshdBinary; found on the host when absent. */
  sshdBinary?: string;
  /** The transport already knows the running sshd's version (from its banner): skip `sshd -V`. */
  knownVersion?: boolean;
}

/** The full facts probe (probe.sh). Run it privileged: sshd -T needs to read the host keys. */
export function factsScript(input: ProbeInput): string {
  const values = { ...WALK, cfg: input.configPath, sshd: input.sshdBinary ?? '', known_version: input.knownVersion === true };
  return script(values, REMOTE.probeWalk, REMOTE.probe);
}

/**
 * The follow-up probe for what the first one did not fetch (probe-follow-up.sh): Include
 * patterns fleet found in the files read so far that no probe has globbed yet, and matched
 * files not yet printed.
 */
export function followUpScript(patterns: readonly string[], files: readonly string[]): string {
  return script({ ...WALK, patterns, files }, REMOTE.probeWalk, REMOTE.probeFollowUp);
}
