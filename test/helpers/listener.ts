/**
 * Proof that sshd did or did not reload: on SIGHUP sshd re-executes itself and opens a new
 * listening socket, so the socket inodes held by the listener pid change; without a reload
 * they stay the same.
 */
import { readdirSync, readlinkSync } from 'node:fs';

export function listenerSockets(pid: number): string {
  const sockets: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith('socket:')) sockets.push(target);
    } catch {
      // fds come and go while we read
    }
  }
  return sockets.sort().join(',');
}
