/**
 * The shape of fleet's sshd keyword table: what the generator reads from OpenSSH's sources
 * (keyword-table.generated.ts) and what is annotated by hand (keyword-overlay.ts).
 */

/** One keyword as OpenSSH's sources give it (scripts/gen-sshd-keywords.mjs). */
export interface GeneratedKeyword {
  /** Canonical spelling: the man page's, else servconf.h's. */
  name: string;
  /** Releases whose parser knows the name: `7.4+`, `8.5+`, `7.4-10.3,10.5+`. */
  versions: string;
  /** `global`: main section only (SSHCFG_GLOBAL); `match`: also inside Match (SSHCFG_ALL); `varies`: see matchIn. */
  scope: 'global' | 'match' | 'varies';
  /** For scope `varies`: the releases that allow it inside Match. */
  matchIn?: string;
  /**
   * `option` sets something; `build` does too when sshd was built with PAM, Kerberos or GSSAPI
   * (otherwise sshd accepts and ignores it); `deprecated` and `unsupported` are accepted with a
   * log line and set nothing.
   */
  status: 'option' | 'build' | 'deprecated' | 'unsupported';
  /** For a keyword that no longer sets anything: the releases where it still did. */
  optionIn?: string;
  /** The option this name sets (an alias), in the newest release. */
  aliasOf?: string;
}

/**
 * How a value is written and checked. `printed` (in KeywordAnnotation) says how `sshd -T`
 * shows it, which is what every proof compares.
 */
export type ValueType =
  | { kind: 'flag' }
  | { kind: 'enum'; words: readonly string[] }
  | { kind: 'integer'; min: number; max: number; words?: readonly string[] }
  | { kind: 'time'; words?: readonly string[] }
  /** One argument: a path, a user, a mask; `words` lists literal alternatives such as `none`. */
  | { kind: 'word'; pattern?: string }
  /** The rest of the line, arguments and all (ForceCommand, VersionAddendum). */
  | { kind: 'text' }
  /** A comma-separated algorithm list; a leading `+`, `-` or `^` edits the default list. */
  | { kind: 'algorithms' }
  /** Several space-separated arguments on one line. */
  | { kind: 'list' }
  /** A keyword with its own syntax, checked by `pattern` (MaxStartups `10:30:100`). */
  | { kind: 'special'; pattern: string; describe: string };

/**
 * How sshd combines repeated lines of a keyword:
 * - `first`: the first value read wins (most keywords);
 * - `accumulate`: every line adds its arguments (AllowUsers, AcceptEnv, Port, HostKey, …);
 * - `first-line`: a list keyword whose first line wins whole (AuthorizedKeysFile, SetEnv, …);
 * - `keyed`: the first line per name wins (Subsystem sftp …);
 * - `structure`: not a setting (Match, Include).
 */
export type Combine = 'first' | 'accumulate' | 'first-line' | 'keyed' | 'structure';

/** How `sshd -T` prints a value (all keywords: the keyword in lower case first). */
export type Printed =
  /** as written, arguments joined by one space */
  | 'as-is'
  | 'lower'
  | 'upper'
  /** an OpenSSH time → seconds */
  | 'seconds'
  /** strtonum: no sign, no leading zeros */
  | 'integer'
  /** a word → the word sshd prints for the same setting (`all` → `yes`) */
  | { words: Readonly<Record<string, string>> }
  /** computed from the value by a named rule in printed.ts (MaxStartups `10` → `10:30:10`) */
  | { rule: 'maxstartups' | 'ipqos' | 'rekeylimit' | 'netblocksize' | 'permitrootlogin' | 'octal' | 'zero-none' | 'intmax-none' };

/** What the sources do not say, written by hand from sshd_config(5) and servconf.c's parser. */
export interface KeywordAnnotation {
  type: ValueType;
  combine: Combine;
  printed: Printed;
  /** A value sshd -t accepts, for the test that holds the table against a real sshd. */
  sample: string;
  /**
   * Releases in which every line overwrites the one before (servconf.c sets the option under
   * `if (*activep)` without checking it is unset), so the LAST line wins there.
   */
  lastIn?: string;
  /** A second value, different from the sample, for the test of how repeated lines combine. */
  alternate?: string;
  /** A line sshd -t needs beside the sample (AuthorizedKeysCommand needs AuthorizedKeysCommandUser). */
  companion?: string;
  /** What `sshd -T` prints when nothing sets it (OpenSSH 9.2 on Debian 12), if the same everywhere fleet checked. */
  default?: string;
}
