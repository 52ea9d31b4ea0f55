/**
 * How `sshd -T` prints a value, from the keyword table's `printed` annotation: the one form
 * every proof compares (the planner's promise, drift, the staged and live checks).
 */
import { C_SPACE, convtime } from '../time.js';
import type { KeywordAnnotation } from './keyword-types.js';

const INT_MAX = 2147483647;

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
