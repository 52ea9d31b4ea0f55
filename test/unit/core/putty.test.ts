import { describe, expect, it } from 'vitest';
import { PUTTY_MAX_INTERVAL_SECONDS, puttyRegistryFile, puttySessionKey } from '../../../src/core/putty.js';

describe('fleet putty', () => {
  it('writes the exact REGEDIT4 bytes for Default Settings', () => {
    const bytes = Buffer.from(puttyRegistryFile({ intervalSeconds: 120 }), 'latin1');
    const expected = Buffer.from(
      'REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions\\Default%20Settings]\r\n"PingInterval"=dword:00000000\r\n"PingIntervalSecs"=dword:00000078\r\n\r\n',
      'latin1',
    );
    expect(bytes.equals(expected)).toBe(true);
  });

  it('adds TCPKeepalives when asked and encodes a session name as PuTTY stores it', () => {
    const text = puttyRegistryFile({ intervalSeconds: 2147483, session: 'prod bastion*', tcpKeepalives: true });
    expect(text).toContain('\\Sessions\\prod%20bastion%2A]\r\n');
    expect(text).toContain('"PingIntervalSecs"=dword:0020c49b\r\n"TCPKeepalives"=dword:00000001\r\n');
    expect(text.split('\n').every((l, i, all) => i === all.length - 1 || l.endsWith('\r'))).toBe(true);
  });

  it('escapes like mungestr: a leading dot, %, backslash, ?, control and non-ASCII bytes', () => {
    expect(puttySessionKey('.hidden.name')).toBe('%2Ehidden.name');
    expect(puttySessionKey('a%b\\c?d\te')).toBe('a%25b%5Cc%3Fd%09e');
    expect(puttySessionKey('café')).toBe('caf%C3%A9');
    expect(puttySessionKey('web-01_a.b:22@x')).toBe('web-01_a.b:22@x');
  });

  it('refuses a negative or fractional interval', () => {
    expect(() => puttyRegistryFile({ intervalSeconds: -1 })).toThrow(RangeError);
    expect(() => puttyRegistryFile({ intervalSeconds: 1.5 })).toThrow(RangeError);
  });

  it('refuses an interval PuTTY would overflow: its timer is interval × 1000 ms in a 32-bit int', () => {
    expect(PUTTY_MAX_INTERVAL_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
    expect((PUTTY_MAX_INTERVAL_SECONDS + 1) * 1000).toBeGreaterThan(2 ** 31 - 1);
    expect(() => puttyRegistryFile({ intervalSeconds: PUTTY_MAX_INTERVAL_SECONDS })).not.toThrow();
    expect(() => puttyRegistryFile({ intervalSeconds: PUTTY_MAX_INTERVAL_SECONDS + 1 })).toThrow(/from 0 \(off\) to 2147483/);
    expect(() => puttyRegistryFile({ intervalSeconds: 99999999999 })).toThrow(RangeError);
  });
});
