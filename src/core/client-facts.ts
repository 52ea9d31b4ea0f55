/**
 * What the client planner knows about a host's ssh_config files: plain data, read by
 * facts/clients.ts and handed in. It lives in core so that planning depends on nothing but core.
 */

export const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';
export const SYSTEM_DROP_IN = '/etc/ssh/ssh_config.d/50-fleet-keepalive.conf';

export interface FileState {
  uid: number;
  gid: number;
  mode: number;
  text: string;
}

/** What a user's ~/.ssh looks like. `unsafe` carries the reason fleet refuses to touch it. */
export type UserClientFacts =
  | { user: string; exists: false }
  | {
      user: string;
      exists: true;
      uid: number;
      gid: number;
      home: string;
      sshDir: 'absent' | 'dir';
      config: FileState | null;
      unsafe: string | null;
    };

export interface SystemClientFacts {
  /** /etc/ssh/ssh_config, null when absent */
  main: FileState | null;
  /** the drop-in fleet owns, null when absent */
  dropIn: FileState | null;
  dropInDirExists: boolean;
  /** Why the system files cannot be edited (one is not UTF-8); absent when they can. */
  unsafe?: string | null;
}
