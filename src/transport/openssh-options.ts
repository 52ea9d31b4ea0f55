/**
 * The command lines of the OpenSSH-client transport, and the reading of what `ssh` says when
 * it fails. Pure: tested without a network.
 *
 * `-F none` keeps the caller's ~/.ssh/config out: every setting ssh uses is one fleet resolved
 * and passes here, so ssh checks host keys against exactly the known_hosts files fleet names
 * and offers exactly the identities fleet would.
 */
import { FleetError } from '../core/errors.js';
import { quote } from '../core/shell.js';

/** Everything one `ssh` connection to a host needs, already resolved. */
export interface OpenSshTarget {
  address: string;
  port: number;
  user: string;
  /** Absolute; ssh also loads `<identityFile>-cert.pub` beside it when that exists. */
  identityFile?: string;
  /** Absolute path of an OpenSSH user certificate (ssh_config CertificateFile). */
  certificateFile?: string;
  /** The known_hosts file fleet reads and (with acceptNew) writes. */
  knownHostsFile: string;
  /** The system-wide known_hosts (/etc/ssh/ssh_known_hosts); none when undefined. */
  globalKnownHostsFile?: string;
  /** StrictHostKeyChecking=accept-new instead of yes (fleet's --accept-new). */
  acceptNew: boolean;
  /** SSH_AUTH_SOCK of an ssh-agent; no agent when undefined. */
  agentSocket?: string;
  /**
   * An SSH_ASKPASS program that prints the key's passphrase (from FLEET_KEY_PASSPHRASE in
   * ssh's environment): ssh then runs without BatchMode, since batch mode refuses to ask even
   * an askpass program; password and keyboard-interactive stay off, host keys stay strict.
   */
  askpass?: string;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** A bastion to tunnel through; connected with the same known_hosts and identities. */
  jump?: { host: string; port: number; user: string };
}

/** The askpass program: prints the passphrase it finds in its environment, and nothing else. */
export const ASKPASS_SCRIPT = '#!/bin/sh\n# fleet: the key passphrase for ssh, from the environment fleet gave ssh\nprintf \'%s\\n\' "$FLEET_KEY_PASSPHRASE"\n';

/** The environment of a master that decrypts its key through {@link ASKPASS_SCRIPT}. */
export function askpassEnvironment(askpass: string, passphrase: string): Record<string, string> {
  return { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', FLEET_KEY_PASSPHRASE: passphrase };
}

/** Printed by the master's own session once authenticated: the connection is ready. */
export const READY_MARK = 'fleet-ssh-ready';

/**
 * A value inside `-o Key=value`: ssh expands `%` tokens in paths and splits on whitespace
 * unless double-quoted, so both are escaped; nothing from an inventory is read as a token.
 */
export function optionValue(value: string): string {
  const escaped = value.replaceAll('%', '%%');
  if (!/[\s"'\\]/.test(escaped)) return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

const o = (key: string, value: string) => ['-o', `${key}=${value}`];

/**
 * The options that decide whom ssh trusts and how it logs in: strict host-key checking
 * against fleet's files only, fleet's identities only, no password or keyboard prompts.
 */
function trustOptions(t: OpenSshTarget): string[] {
  return [
    '-F', 'none',
    ...o('BatchMode', t.askpass !== undefined ? 'no' : 'yes'),
    ...(t.askpass !== undefined ? o('NumberOfPasswordPrompts', '1') : []),
    ...o('StrictHostKeyChecking', t.acceptNew ? 'accept-new' : 'yes'),
    ...o('UserKnownHostsFile', optionValue(t.knownHostsFile)),
    ...o('GlobalKnownHostsFile', t.globalKnownHostsFile !== undefined ? optionValue(t.globalKnownHostsFile) : 'none'),
    // Never write to known_hosts behind fleet's back (hostkeys-00 rotation, IP lines).
    ...o('UpdateHostKeys', 'no'),
    ...o('CheckHostIP', 'no'),
    ...o('HashKnownHosts', 'no'),
    ...(t.identityFile !== undefined ? o('IdentityFile', optionValue(t.identityFile)) : []),
    ...(t.certificateFile !== undefined ? o('CertificateFile', optionValue(t.certificateFile)) : []),
    ...o('IdentityAgent', t.agentSocket !== undefined ? optionValue(t.agentSocket) : 'none'),
    ...o('PasswordAuthentication', 'no'),
    ...o('KbdInteractiveAuthentication', 'no'),
    ...o('ConnectTimeout', String(Math.max(1, Math.ceil(t.connectTimeoutMs / 1000)))),
    ...o('ServerAliveInterval', String(Math.max(1, Math.round(t.keepaliveIntervalMs / 1000)))),
    ...o('ServerAliveCountMax', '4'),
  ];
}

/**
 * The jump host as an explicit ProxyCommand rather than ProxyJump: ssh starts a ProxyJump
 * hop without the `-o` options given here, so it would check the bastion's key against
 * ~/.ssh/known_hosts instead of fleet's file.
 */
function proxyOptions(t: OpenSshTarget): string[] {
  if (t.jump === undefined) return [];
  const hop: OpenSshTarget = { ...t, address: t.jump.host, port: t.jump.port, user: t.jump.user };
  delete hop.jump;
  // The target is written out, quoted, rather than left to ssh's %h: OpenSSH before 9.6 puts
  // %h into this shell command line unquoted (CVE-2023-51385).
  const argv = ['ssh', ...trustOptions(hop), '-W', `[${t.address}]:${t.port}`, '-p', String(hop.port), '-l', hop.user, '--', hop.address];
  // A shell runs the line after ssh expands `%` tokens, so each word is quoted and every `%` doubled.
  return o('ProxyCommand', argv.map((a) => quote(a).replaceAll('%', '%%')).join(' '));
}

/**
 * The master: authenticates, opens the control socket, then runs `cat` so the connection
 * lives exactly as long as fleet holds its stdin (a killed fleet leaves no ssh behind).
 */
export function masterArgs(t: OpenSshTarget, controlPath: string): string[] {
  return [
    '-v',
    ...trustOptions(t),
    ...proxyOptions(t),
    ...o('ControlMaster', 'yes'),
    ...o('ControlPath', optionValue(controlPath)),
    ...o('ControlPersist', 'no'),
    '-T',
    '-p', String(t.port),
    '-l', t.user,
    '--', t.address,
    `echo ${READY_MARK}; exec cat`,
  ];
}

/**
 * One command over the master's connection. ProxyCommand=false: if the control socket is
 * gone, ssh would otherwise quietly open a new connection of its own; this way it fails.
 */
export function muxArgs(t: Pick<OpenSshTarget, 'address' | 'port' | 'user'>, controlPath: string, command: string): string[] {
  return [
    '-F', 'none',
    ...o('ControlMaster', 'no'),
    ...o('ControlPath', optionValue(controlPath)),
    ...o('ProxyCommand', 'false'),
    ...o('BatchMode', 'yes'),
    '-T',
    '-p', String(t.port),
    '-l', t.user,
    '--', t.address,
    command,
  ];
}

/** Asks the master whether it still holds its connection (exit 0 when it does). */
export function checkArgs(t: Pick<OpenSshTarget, 'address' | 'port' | 'user'>, controlPath: string): string[] {
  return ['-F', 'none', ...o('ControlPath', optionValue(controlPath)), '-O', 'check', '-p', String(t.port), '-l', t.user, '--', t.address];
}

/** `OpenSSH_9.2p1 Debian-2` from the master's `-v` output, when it got that far. */
export function remoteVersion(verbose: string): string | undefined {
  return /remote software version (\S[^\r\n]*)/.exec(verbose)?.[1]?.trim();
}

/** ssh's own messages: debug lines and the echo of its banner are left out. */
export function sshMessages(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('debug') && !/^@+$/.test(l) && !l.startsWith('OpenSSH_'));
}

/**
 * Why a master never became ready, from ssh's stderr. ssh's wording is stable across
 * OpenSSH releases (these are its user-facing errors); anything unrecognized is reported
 * whole as a lost connection rather than guessed at.
 */
export function classifySshFailure(stderr: string, where: string, knownHostsFiles: readonly string[]): FleetError {
  const messages = sshMessages(stderr);
  const text = messages.join('\n');
  const files = knownHostsFiles.join(', ');
  const said = (re: RegExp) => messages.find((m) => re.test(m));
  const make = (code: ConstructorParameters<typeof FleetError>[0], why: string) =>
    new FleetError(code, `${where}: ${why}`);

  const revoked = said(/is marked as revoked|was revoked and you have requested strict checking/);
  if (revoked) return make('HOSTKEY_REVOKED', `host key or its certificate authority is marked @revoked in ${files} (ssh: ${revoked})`);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed/i.test(text)) {
    return make('HOSTKEY_MISMATCH', `host key does not match ${files} — possible man-in-the-middle, or the server was reinstalled; not logging in`);
  }
  const unknown = said(/host key is known for .* and you have requested strict checking|Host key verification failed/);
  if (unknown) {
    const certWhy = said(/^Certificate invalid: /);
    const detail = certWhy ? `${certWhy}; ` : '';
    return make('HOSTKEY_UNKNOWN', `${detail}no key or @cert-authority in ${files} vouches for the host key (ssh: ${unknown})`);
  }
  // Before the denial it leads to: a missing or unreadable identity is what to fix.
  const keyProblem = said(/^Load key .*: |^no such identity: |bad permissions/i);
  if (keyProblem) return make('KEY_UNREADABLE', `identity cannot be used (ssh: ${keyProblem})`);
  const denied = said(/Permission denied \(/);
  if (denied) return make('AUTH_FAILED', `authentication failed (no offered key or certificate was accepted; ssh: ${denied})`);
  const refused = said(/Connection refused|No route to host|Network is unreachable|Could not resolve hostname|Name or service not known/);
  if (refused) return make('UNREACHABLE', `ssh: ${refused}`);
  const slow = said(/Connection timed out|Operation timed out|banner exchange: .*timed out/);
  if (slow) return make('CONNECT_TIMEOUT', `timed out during connect/handshake/login (ssh: ${slow})`);
  return make('CONNECTION_LOST', `ssh did not connect${text !== '' ? `: ${messages.slice(-3).join(' / ')}` : ''}`);
}
