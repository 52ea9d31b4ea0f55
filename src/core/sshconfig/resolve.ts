/**
 * Resolves one host through the controller's OpenSSH client config the way `ssh -G` does
 * (OpenSSH 9.2 readconf.c and ssh.c main): the user's file then the system one, Includes read
 * in place, `Host` and `Match` blocks, and the first value obtained for each keyword wins, so
 * values given as `-o` options (the inventory's) win over every file. Pure: the files arrive
 * as data (SshConfigSet), the controller's user and machine as SshEnvironment.
 *
 * Not supported, refused with the line named rather than guessed: `Match exec` when its outcome
 * would decide (fleet runs no local commands), CanonicalizeHostname yes/always (it needs DNS),
 * `~user/` paths.
 */
import { isIP } from 'node:net';
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { parseOpenSshTime } from '../time.js';
import { ExpansionError, percentExpand, tildeExpand } from './expand.js';
import { formatHop, parseProxyJump } from './jump.js';
import { matchHostname, matchPattern, matchPatternList } from './match.js';
import type { SshConfigLine } from './file.js';
import type { KeyFile, ResolvedJump, SshConfigFile, SshConfigSet, SshEnvironment, SshQuery, SshResolution, Sourced } from './types.js';

/** readconf.c READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;

/** OpenSSH 9.2's default identities, in the order `ssh -G` lists them (readconf.c fill_default_options). */
export const DEFAULT_IDENTITIES = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ecdsa_sk', '~/.ssh/id_ed25519', '~/.ssh/id_ed25519_sk', '~/.ssh/id_xmss', '~/.ssh/id_dsa'] as const;

const DEFAULT_USER_KNOWN_HOSTS = ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

export const DEFAULT_ORIGIN = 'default';

/**
 * The Include pattern ssh globs for an argument: relative ones under ~/.ssh (user files) or
 * /etc/ssh (system files); `~` expanded from HOME, as glob(3)'s GLOB_TILDE does.
 */
export function includeGlob(arg: string, user: boolean, home: string): string {
  const anchored = arg.startsWith('/') || arg.startsWith('~') ? arg : `${user ? '~/.ssh' : '/etc/ssh'}/${arg}`;
  if (anchored === '~' || anchored.startsWith('~/')) return tildeExpand(anchored, home);
  return anchored;
}

/** Options as ssh fills them while reading: unset until the first active line sets them. */
interface Slots {
  hostname?: Sourced<string>;
  port?: Sourced<number>;
  user?: Sourced<string>;
  identityFiles: (Sourced<string> & { userProvided: boolean })[];
  certificateFiles: (Sourced<string> & { userProvided: boolean })[];
  identitiesOnly?: Sourced<boolean>;
  jump?: { none: true; origin: string } | { none: false; jump: ResolvedJump };
  proxyCommand?: Sourced<string>;
  hostKeyAlias?: Sourced<string>;
  userKnownHosts?: Sourced<string[]>;
  globalKnownHosts?: Sourced<string[]>;
  /** `none` is stored as unset, as ssh's -1: a later line may still set a number. */
  connectTimeout?: Sourced<number>;
  strictHostKeyChecking?: Sourced<string>;
  canonicalizeHostname?: Sourced<string>;
  ignoreUnknown?: string;
}

/** Where a line is, for origins and messages. */
interface Place {
  file: SshConfigFile;
  line: number;
}

interface ReadFlags {
  user: boolean;
  checkPermissions: boolean;
  /** Inside an Include reached from an inactive block: nothing in it applies. */
  neverMatch: boolean;
  final: boolean;
}

/** One pass over the config files for one host name (ssh reads them twice with `Match final`). */
class Pass {
  active = true;
  wantFinal = false;

  constructor(
    readonly set: SshConfigSet,
    readonly env: SshEnvironment,
    readonly slots: Slots,
    /** The name Host lines are matched against (the host argument, then on the final pass the HostName). */
    readonly host: string,
    readonly originalHost: string,
    readonly final: boolean,
  ) {}

  readRoots(): void {
    for (const root of this.set.roots) {
      this.active = true;
      this.readFile(root.path, { user: root.user, checkPermissions: root.checkPermissions, neverMatch: false, final: this.final }, 0);
    }
  }

  /** read_config_file_depth: false when the file does not exist. */
  readFile(path: string, flags: ReadFlags, depth: number): boolean {
    const file = this.set.files.get(path);
    if (file === undefined) return false;
    if (depth > MAX_INCLUDE_DEPTH) fail({ file, line: 0 }, 'too many recursive configuration includes (more than 16 levels; does a file include itself?)');
    if (flags.checkPermissions && file.unsafe !== undefined) fail({ file, line: 0 }, `bad owner or permissions (${file.unsafe}); ssh refuses this file too`);
    file.lines.forEach((line, index) => this.line(line, { file, line: index + 1 }, flags, depth));
    return true;
  }

  line(line: SshConfigLine, at: Place, flags: ReadFlags, depth: number): void {
    if (line.keyword === null) return;
    if (line.badQuotes) fail(at, 'invalid quotes');
    if (line.rest === '') fail(at, `no argument after keyword "${line.keyword}"`);
    const args = line.values;
    const canonical = line.canonical;
    if (canonical === undefined) {
      if (this.slots.ignoreUnknown !== undefined && matchPatternList(line.keyword.toLowerCase(), this.slots.ignoreUnknown, true) === 1) return;
      fail(at, `Bad configuration option: ${line.keyword}`);
    }
    const active = this.active;
    const s = this.slots;
    switch (canonical) {
      case 'Host':
        this.active = flags.neverMatch ? false : hostLineMatches(args, this.host, at);
        return;
      case 'Match': {
        // In an Include read from an inactive block the line never applies: no exec needs an answer.
        const value = this.matchLine(args, at, !flags.neverMatch);
        this.active = flags.neverMatch ? false : value;
        return;
      }
      case 'Include':
        for (const arg of args) this.include(arg, at, flags, depth);
        return;
      case 'Hostname':
        setFirst(s, 'hostname', one(args, at), at, active);
        return;
      case 'User':
        setFirst(s, 'user', one(args, at), at, active);
        return;
      case 'HostKeyAlias':
        setFirst(s, 'hostKeyAlias', one(args, at), at, active);
        return;
      case 'IgnoreUnknown':
        if (active && s.ignoreUnknown === undefined) s.ignoreUnknown = one(args, at);
        return;
      case 'Port': {
        const text = one(args, at);
        const port = /^\d+$/.test(text) ? Number(text) : NaN;
        if (!(port >= 1 && port <= 65535)) fail(at, `Bad port '${text}'`);
        setFirst(s, 'port', port, at, active);
        return;
      }
      case 'IdentityFile':
      case 'CertificateFile': {
        const raw = one(args, at);
        if (!active) return;
        const list = canonical === 'IdentityFile' ? s.identityFiles : s.certificateFiles;
        // add_identity_file: the same path from the same kind of file is registered once.
        if (!list.some((k) => k.value === raw && k.userProvided === flags.user)) list.push({ value: raw, origin: originOf(at), userProvided: flags.user });
        return;
      }
      case 'IdentitiesOnly':
        setFirst(s, 'identitiesOnly', flag(one(args, at), at), at, active);
        return;
      case 'StrictHostKeyChecking':
        setFirst(s, 'strictHostKeyChecking', one(args, at), at, active);
        return;
      case 'CanonicalizeHostname': {
        const value = one(args, at).toLowerCase();
        if (!['yes', 'no', 'true', 'false', 'always'].includes(value)) fail(at, `unsupported option "${args[0]}"`);
        setFirst(s, 'canonicalizeHostname', value, at, active);
        return;
      }
      case 'ConnectTimeout': {
        const text = one(args, at);
        const seconds = text === 'none' ? null : parseOpenSshTime(text);
        if (seconds === undefined) fail(at, 'invalid time value');
        if (active && s.connectTimeout === undefined && seconds !== null) s.connectTimeout = { value: seconds, origin: originOf(at) };
        return;
      }
      case 'UserKnownHostsFile':
      case 'GlobalKnownHostsFile': {
        if (args.some((a) => a === '')) fail(at, `keyword ${line.keyword} empty argument`);
        if (args.some((a, i) => a.toLowerCase() === 'none' && (i > 0 || args.length > 1))) fail(at, `keyword ${line.keyword} "none" argument must appear alone.`);
        const slot = canonical === 'UserKnownHostsFile' ? 'userKnownHosts' : 'globalKnownHosts';
        if (active && s[slot] === undefined && args.length > 0) s[slot] = { value: [...args], origin: originOf(at) };
        return;
      }
      case 'ProxyJump': {
        const text = line.rest;
        const parsed = parseProxyJump(text);
        if (parsed === undefined) fail(at, `Invalid ProxyJump "${text}"`);
        if (!active || s.jump !== undefined || s.proxyCommand !== undefined) return;
        s.jump = parsed === 'none' ? { none: true, origin: originOf(at) } : { none: false, jump: jumpOf(text, parsed, originOf(at)) };
        return;
      }
      case 'ProxyCommand':
        // A ProxyJump to a host blocks a later ProxyCommand (and any ProxyCommand, even `none`,
        // blocks a later ProxyJump); `ProxyJump none` does not block it (seen with 9.2's ssh -G).
        if (active && (s.jump === undefined || s.jump.none) && s.proxyCommand === undefined) s.proxyCommand = { value: line.rest, origin: originOf(at) };
        return;
      default:
        return;
    }
  }

  include(arg: string, at: Place, flags: ReadFlags, depth: number): void {
    if (arg === '') fail(at, 'keyword Include empty argument');
    if (arg.startsWith('~') && !flags.user) fail(at, `bad include path ${arg}: a system file cannot include ~ paths`);
    let pattern: string;
    try {
      pattern = includeGlob(arg, flags.user, this.env.home);
    } catch (error) {
      fail(at, (error as Error).message);
    }
    const matches = this.set.globs.get(pattern) ?? [];
    const outerActive = this.active;
    for (const path of matches) {
      this.readFile(path, { ...flags, checkPermissions: true, neverMatch: flags.neverMatch || !outerActive }, depth + 1);
      // A Match inside an included file does not change the including file's state.
      this.active = outerActive;
    }
  }

  /** readconf.c match_cfg_line. */
  matchLine(args: readonly string[], at: Place, decides: boolean): boolean {
    const s = this.slots;
    const ruser = s.user?.value ?? this.env.localUser;
    let host: string;
    if (this.final) host = s.hostname?.value ?? this.host;
    else if (s.hostname !== undefined) host = expandHostname(s.hostname, this.host);
    else host = this.host;

    let result = true;
    let attributes = 0;
    const execs: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const written = args[i] as string;
      const negate = written.startsWith('!');
      const attribute = (negate ? written.slice(1) : written).toLowerCase();
      if (attribute === 'all') {
        if (attributes > 1 || i + 1 < args.length) fail(at, `'${written}' cannot be combined with other Match attributes`);
        if (result) result = !negate;
        return this.decideExec(result && decides, execs, at);
      }
      attributes++;
      if (attribute === 'canonical' || attribute === 'final') {
        if (attribute === 'final') this.wantFinal = true;
        if (this.final === negate) result = false;
        continue;
      }
      const criteria = args[i + 1];
      if (criteria === undefined || criteria === '') fail(at, `Missing Match criteria for ${written}`);
      i++;
      let matched: boolean;
      switch (attribute) {
        case 'host':
          matched = matchHostname(host, criteria) === 1;
          break;
        case 'originalhost':
          matched = matchHostname(this.originalHost, criteria) === 1;
          break;
        case 'user':
          matched = matchPatternList(ruser, criteria, false) === 1;
          break;
        case 'localuser':
          matched = matchPatternList(this.env.localUser, criteria, false) === 1;
          break;
        case 'exec':
          // ssh runs the command only while every earlier criterion held.
          if (result) execs.push(`${written} "${criteria}"`);
          continue;
        default:
          fail(at, `Unsupported Match attribute ${written}`);
      }
      if (matched === negate) result = false;
    }
    if (attributes === 0) fail(at, 'One or more attributes required for Match');
    return this.decideExec(result && decides, execs, at);
  }

  /**
   * fleet runs no local commands: a `Match exec` is refused when its outcome would decide the
   * line (every other criterion held), and needs no answer when another criterion already failed.
   */
  decideExec(result: boolean, execs: readonly string[], at: Place): boolean {
    if (!result || execs.length === 0) return result;
    fail(at, `Match ${execs.join(' ')} is not supported by fleet (it would run a local command to decide for host ${this.originalHost}); use Host or Match host/user patterns, or --ssh-config to point at a file without it`);
  }
}

/** Resolves one host: the answer `ssh -G` gives for the keywords fleet uses. Throws ConfigError. */
export function resolveSshConfig(set: SshConfigSet, env: SshEnvironment, query: SshQuery): SshResolution {
  const slots: Slots = { identityFiles: [], certificateFiles: [] };
  // Command-line options (-o) come first: ssh keeps the first value it obtains.
  if (query.user) slots.user = query.user;
  if (query.port) slots.port = query.port;
  if (query.identityFile) slots.identityFiles.push({ ...query.identityFile, userProvided: true });
  if (query.connectTimeout) slots.connectTimeout = query.connectTimeout;
  if (query.proxyJump) {
    const parsed = parseProxyJump(query.proxyJump.value);
    if (parsed === undefined) throw new ConfigError([{ file: query.proxyJump.origin, line: 0, col: 0, message: `invalid jump host "${query.proxyJump.value}"`, severity: 'error' }]);
    slots.jump = parsed === 'none' ? { none: true, origin: query.proxyJump.origin } : { none: false, jump: jumpOf(query.proxyJump.value, parsed, query.proxyJump.origin) };
  }

  const first = new Pass(set, env, slots, query.host, query.host, false);
  first.readRoots();

  let host = query.host;
  if (slots.hostname !== undefined) {
    host = expandHostname(slots.hostname, query.host);
    slots.hostname = { value: host, origin: slots.hostname.origin };
  }
  // ssh lowercases a name (not an address) before using it.
  if (isIP(host) === 0) host = host.toLowerCase();
  const canonicalize = slots.canonicalizeHostname;
  if (canonicalize !== undefined && canonicalize.value !== 'no' && canonicalize.value !== 'false') {
    throw new ConfigError([{ ...diagnosticPlace(canonicalize.origin), message: `CanonicalizeHostname ${canonicalize.value} is not supported by fleet (it resolves names through DNS first); host ${query.host} is refused`, severity: 'error' }]);
  }
  if (first.wantFinal) {
    // `Match final`: ssh reads every file again for the final name; values already set stay.
    slots.hostname = { value: host, origin: slots.hostname?.origin ?? DEFAULT_ORIGIN };
    new Pass(set, env, slots, host, query.host, true).readRoots();
  }
  return finish(slots, env, query.host, host);
}

function finish(slots: Slots, env: SshEnvironment, hostArg: string, host: string): SshResolution {
  const port = slots.port ?? { value: 22, origin: DEFAULT_ORIGIN };
  const user = slots.user ?? { value: env.localUser, origin: DEFAULT_ORIGIN };
  const hostKeyAlias = slots.hostKeyAlias === undefined ? null : { ...slots.hostKeyAlias, value: slots.hostKeyAlias.value.toLowerCase() };
  const shortHost = env.hostname.split('.')[0] ?? env.hostname;
  const tokens: Record<string, string> = {
    // %C (a SHA-1 of the connection) only when some value asks for it: most never do.
    C: slots.identityFiles.some((k) => k.value.includes('%C')) || slots.certificateFiles.some((k) => k.value.includes('%C')) || (slots.userKnownHosts?.value.some((f) => f.includes('%C')) ?? false)
      ? createHash('sha1').update(`${env.hostname}${host}${port.value}${user.value}`).digest('hex')
      : '',
    L: shortHost,
    i: String(env.uid),
    k: hostKeyAlias?.value ?? hostArg,
    l: env.hostname,
    n: hostArg,
    p: String(port.value),
    d: env.home,
    h: host,
    r: user.value,
    u: env.localUser,
  };
  const expand = (raw: string, origin: string): string => {
    try {
      return percentExpand(tildeExpand(raw, env.home), tokens, env.env);
    } catch (error) {
      if (!(error instanceof ExpansionError)) throw error;
      throw new ConfigError([{ ...diagnosticPlace(origin), message: `${raw}: ${error.message}`, severity: 'error' }]);
    }
  };
  const jump = slots.jump !== undefined && !slots.jump.none ? slots.jump.jump : null;
  if (jump !== null && jump.last.host === host && (jump.last.port ?? 22) === port.value && (jump.last.user ?? user.value) === user.value) {
    // ssh.c: a jump to the very host, port and user it is meant to reach.
    throw new ConfigError([{ ...diagnosticPlace(jump.origin), message: `jumphost loop via ${jump.last.host}`, severity: 'error' }]);
  }
  const identityFiles: KeyFile[] =
    slots.identityFiles.length > 0
      ? slots.identityFiles.map((k) => ({ raw: k.value, path: expand(k.value, k.origin), origin: k.origin, isDefault: false }))
      : DEFAULT_IDENTITIES.map((raw) => ({ raw, path: tildeExpand(raw, env.home), origin: DEFAULT_ORIGIN, isDefault: true }));
  const userKnownHosts = slots.userKnownHosts ?? { value: DEFAULT_USER_KNOWN_HOSTS, origin: DEFAULT_ORIGIN };
  const globalKnownHosts = slots.globalKnownHosts ?? { value: DEFAULT_GLOBAL_KNOWN_HOSTS, origin: DEFAULT_ORIGIN };
  const knownHostsList = (files: Sourced<string[]>, expandEach: boolean): Sourced<string[]> => ({
    origin: files.origin,
    value: files.value.length === 1 && files.value[0]?.toLowerCase() === 'none' ? [] : files.value.map((f) => (expandEach ? expand(f, files.origin) : f)),
  });
  return {
    hostArg,
    hostname: { value: host, origin: slots.hostname?.origin ?? DEFAULT_ORIGIN },
    port,
    user,
    identityFiles,
    identitiesOnly: slots.identitiesOnly ?? { value: false, origin: DEFAULT_ORIGIN },
    certificateFiles: slots.certificateFiles.map((k) => ({ raw: k.value, path: expand(k.value, k.origin), origin: k.origin, isDefault: false })),
    proxyJump: jump,
    proxyCommand: slots.proxyCommand !== undefined && slots.proxyCommand.value.toLowerCase() !== 'none' ? slots.proxyCommand : null,
    hostKeyAlias,
    // ssh expands ~, % and ${} in UserKnownHostsFile before use (and in -G); GlobalKnownHostsFile as written.
    userKnownHostsFiles: knownHostsList(userKnownHosts, true),
    globalKnownHostsFiles: knownHostsList(globalKnownHosts, false),
    connectTimeout: slots.connectTimeout ?? { value: null, origin: DEFAULT_ORIGIN },
    strictHostKeyChecking: slots.strictHostKeyChecking ?? null,
  };
}

/** HostName takes `%h` (the host argument) and `%%` only. */
function expandHostname(hostname: Sourced<string>, hostArg: string): string {
  try {
    return percentExpand(hostname.value, { h: hostArg });
  } catch (error) {
    throw new ConfigError([{ ...diagnosticPlace(hostname.origin), message: `HostName ${hostname.value}: ${(error as Error).message}`, severity: 'error' }]);
  }
}

function jumpOf(text: string, hops: readonly { user?: string; host: string; port?: number }[], origin: string): ResolvedJump {
  const last = hops[hops.length - 1]!;
  const comma = text.replace(/#.*$/, '').trimEnd().lastIndexOf(',');
  const extra = comma > 0 ? text.slice(0, comma) : undefined;
  return { text: `${extra !== undefined ? `${extra},` : ''}${formatHop(last)}`, origin, last, ...(extra !== undefined ? { extra } : {}) };
}

/** readconf.c `Host`: any pattern matches and no negated one does. */
function hostLineMatches(patterns: readonly string[], host: string, at: Place): boolean {
  let active = false;
  for (const pattern of patterns) {
    if (pattern === '') fail(at, 'keyword Host empty argument');
    const negated = pattern.startsWith('!');
    if (matchPattern(host, negated ? pattern.slice(1) : pattern)) {
      if (negated) return false;
      active = true;
    }
  }
  return active;
}

type SingleSlot = 'hostname' | 'user' | 'hostKeyAlias' | 'port' | 'identitiesOnly' | 'strictHostKeyChecking' | 'canonicalizeHostname';

function setFirst<K extends SingleSlot>(slots: Slots, slot: K, value: NonNullable<Slots[K]>['value'], at: Place, active: boolean): void {
  if (!active || slots[slot] !== undefined) return;
  (slots as Record<K, Sourced<unknown>>)[slot] = { value, origin: originOf(at) };
}

/** The single argument of a keyword; more is an error, as in ssh. */
function one(args: readonly string[], at: Place): string {
  const arg = args[0];
  if (arg === undefined || arg === '') fail(at, 'Missing argument.');
  if (args.length > 1) fail(at, `garbage at end of line: "${args.slice(1).join(' ')}"`);
  return arg;
}

function flag(value: string, at: Place): boolean {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  return fail(at, `unsupported option "${value}"`);
}

export function originOf(at: Place): string {
  return `${at.file.display}:${at.line}`;
}

/** `~/.ssh/config:12` → a diagnostic's file and line; other origins name a file or flag. */
export function diagnosticPlace(origin: string): { file: string; line: number; col: number } {
  const m = /^(.*):(\d+)$/.exec(origin);
  return m ? { file: m[1]!, line: Number(m[2]), col: 0 } : { file: origin, line: 0, col: 0 };
}

function fail(at: Place, message: string): never {
  throw new ConfigError([{ file: at.file.display, line: at.line, col: 0, message, severity: 'error' }]);
}
