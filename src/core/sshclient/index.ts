/**
 * ssh_config (~/.ssh/config, /etc/ssh/ssh_config.d drop-ins): lossless parsing and the planner
 * that makes a client keepalive value hold for every host.
 */
export type { SshdDocument as SshClientDocument } from '../sshd/document.js';
export type { ClientPlan } from './plan.js';
export type { ClientBlock, ClientOccurrence, ClientScan } from './scope.js';
export { parseSshConfig, printSshConfig, planSshClient } from './plan.js';
export { scanClientConfig, clientEffective } from './scope.js';
export { canonicalClientKeyword, SSH_CLIENT_DEFAULTS } from './keywords.js';
