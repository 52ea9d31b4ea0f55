/**
 * One live file replaced and proven: the same description for a server file (commit.sh) and a
 * client file (client-write.sh), whose scripts both take its steps from src/remote/replace.sh
 * (back up → compare → rename → the side's own proof → restore). Pure: names and arguments only.
 */
import { createHash } from 'node:crypto';

/** What a replacement needs of a planned file, server or client. */
export interface ReplacedFile {
  path: string;
  /** the text the plan read; null: the plan creates the file */
  before: string | null;
  after: string;
}

/** A planned file and where its live bytes are kept while it is replaced. */
export interface Replacement<F extends ReplacedFile = ReplacedFile> {
  file: F;
  /** null when the target is new: undoing it means removing it. */
  backup: string | null;
}

/**
 * Where a candidate's owner and mode come from. A server file's candidate is a `cp -p` of its
 * target (a new file: of the main config) as root; a client file's is its user's own new file
 * given the planned mode, since a user's copy could not keep another owner anyway.
 */
export type OwnerAndMode = { copiedFrom: string } | { mode: number };

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The candidate beside its target (same file system: the rename is atomic). */
export function candidatePathFor(target: string, runId: string): string {
  const dir = dirOf(target);
  const base = target.slice(dir.length + 1);
  // A leading dot keeps the candidate out of sshd's Include globs (glob(3) skips dot files).
  return `${dir === '/' ? '' : dir}/.${base}.fleet-tmp-${runId}`;
}

/** The backup as replace.sh takes it: `-` for a new file. */
export function backupArgument(r: Replacement): string {
  return r.backup ?? '-';
}

/** What replace_unchanged compares the live file with: the sha256 of the bytes the plan read, `-` for a new file. */
export function beforeArgument(r: Replacement): string {
  return r.file.before === null ? '-' : createHash('sha256').update(r.file.before, 'utf8').digest('hex');
}
