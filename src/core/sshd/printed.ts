/**
 * How `sshd -T` prints a value, from the keyword table's `printed` annotation: the one form
 * every proof compares (the planner's promise, drift, the staged and live checks).
 */
import type { KeywordAnnotation } from './keyword-types.js';

const TIME_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const INT_MAX = 2147483647;

/**
 * What C's isspace() skips at the start of a number (strtol, strtonum). sshd splits a line on
 * spaces and tabs only, so a form feed or vertical tab can still lead a value: `\f05` is 5.
 */
const C_SPACE = '[ \\t\\n\\v\\f\\r]*';

/** misc.c convtime(): `1h30m` → 5400; null where sshd would reject the value. Each part is read with strtol(). */
export function convtime(text: string): number | null {
  if (text === '') return null;
  let total = 0;
  const parts = new RegExp(`^${C_SPACE}([+-]?)(\\d+)([sSmMhHdDwW]?)`);
  let rest = text;
  while (rest !== '') {
    const m = parts.exec(rest);
    if (m === null) return null;
    const number = Number(m[2]);
    // strtol() takes a sign; convtime() refuses what comes out negative.
    if (m[1] === '-' && number !== 0) return null;
    const multiplier = m[3] === '' ? 1 : (TIME_UNITS[(m[3] as string).toLowerCase()] as number);
    const amount = number * multiplier;
    total += amount;
    if (amount > INT_MAX || total > INT_MAX) return null;
    // A bare number must be last: convtime() stops at the end of the string after it.
    if (m[3] === '' && m[0].length !== rest.length) return null;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** strtonum(value, 0, INT_MAX): leading isspace() and a sign, as strtoll() reads them; null if sshd refuses it. */
export function strtonum(text: string): number | null {
  const integer = new RegExp(`^${C_SPACE}([+-]?)(\\d+)$`).exec(text);
  if (!integer) return null;
  const n = Number(integer[2]);
  return n <= INT_MAX && (integer[1] !== '-' || n === 0) ? n : null;
}

// misc.c scan_scaled(): RekeyLimit sizes.
const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `sshd -T`'s form of `value` for a keyword annotated `annotation`; unchanged where sshd would reject it. */
export function printedValue(annotation: KeywordAnnotation, value: string, version?: readonly [number, number]): string {
  const printed = annotation.printed;
  // Literal alternatives of a number or time (`none`) print as they are written.
  const words = annotation.type.kind === 'integer' || annotation.type.kind === 'time' ? annotation.type.words : undefined;
  if (words?.some((w) => w.toLowerCase() === value.toLowerCase())) return value.toLowerCase();
  if (printed === 'as-is') return value.split(/[ \t]+/).filter((a) => a !== '').join(' ');
  if (printed === 'lower') return value.toLowerCase();
  if (printed === 'upper') return value.toUpperCase();
  if (printed === 'seconds') {
    const seconds = convtime(value);
    return seconds === null ? value : String(seconds);
  }
  if (printed === 'integer') {
    const n = strtonum(value);
    return n === null ? value : String(n);
  }
  if ('words' in printed) return printed.words[value.toLowerCase()] ?? value;
  const args = value.split(/[ \t]+/).filter((a) => a !== '');
  switch (printed.rule) {
    case 'permitrootlogin': {
      // Until 10.1 servconf.c listed without-password first, so -T printed that name.
      const lower = value.toLowerCase();
      if (lower !== 'prohibit-password' && lower !== 'without-password') return lower;
      const oldName = version !== undefined && version[0] * 100 + version[1] < 1001;
      return oldName ? 'without-password' : 'prohibit-password';
    }
    case 'maxstartups': {
      // `10` sets start and full and keeps the default rate of 30.
      return /^\d+$/.test(value) ? `${Number(value)}:30:${Number(value)}` : value.split(':').map(Number).join(':');
    }
    case 'netblocksize':
      // A single number sets IPv4 only; OpenSSH 9.2 then prints the IPv6 size as 0.
      return /^\d+$/.test(value) ? `${Number(value)}:0` : value.split(':').map(Number).join(':');
    case 'octal': {
      // printf("%#03o"): one leading 0 (0077 → 077, 0 → 000).
      if (!/^[0-7]+$/.test(value)) return value;
      const n = parseInt(value, 8);
      return n === 0 ? '000' : `0${n.toString(8)}`.padStart(3, '0');
    }
    case 'zero-none': {
      const seconds = value.toLowerCase() === 'none' ? 0 : convtime(value);
      return seconds === null ? value : seconds === 0 ? 'none' : String(seconds);
    }
    case 'intmax-none': {
      const n = value.toLowerCase() === 'none' ? INT_MAX : strtonum(value);
      return n === null ? value : n === INT_MAX ? 'none' : String(n);
    }
    case 'ipqos':
      // One value serves interactive and bulk traffic alike: -T prints it twice.
      return (args.length === 1 ? [args[0], args[0]] : args).map((a) => (a as string).toLowerCase()).join(' ');
    case 'rekeylimit': {
      const size = /^(\d+)([kKmMgG]?)$/.exec(args[0] ?? '');
      const bytes = args[0]?.toLowerCase() === 'default' ? 0 : size ? Number(size[1]) * (SIZE_UNITS[(size[2] as string).toLowerCase()] as number) : null;
      const seconds = args[1] === undefined || args[1].toLowerCase() === 'none' ? 0 : convtime(args[1]);
      return bytes === null || seconds === null ? value : `${bytes} ${seconds}`;
    }
  }
}
