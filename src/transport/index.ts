/** The SSH transport: the only way fleet reaches a server. */
export type { ConnectOptions, ExecOptions, ExecResult, HostSpec, Transport } from './types.js';
export { Connector, PASSPHRASE_ENV, type ConnectorStats } from './connector.js';
export { isNetworkFailure } from './classify.js';
