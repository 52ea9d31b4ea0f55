import { describe, expect, it } from 'vitest';
import { needsSudo, sudoRefusal } from '../../../src/transport/privileged.js';

describe('needsSudo', () => {
  it('a become user goes through sudo; root, or a host without become, does not', () => {
    expect(needsSudo({ become: true, user: 'deploy' })).toBe(true);
    expect(needsSudo({ become: false, user: 'deploy' })).toBe(false);
    expect(needsSudo({ become: true, user: 'root' })).toBe(false);
  });
});

describe('sudoRefusal', () => {
  const result = (stderr: string, code = 1) => ({ stdout: '', stderr, code, signal: null });

  it('recognises sudo asking for a password or a terminal', () => {
    for (const msg of [
      'sudo: a password is required\n',
      'sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\n',
      'sudo: no tty present and no askpass program specified\n',
    ]) {
      expect(sudoRefusal(result(msg), 'web1')?.code).toBe('SUDO_PASSWORD_REQUIRED');
    }
    expect(sudoRefusal(result('sudo: a password is required\n'), 'web1')?.message).toMatch(/^web1: .*NOPASSWD/);
  });

  it('reports a user without sudo rights as a failed command with sudo’s words', () => {
    const e = sudoRefusal(result('deploy is not in the sudoers file.  This incident will be reported.\n'.replace(/^/, 'sudo: ')), 'w');
    expect(e?.code).toBe('COMMAND_FAILED');
    expect(e?.message).toContain('is not in the sudoers file');
  });

  it('does not mistake a command’s own output or exit status for sudo', () => {
    expect(sudoRefusal(result('sudo: a password is required\n', 2), 'w')).toBeNull();
    expect(sudoRefusal(result('grep: sudo: a password is required\n'), 'w')).toBeNull();
    expect(sudoRefusal(result(''), 'w')).toBeNull();
  });
});
