import { describe, expect, it } from 'vitest';
import { FleetError } from '../../../src/core/errors.js';
import { classifyError, isNetworkFailure } from '../../../src/transport/classify.js';

function sysError(code: string, message = `connect ${code} 10.0.0.1:22`) {
  return Object.assign(new Error(message), { code, level: 'client-socket' });
}
function ssh2Error(level: string, message: string) {
  return Object.assign(new Error(message), { level });
}

describe('classifyError', () => {
  it.each(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])('%s → UNREACHABLE', (code) => {
    const e = classifyError(sysError(code), 'connect', 'web1 (10.0.0.1:22)');
    expect(e.code).toBe('UNREACHABLE');
    expect(e.message).toMatch(/^web1 \(10\.0\.0\.1:22\): /);
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('names a refused connection plainly', () => {
    expect(classifyError(sysError('ECONNREFUSED'), 'connect', 'h').message).toContain('connection refused');
  });

  it('a handshake deadline is CONNECT_TIMEOUT, a keepalive timeout is CONNECTION_LOST', () => {
    expect(classifyError(ssh2Error('client-timeout', 'Timed out while waiting for handshake'), 'connect', 'h').code).toBe(
      'CONNECT_TIMEOUT',
    );
    expect(classifyError(ssh2Error('client-timeout', 'Keepalive timeout'), 'exec', 'h').code).toBe('CONNECTION_LOST');
    expect(classifyError(sysError('ETIMEDOUT'), 'connect', 'h').code).toBe('CONNECT_TIMEOUT');
  });

  it('authentication failure → AUTH_FAILED', () => {
    const e = classifyError(ssh2Error('client-authentication', 'All configured authentication methods failed'), 'connect', 'h');
    expect(e.code).toBe('AUTH_FAILED');
  });

  it('a bastion that cannot open the tunnel makes the target UNREACHABLE', () => {
    const e = classifyError(new Error('(SSH) Channel open failure: Connection refused'), 'connect', 'h via bastion');
    expect(e.code).toBe('UNREACHABLE');
    expect(e.message).toBe('h via bastion: Channel open failure: Connection refused');
  });

  it('a reset or unexplained failure is CONNECTION_LOST', () => {
    expect(classifyError(sysError('ECONNRESET'), 'exec', 'h').code).toBe('CONNECTION_LOST');
    expect(classifyError('weird', 'connect', 'h').code).toBe('CONNECTION_LOST');
  });

  it('passes FleetErrors through untouched', () => {
    const original = new FleetError('HOSTKEY_MISMATCH', 'x');
    expect(classifyError(original, 'connect', 'h')).toBe(original);
  });
});

describe('isNetworkFailure', () => {
  it('is true only for UNREACHABLE and CONNECT_TIMEOUT', () => {
    expect(isNetworkFailure('UNREACHABLE')).toBe(true);
    expect(isNetworkFailure('CONNECT_TIMEOUT')).toBe(true);
    for (const code of ['AUTH_FAILED', 'HOSTKEY_MISMATCH', 'CONNECTION_LOST', 'COMMAND_TIMEOUT'] as const) {
      expect(isNetworkFailure(code)).toBe(false);
    }
  });
});
