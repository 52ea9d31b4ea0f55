/**
 * Where a file's backup goes. Next to the file (`<file>.fleet-<UTC time>`) as admins expect,
 * unless one of sshd's Include globs would match that name (an `Include sshd_config.d/*`):
 * then sshd would read the backup as config, so it goes to /var/backups/fleet instead.
 */
import { globMatches } from '../core/glob.js';
import type { ConfigTree } from '../core/sshd/index.js';
import { backupStem } from './scripts.js';

export function backupPathFor(target: string, stamp: string, tree: ConfigTree): string {
  const beside = `${target}.fleet-${stamp}`;
  const included = [...tree.globs.keys()].some((pattern) => globMatches(pattern, beside));
  return included ? `/var/backups/fleet/${backupStem(target)}.fleet-${stamp}` : beside;
}
