/**
 * An inventory host through the controller's ssh_config, as Ansible's ssh connection sees it:
 * the host argument is the inventory's address (ansible_host) or name, and what the inventory
 * (or a flag) sets is passed as `-o` options, so it wins; ssh_config fills the rest (HostName
 * for an alias, Port, User, keys, jump hosts, known_hosts, ConnectTimeout). Each ProxyJump hop
 * is resolved the same way, as the `ssh -W` that ssh starts for it would.
 */
import { ConfigError, type Diagnostic } from '../errors.js';
import type { HostSpec, JumpSpec } from '../inventory/index.js';
import { DEFAULT_ORIGIN, diagnosticPlace as place, resolveSshConfig } from './resolve.js';
import type { HostSshOptions, SshConfigSet, SshEndpointOptions, SshEnvironment, SshHop, SshQuery, SshResolution, Sourced } from './types.js';

/** A ProxyJump chain longer than this is taken for a loop (ssh would recurse until it fails). */
const MAX_HOPS = 10;

/** What the command line adds on top of the inventory. */
export interface SshConfigOverrides {
  /** --timeout, in seconds: like Ansible's `-o ConnectTimeout`, it wins over ssh_config. */
  connectTimeoutSeconds?: number;
}

/** A host with ssh_config applied, and what is worth telling the user about it. */
export interface AppliedSshConfig {
  host: HostSpec;
  warnings: Diagnostic[];
}

/**
 * Resolves one inventory host. Throws ConfigError naming the ssh_config line when ssh itself
 * would refuse the config, or when fleet cannot do what it asks (ProxyCommand, Match exec).
 */
export function applySshConfig(host: HostSpec, set: SshConfigSet, env: SshEnvironment, overrides: SshConfigOverrides = {}): AppliedSshConfig {
  const origins = host.origins ?? {};
  // Only what a source really set is passed on (as Ansible passes -o options, which win over
  // the file); a field without an origin, or with the inventory's `default` one, is ssh_config's.
  const set_ = (field: string): string | undefined => (origins[field] !== undefined && origins[field] !== DEFAULT_ORIGIN ? origins[field] : undefined);
  const given = <T>(field: string, value: T): Sourced<T> | undefined => {
    const origin = set_(field);
    return origin !== undefined ? { value, origin } : undefined;
  };
  const query: SshQuery = { host: host.address };
  const user = given('user', host.user);
  if (user) query.user = user;
  const port = given('port', host.port);
  if (port) query.port = port;
  if (host.identityFile !== undefined) query.identityFile = { value: host.identityFile, origin: set_('identityFile') ?? 'inventory' };
  if (host.jump !== undefined) query.proxyJump = { value: jumpText(host.jump), origin: origins['jump'] ?? 'inventory' };
  if (overrides.connectTimeoutSeconds !== undefined) query.connectTimeout = { value: overrides.connectTimeoutSeconds, origin: '--timeout' };

  const resolved = resolveSshConfig(set, env, query);
  refuseProxyCommand(host.name, resolved);
  const warnings: Diagnostic[] = [];
  const strict = resolved.strictHostKeyChecking;
  if (strict !== null && !['yes', 'true'].includes(strict.value.toLowerCase())) {
    warnings.push({
      ...place(strict.origin),
      message: `StrictHostKeyChecking ${strict.value} is ignored: fleet checks host keys anyway (only --accept-new trusts a new key)`,
      severity: 'warning',
    });
  }
  const jumps = hopsOf(resolved, set, env, host.user, 0);
  const ssh: HostSshOptions = { ...endpointOptions(resolved, query.identityFile !== undefined), jumps };
  const merged: Record<string, string> = { ...origins };
  const note = (field: string, origin: string): void => {
    if (origin !== DEFAULT_ORIGIN) merged[field] = origin;
  };
  note('address', resolved.hostname.origin);
  note('port', resolved.port.origin);
  note('user', resolved.user.origin);
  const keyOrigins = [...new Set(ssh.identityFiles.filter((k) => !k.isDefault).map((k) => k.origin))];
  if (keyOrigins.length > 0) merged['identityFiles'] = keyOrigins.join(', ');
  if (resolved.proxyJump) note('jump', resolved.proxyJump.origin);
  if (resolved.hostKeyAlias) note('hostKeyAlias', resolved.hostKeyAlias.origin);
  note('userKnownHostsFiles', resolved.userKnownHostsFiles.origin);
  note('globalKnownHostsFiles', resolved.globalKnownHostsFiles.origin);
  note('connectTimeout', resolved.connectTimeout.origin);
  note('identitiesOnly', resolved.identitiesOnly.origin);
  if (resolved.certificateFiles.length > 0) merged['certificateFiles'] = [...new Set(resolved.certificateFiles.map((c) => c.origin))].join(', ');

  // The inventory's own `jump` stays as written; the hops to connect through are ssh.jumps.
  const out: HostSpec = { ...host, address: resolved.hostname.value, port: resolved.port.value, user: resolved.user.value, origins: merged, ssh };
  return { host: out, warnings };
}

function endpointOptions(r: SshResolution, skipFirstKey: boolean): SshEndpointOptions {
  // The inventory's key (an `-o IdentityFile`) is HostSpec.identityFile: loaded strictly, first.
  const keys = skipFirstKey ? r.identityFiles.slice(1) : r.identityFiles;
  const options: SshEndpointOptions = {
    identityFiles: keys.map((k) => ({ path: k.path, origin: k.origin, isDefault: k.isDefault })),
    identitiesOnly: r.identitiesOnly.value,
    certificateFiles: r.certificateFiles.map((c) => ({ path: c.path, origin: c.origin })),
    userKnownHostsFiles: r.userKnownHostsFiles.value,
    globalKnownHostsFiles: r.globalKnownHostsFiles.value,
  };
  if (r.hostKeyAlias) options.hostKeyAlias = r.hostKeyAlias.value;
  if (r.connectTimeout.value !== null) options.connectTimeoutMs = r.connectTimeout.value * 1000;
  return options;
}

/**
 * The hops before a host, first one first. For `ProxyJump a,b,c` ssh runs `ssh -J a,b -W … c`:
 * c is resolved with `a,b` as its own jump (which wins over c's ProxyJump), and so on down to a,
 * whose own ssh_config ProxyJump still applies.
 */
function hopsOf(target: SshResolution, set: SshConfigSet, env: SshEnvironment, fallbackUser: string, depth: number): SshHop[] {
  const jump = target.proxyJump;
  if (jump === null) return [];
  if (depth >= MAX_HOPS) throw new ConfigError([{ ...place(jump.origin), message: `ProxyJump chain to ${target.hostArg} is longer than ${MAX_HOPS} hops (a loop?)`, severity: 'error' }]);
  const query: SshQuery = { host: jump.last.host };
  if (jump.last.user !== undefined) query.user = { value: jump.last.user, origin: jump.origin };
  if (jump.last.port !== undefined) query.port = { value: jump.last.port, origin: jump.origin };
  if (jump.extra !== undefined) query.proxyJump = { value: jump.extra, origin: jump.origin };
  const hop = resolveSshConfig(set, env, query);
  refuseProxyCommand(`jump host ${jump.last.host}`, hop);
  if (hop.hostname.value === target.hostname.value && hop.port.value === target.port.value && hop.user.value === target.user.value) {
    throw new ConfigError([{ ...place(jump.origin), message: `jump host loop via ${jump.last.host}`, severity: 'error' }]);
  }
  // fleet's own rule, kept from before ssh_config: a hop with no user of its own logs in as the target's user.
  const user = hop.user.origin === DEFAULT_ORIGIN ? { value: fallbackUser, origin: 'the target host' } : hop.user;
  const origins: Record<string, string> = { address: hop.hostname.origin, port: hop.port.origin, user: user.origin };
  return [
    ...hopsOf(hop, set, env, fallbackUser, depth + 1),
    { ...endpointOptions(hop, false), name: jump.last.host, address: hop.hostname.value, port: hop.port.value, user: user.value, origins },
  ];
}

function refuseProxyCommand(name: string, r: SshResolution): void {
  if (r.proxyCommand === null) return;
  throw new ConfigError([
    { ...place(r.proxyCommand.origin), message: `ProxyCommand applies to ${name}, but fleet does not run proxy commands; use ProxyJump (or jump: in the inventory)`, severity: 'error' },
  ]);
}

/** The inventory's `jump` as a ProxyJump hop; port 22 is left out so the hop's own Port can apply. */
export function jumpText(jump: JumpSpec): string {
  const host = jump.host.includes(':') ? `[${jump.host}]` : jump.host;
  return `${jump.user !== undefined ? `${jump.user}@` : ''}${host}${jump.port !== 22 ? `:${jump.port}` : ''}`;
}
