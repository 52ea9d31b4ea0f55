/**
 * Passwordless sudo for one lab user, machine-wide (/etc is shared by the lab's namespaces):
 * checked with visudo before it is moved into place, removed by the returned function.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

export function grantSudo(user: string, defaults = ''): () => void {
  const sudoers = `/etc/sudoers.d/fleet-test-${user}`;
  writeFileSync(`${sudoers}.tmp`, `${defaults}${user} ALL=(root) NOPASSWD: ALL\n`, { mode: 0o440 });
  execFileSync('visudo', ['-c', '-q', '-f', `${sudoers}.tmp`]);
  execFileSync('mv', [`${sudoers}.tmp`, sudoers]);
  return () => rmSync(sudoers, { force: true });
}
