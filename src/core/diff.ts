/**
 * Unified diffs of planned file changes, as `fleet plan` prints them and reports embed them.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/**
 * A unified diff of one file, headed `--- a<path>` / `+++ b<path>` like `git diff` (paths are
 * absolute, so `a/etc/ssh/sshd_config`). A file that does not exist yet (`before === null`)
 * is diffed against `/dev/null`. Identical texts give the two header lines and no hunk.
 */
export function unifiedDiff(path: string, before: string | null, after: string): string {
  const oldName = before === null ? '/dev/null' : `a${path}`;
  return createTwoFilesPatch(oldName, `b${path}`, before ?? '', after, undefined, undefined, {
    headerOptions: FILE_HEADERS_ONLY,
  });
}
