/**
 * Privilege escalation for commands that need root: `sudo -n`, with the script on stdin (see
 * remote-process.ts). `-n` makes sudo fail at once instead of waiting for a password nobody
 * will type.
 */
import { FleetError } from '../core/errors.js';
import type { ExecResult, HostSpec } from './types.js';

/**
 * Whether a privileged command goes through sudo. Root needs no sudo, and not requiring it lets
 * fleet manage minimal images that do not ship sudo at all.
 */
export function needsSudo(host: Pick<HostSpec, 'become' | 'user'>): boolean {
  return host.become && host.user !== 'root';
}

/**
 * sudo's own refusal (exit 1, message on stderr) as a FleetError, or null when the
 * command ran. Only sudo's messages are matched, so a command's own output never is.
 */
export function sudoRefusal(result: ExecResult, where: string): FleetError | null {
  if (result.code !== 1) return null;
  if (/^sudo: (a password is required|a terminal is required|no tty present)/m.test(result.stderr)) {
    return new FleetError(
      'SUDO_PASSWORD_REQUIRED',
      `${where}: sudo wants a password; fleet needs passwordless sudo (NOPASSWD) for this user, or connect as root`,
    );
  }
  const notAllowed = /^sudo: .*(is not in the sudoers file|is not allowed to run sudo|is not allowed to execute).*$/m.exec(
    result.stderr,
  );
  if (notAllowed) return new FleetError('COMMAND_FAILED', `${where}: ${notAllowed[0]}`);
  return null;
}
