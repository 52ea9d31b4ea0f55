/**
 * OpenSSH time values, as sshd's convtime() reads them: a sequence of a number and an optional
 * unit (s, m, h, d, w, any case), summed: `4m58s` = 298, `1h` = 3600, `30` = 30.
 */

/** sshd refuses a time above INT_MAX seconds. */
export const MAX_TIME_SECONDS = 2_147_483_647;

const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds for an OpenSSH time, or undefined if it is malformed or above INT_MAX. */
export function parseOpenSshTime(text: string): number | undefined {
  // Unambiguous on purpose: `(?:\d+[smhdw]?)+` backtracks exponentially on a long non-match.
  if (!/^\d+(?:[smhdw]\d+)*[smhdw]?$/i.test(text)) return undefined;
  let total = 0;
  for (const [, digits, unit] of text.matchAll(/(\d+)([smhdw]?)/gi)) {
    total += Number(digits) * UNIT_SECONDS[unit!.toLowerCase()]!;
    if (total > MAX_TIME_SECONDS) return undefined;
  }
  return total;
}

/** `4h08m`, `12m30s`, `45s`: how long a dead peer lingers, for humans. Hours drop the seconds. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${pad(m)}m`;
  if (m > 0) return s > 0 ? `${m}m${pad(s)}s` : `${m}m`;
  return `${s}s`;
}
