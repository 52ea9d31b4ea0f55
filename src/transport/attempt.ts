/**
 * What a login attempt used and where each part came from, for the message of a failed
 * connect or login: "which user, keys, address and port were tried, and why those".
 * Pure, so every wording is tested without a network.
 */

/** One key offered (or meant to be offered) and its fate before the server saw it. */
export interface KeyAttempt {
  path: string;
  /** `inventory.yml:4`, `--identity`, `~/.ssh/config:7`, `default` (OpenSSH's default identities) */
  origin: string;
  /** Why it was not offered (`not found`, `encrypted; set FLEET_KEY_PASSPHRASE`), or undefined when it was. */
  skipped?: string;
}

/** One endpoint's attempt: the target or a jump host. */
export interface LoginAttempt {
  user: string;
  address: string;
  port: number;
  /** Field → origin (`user`, `address`, `port`), as HostSpec.origins; absent fields are defaults. */
  origins: Readonly<Record<string, string>>;
  keys: readonly KeyAttempt[];
  /** `yes`, or why not: `no (SSH_AUTH_SOCK unset)`, `not used (IdentitiesOnly yes)` */
  agent: string;
  /** Jump hosts on the way, first one first. */
  via: readonly string[];
}

const DEFAULT_WORDS: Readonly<Record<string, string>> = {
  user: 'default: the local user',
  address: 'the inventory name',
  port: 'default',
};

function originOf(attempt: LoginAttempt, field: string): string {
  return attempt.origins[field] ?? DEFAULT_WORDS[field] ?? 'default';
}

function keyText(key: KeyAttempt): string {
  const origin = key.origin === 'default' ? 'OpenSSH default identity' : key.origin;
  return `${key.path} (${origin}${key.skipped !== undefined ? `; not offered: ${key.skipped}` : ''})`;
}

/**
 * `tried root@10.0.0.5:22 via bastion [user root from inventory.yml:3; address 10.0.0.5 from
 * ~/.ssh/config:2; port 22 from default]; keys: /home/op/.ssh/id_ed25519 (OpenSSH default
 * identity); agent: no (SSH_AUTH_SOCK unset)`
 */
export function describeAttempt(a: LoginAttempt): string {
  const via = a.via.length > 0 ? ` via ${a.via.join(', ')}` : '';
  const parts = [`user ${a.user} from ${originOf(a, 'user')}`, `address ${a.address} from ${originOf(a, 'address')}`, `port ${a.port} from ${originOf(a, 'port')}`];
  const keys = a.keys.length === 0 ? 'none' : a.keys.map(keyText).join(', ');
  return `tried ${a.user}@${a.address}:${a.port}${via} [${parts.join('; ')}]; keys: ${keys}; agent: ${a.agent}`;
}
