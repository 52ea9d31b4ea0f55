/**
 * Turns ssh2 / socket errors into fleet's stable error codes. Pure: it only looks at
 * the error's `code`, `level` and message, so it is tested without a network.
 */
import { FleetError, type ErrorCode } from '../core/errors.js';

/** Socket error codes meaning "there is no way to this host right now". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/** Codes that mean the network, not the host's configuration, failed; reports call them `unreachable`. */
export function isNetworkFailure(code: ErrorCode): boolean {
  return code === 'UNREACHABLE' || code === 'CONNECT_TIMEOUT';
}

/** Where in a session's life an error happened: the same socket error means different things. */
export type Phase = 'connect' | 'exec';

interface ErrorShape {
  message: string;
  code?: unknown;
  level?: unknown;
  reason?: unknown;
}

function shape(err: unknown): ErrorShape {
  if (err instanceof Error) return err as ErrorShape;
  return { message: String(err) };
}

/**
 * Classifies an error from connecting to or talking to `where` (e.g. `web1 (10.0.0.5:22)`).
 * A FleetError passes through unchanged.
 */
export function classifyError(err: unknown, phase: Phase, where: string): FleetError {
  if (err instanceof FleetError) return err;
  const e = shape(err);
  const code = typeof e.code === 'string' ? e.code : '';
  const level = typeof e.level === 'string' ? e.level : '';
  const make = (c: ErrorCode, text: string) => new FleetError(c, `${where}: ${text}`, { cause: err });

  if (UNREACHABLE_CODES.has(code)) return make('UNREACHABLE', `${describeSocketCode(code)} (${e.message})`);
  if (code === 'ETIMEDOUT') return make(phase === 'connect' ? 'CONNECT_TIMEOUT' : 'CONNECTION_LOST', e.message);
  if (level === 'client-timeout') {
    // ssh2 uses this level for both the handshake deadline and the keepalive watchdog.
    if (/keepalive/i.test(e.message)) return make('CONNECTION_LOST', 'no answer to keepalives; connection lost');
    return make('CONNECT_TIMEOUT', 'timed out during connect/handshake/login');
  }
  if (level === 'client-authentication') {
    return make('AUTH_FAILED', 'authentication failed (no offered key or agent identity was accepted)');
  }
  // A channel the bastion could not open to the target: the target is unreachable from there.
  if (/channel open failure/i.test(e.message) && phase === 'connect') {
    return make('UNREACHABLE', e.message.replace(/^\(SSH\)\s*/, ''));
  }
  return make('CONNECTION_LOST', e.message);
}

function describeSocketCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'name does not resolve';
    default:
      return 'no route to host';
  }
}
