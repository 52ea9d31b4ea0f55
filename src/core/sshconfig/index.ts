/**
 * The controller's OpenSSH client config (~/.ssh/config, /etc/ssh/ssh_config): how `ssh -G`
 * resolves a host, and what that means for an inventory host. Pure; src/cli/ssh-config.ts
 * reads the files.
 */
export type * from './types.js';
export type { SshConfigLine } from './file.js';
export { lexSshConfig } from './file.js';
export { DEFAULT_IDENTITIES, DEFAULT_ORIGIN, includeGlob, resolveSshConfig } from './resolve.js';
export { applySshConfig, jumpText, type AppliedSshConfig, type SshConfigOverrides } from './host.js';
export { parseProxyJump } from './jump.js';
