/**
 * OpenSSH time values, read in one place. sshd and ssh read them with misc.c convtime(): a
 * sequence of a number and an optional unit (s, m, h, d, w, any case), summed: `4m58s` = 298,
 * `1h` = 3600, `30` = 30. `convtime` reads them exactly as sshd does (the planner must predict
 * what sshd makes of a file's value); `parseOpenSshTime` reads fleet's own, plain form of them
 * (what a policy or ssh_config value may say), which is a part of what sshd accepts.
 */

/** sshd refuses a time above INT_MAX seconds. */
export const MAX_TIME_SECONDS = 2_147_483_647;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * What C's isspace() skips at the start of a number (strtol, strtonum). sshd splits a line on
 * spaces and tabs only, so a form feed or vertical tab can still lead a value: `\f05` is 5.
 */
export const C_SPACE = '[ \\t\\n\\v\\f\\r]*';

const TIME_PART = new RegExp(`^${C_SPACE}([+-]?)(\\d+)([sSmMhHdDwW]?)`);

/** misc.c convtime(): `1h30m` → 5400; null where sshd would reject the value. Each part is read with strtol(). */
export function convtime(text: string): number | null {
  if (text === '') return null;
  let total = 0;
  let rest = text;
  while (rest !== '') {
    const m = TIME_PART.exec(rest);
    if (m === null) return null;
    const number = Number(m[2]);
    // strtol() takes a sign; convtime() refuses what comes out negative.
    if (m[1] === '-' && number !== 0) return null;
    const multiplier = m[3] === '' ? 1 : (UNIT_SECONDS[(m[3] as string).toLowerCase()] as number);
    const amount = number * multiplier;
    total += amount;
    if (amount > MAX_TIME_SECONDS || total > MAX_TIME_SECONDS) return null;
    // A bare number must be last: convtime() stops at the end of the string after it.
    if (m[3] === '' && m[0].length !== rest.length) return null;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/**
 * fleet's plain form of a time: digits and units only, no blanks or signs (`4m58s`, `10m10`).
 * Unambiguous on purpose: `(?:\d+[smhdw]?)+` backtracks exponentially on a long non-match.
 */
export function isPlainTime(text: string): boolean {
  return /^\d+(?:[smhdw]\d+)*[smhdw]?$/i.test(text);
}

/** Seconds for an OpenSSH time in the plain form, or undefined if it is malformed or above INT_MAX. */
export function parseOpenSshTime(text: string): number | undefined {
  return isPlainTime(text) ? (convtime(text) ?? undefined) : undefined;
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
