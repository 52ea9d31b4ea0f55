/**
 * How `ssh -G` prints a value, from the client table's `printed` annotation: the one form the
 * planner's promise and the proof after a write compare. The forms sshd -T shares (seconds,
 * integers, words) are the server's printedValue; the rest are readconf.c's dump_client_config.
 */
import type { KeywordAnnotation } from '../sshd/keyword-types.js';
import { printedValue } from '../sshd/printed.js';
import { convtime } from '../time.js';
import type { ClientAnnotation, ClientRule } from './keyword-types.js';

/** `ssh -G`'s form of `value`; unchanged where ssh would reject it. `home` expands `~` (a user's file). */
export function clientPrintedValue(annotation: ClientAnnotation, value: string, home?: string): string {
  const printed = annotation.printed;
  if (typeof printed === 'string' || !('clientRule' in printed)) return printedValue({ ...annotation, printed } as KeywordAnnotation, value);
  return byRule(printed.clientRule, value.split(/[ \t]+/).filter((a) => a !== ''), home);
}

/** `host:port` → `[host]:port`, as dump_cfg_forwards prints an endpoint; a port or a socket path stays. */
function endpoint(arg: string): string {
  if (/^\d+$/.test(arg) || arg.startsWith('/') || arg.startsWith('[')) return arg;
  const colon = arg.lastIndexOf(':');
  return colon > 0 ? `[${arg.slice(0, colon)}]:${arg.slice(colon + 1)}` : arg;
}

function byRule(rule: ClientRule, args: string[], home: string | undefined): string {
  const value = args.join(' ');
  switch (rule) {
    case 'home':
      // ssh expands ~ itself before printing; `%` tokens need the connection, so they stay.
      return home === undefined ? value : args.map((a) => (a === '~' ? home : a.startsWith('~/') ? `${home.replace(/\/$/, '')}${a.slice(1)}` : a)).join(' ');
    case 'forward':
      return args.map(endpoint).join(' ');
    case 'remoteforward':
      return args.length === 1 && /^\d+$/.test(args[0] as string) ? `${args[0]} [socks]:0` : args.map(endpoint).join(' ');
    case 'controlpersist': {
      const lower = value.toLowerCase();
      if (lower === 'yes' || lower === 'true') return 'yes';
      if (lower === 'no' || lower === 'false') return 'no';
      const seconds = convtime(value);
      // A time of 0 is "no persistence": ssh prints no.
      return seconds === null ? value : seconds === 0 ? 'no' : String(seconds);
    }
    case 'escapechar':
      // vis(3) with VIS_WHITE prints a control character as \^X.
      return /^\^./.test(value) ? `\\^${value.slice(1).toUpperCase()}` : value;
    case 'mask': {
      if (!/^[0-7]+$/.test(value)) return value;
      return `0${parseInt(value, 8).toString(8)}`;
    }
    case 'tunneldevice':
      return value.includes(':') ? value.toLowerCase() : `${value.toLowerCase()}:any`;
    case 'flag-or-path': {
      const lower = value.toLowerCase();
      return lower === 'yes' || lower === 'true' ? 'yes' : lower === 'no' || lower === 'false' ? 'no' : value;
    }
  }
}
