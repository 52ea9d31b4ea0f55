/**
 * A `.reg` file that sets PuTTY's keepalive for its Default Settings or a saved session, for
 * the many users who connect from Windows. Pure: options in, exact bytes out.
 *
 * PuTTY computes its ping interval as `PingInterval` (minutes, legacy) × 60 + `PingIntervalSecs`,
 * so both are written: a stale minutes value would otherwise add to the seconds.
 */

export interface PuttyOptions {
  /** Seconds between keepalives; 0 turns them off. */
  intervalSeconds: number;
  /** Saved session name; default PuTTY's "Default Settings". */
  session?: string;
  /** Also turn on TCP keepalives (SO_KEEPALIVE). */
  tcpKeepalives?: boolean;
}

/**
 * The longest interval PuTTY can keep: it schedules the next keepalive at `interval × 1000` ms in
 * a 32-bit int (pinger.c, TICKSPERSEC 1000 on Windows), so anything above 2147483 s (24 days
 * 20 h) overflows, though the registry's DWORD could hold more.
 */
export const PUTTY_MAX_INTERVAL_SECONDS = 2_147_483;

/** Why an interval is refused, or null when PuTTY can use it. */
export function puttyIntervalProblem(seconds: number): string | null {
  if (Number.isInteger(seconds) && seconds >= 0 && seconds <= PUTTY_MAX_INTERVAL_SECONDS) return null;
  return `the interval must be a whole number of seconds from 0 (off) to ${PUTTY_MAX_INTERVAL_SECONDS} (PuTTY counts it in milliseconds in 32 bits), not ${seconds}`;
}

const SESSIONS_KEY = 'HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions';

/**
 * PuTTY's own encoding of a session name as a registry key (mungestr in windows/storage.c):
 * space, `\`, `*`, `?`, `%`, control and non-ASCII bytes, and a leading `.` become `%XX`.
 * Names are encoded byte by byte in the ANSI code page PuTTY uses; fleet writes UTF-8 bytes,
 * which matches PuTTY for ASCII names (the common case) and is documented for the rest.
 */
export function puttySessionKey(name: string): string {
  let out = '';
  const bytes = Buffer.from(name, 'utf8');
  bytes.forEach((b, i) => {
    const c = String.fromCharCode(b);
    const escape = c === ' ' || c === '\\' || c === '*' || c === '?' || c === '%' || b < 0x20 || b > 0x7e || (c === '.' && i === 0);
    out += escape ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : c;
  });
  return out;
}

const dword = (n: number): string => `dword:${n.toString(16).padStart(8, '0')}`;

export function puttyRegistryFile(opts: PuttyOptions): string {
  const problem = puttyIntervalProblem(opts.intervalSeconds);
  if (problem !== null) throw new RangeError(problem);
  const session = opts.session ?? 'Default Settings';
  if (session.length === 0) throw new RangeError('the session name is empty');
  const lines = [
    'REGEDIT4',
    '',
    `[${SESSIONS_KEY}\\${puttySessionKey(session)}]`,
    `"PingInterval"=${dword(0)}`,
    `"PingIntervalSecs"=${dword(opts.intervalSeconds)}`,
  ];
  if (opts.tcpKeepalives) lines.push(`"TCPKeepalives"=${dword(1)}`);
  // regedit wants CRLF line endings and a final blank line.
  return lines.join('\r\n') + '\r\n\r\n';
}
