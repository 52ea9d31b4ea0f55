/**
 * The shape of fleet's ssh_config keyword table: what scripts/gen-ssh-keywords.mjs reads from
 * OpenSSH's readconf.c (keyword-table.generated.ts) and what is annotated by hand
 * (keyword-overlay.ts). Value types and repeat rules are the server table's; only how `ssh -G`
 * prints a value has forms of its own.
 */
import type { Combine, Printed, ValueType } from '../sshd/keyword-types.js';

/** One keyword as readconf.c gives it. ssh_config has no scope: every keyword may stand under Host and Match. */
export interface GeneratedClientKeyword {
  /** Canonical spelling: ssh_config(5)'s, else the generator's SPELLING. */
  name: string;
  /** Releases whose parser knows the name: `7.4+`, `9.2+`, `8.5-8.6`. */
  versions: string;
  /**
   * `option` sets something; `build` does too when ssh was built with GSSAPI or PKCS#11 (as
   * Linux distributions build it); `deprecated` and `unsupported` are accepted and set nothing.
   */
  status: 'option' | 'build' | 'deprecated' | 'unsupported';
  /** For a keyword that no longer sets anything: the releases where it still did. */
  optionIn?: string;
  /** The option this name sets (an alias), in the newest release. */
  aliasOf?: string;
}

/**
 * How `ssh -G` prints a value beyond the forms `sshd -T` shares (readconf.c dump_client_config):
 * - `home`: a path ssh expands (`~` → the user's home, `%` tokens) before printing;
 * - `forward`: LocalForward/DynamicForward, each `host:port` as `[host]:port`;
 * - `remoteforward`: as `forward`, and a lone port (dynamic remote forward) as `PORT [socks]:0`;
 * - `controlpersist`: yes / no, or a time in seconds;
 * - `escapechar`: `^A` printed through vis(3) as `\^A`;
 * - `mask`: printf("0%o"), so 0077 → 077 and 0 → 00;
 * - `tunneldevice`: a missing remote unit is `any` (`1` → `1:any`);
 * - `flag-or-path`: ForwardAgent's yes/no (true/false) or an agent socket path as written.
 */
export type ClientRule = 'home' | 'forward' | 'remoteforward' | 'controlpersist' | 'escapechar' | 'mask' | 'tunneldevice' | 'flag-or-path';

export type ClientPrinted = Printed | { clientRule: ClientRule };

/** What readconf.c's keyword table does not say, written by hand from ssh_config(5) and readconf.c. */
export interface ClientAnnotation {
  type: ValueType;
  combine: Combine;
  printed: ClientPrinted;
  /** A value `ssh -G` accepts, for the test that holds the table against a real ssh. */
  sample: string;
  /**
    * What `ssh -G -F /dev/null` prints when nothing sets it, where fleet relies on it (a policy
   * value equal to it needs no line). Only the keepalive keywords: a distribution's ssh_config
   * (read after the user's file) may set any other, so fleet writes those explicitly.
   */
  default?: string;
}

export type { Combine, ValueType };
