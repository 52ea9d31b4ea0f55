/**
 * The data the sshd_config planner reads and returns. Plain data only: the fact gatherer fills
 * a ConfigTree from a host, the planner turns it into an SshdPlan, the engine writes the edits.
 */

/** One host's sshd configuration as read from the host: every file sshd would read. */
export interface ConfigTree {
  /** absolute path of the main file, e.g. /etc/ssh/sshd_config */
  main: string;
  /** absolute path → exact file text, for every file read (main + included) */
  files: ReadonlyMap<string, string>;
  /**
   * each absolute Include pattern (relative ones resolved against /etc/ssh) → the paths it
   * matched on the host, in any order: the planner sorts them as sshd's glob(3) does
   */
  globs: ReadonlyMap<string, readonly string[]>;
  /**
   * files that are symlinks → the regular file each resolves to. sshd reads through the link;
   * fleet writes the file it points to, so the link stays a link.
   */
  links?: ReadonlyMap<string, string>;
}

/** Desired global values: canonical keyword (e.g. "ClientAliveInterval") → value text as it should be written ("298", "yes"). */
export type DesiredDirectives = Readonly<Record<string, string>>;

/** Members an accumulating keyword (AcceptEnv, AllowUsers, …) must have, and must not have. */
export interface DesiredMembers {
  present: readonly string[];
  absent: readonly string[];
}

/** Keywords to set inside the Match block with these criteria (`User backup`), as written after `Match`. */
export interface DesiredMatchBlock {
  criteria: string;
  /** canonical keyword → value as written */
  set: Readonly<Record<string, string>>;
}

/** A line in a file on the host. */
export interface Origin {
  path: string;
  /** 1-based */
  line: number;
}

/** Where one keyword's value comes from, and every other place that sets it. */
export interface EffectiveEntry {
  /** canonical spelling */
  keyword: string;
  /** normalized (times → seconds, yes/no lowercased); null = not set anywhere (sshd default applies) */
  value: string | null;
  /** where the global value comes from */
  origin: Origin | null;
  /** later global occurrences that sshd ignores because an earlier one wins */
  shadowed: Origin[];
  /** occurrences inside Match blocks (incl. via Include inside Match); `criteria` is the Match line's arguments */
  matchOverrides: { origin: Origin; value: string; criteria: string }[];
}

/** One file's planned change. */
export interface FileEdit {
  path: string;
  /** null: the file is new */
  before: string | null;
  after: string;
  /** unified diff, a/ b/ headers with the path */
  diff: string;
}

/** What the planner will change on one host, and what sshd will read afterwards. */
export interface SshdPlan {
  /** empty when nothing needs to change */
  edits: FileEdit[];
  /** keyed by canonical keyword, for every desired keyword */
  before: Record<string, EffectiveEntry>;
  /** what the tree gives once the edits are applied (the planner's promise) */
  after: Record<string, EffectiveEntry>;
  /** e.g. "ClientAliveInterval 0 in Match User backup at /etc/ssh/sshd_config:120 stays as the site's exception" */
  warnings: string[];
}
