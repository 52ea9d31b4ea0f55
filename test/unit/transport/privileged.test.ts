import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privilegedCommand, sudoRefusal } from '../../../src/transport/privileged.js';

const user = { become: true, user: 'deploy' };
let fakeBin: string;

beforeAll(() => {
  // A stand-in sudo that insists on -n and runs the rest as given: the test is about what
  // the remote shell receives, so the wrapped command must run exactly like the original.
  fakeBin = mkdtempSync(join(tmpdir(), 'fleet-sudo-'));
  writeFileSync(join(fakeBin, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] || { echo "sudo: expected -n" >&2; exit 99; }\nshift\nexec "$@"\n');
  chmodSync(join(fakeBin, 'sudo'), 0o755);
});
afterAll(() => rmSync(fakeBin, { recursive: true, force: true }));

function runInShell(line: string): string {
  return execFileSync('sh', ['-c', line], { env: { PATH: `${fakeBin}:/usr/bin:/bin` }, encoding: 'utf8' });
}

describe('privilegedCommand', () => {
  it('wraps as sudo -n sh -c <quoted> for a become user', () => {
    expect(privilegedCommand("echo 'hi'", user)).toBe(`sudo -n sh -c 'echo '\\''hi'\\'''`);
  });

  it('leaves the command alone without become, or for root', () => {
    expect(privilegedCommand('id -u', { become: false, user: 'deploy' })).toBe('id -u');
    expect(privilegedCommand('id -u', { become: true, user: 'root' })).toBe('id -u');
  });

  it('runs any command exactly as unwrapped (quotes, $, backticks, newlines)', () => {
    const tricky = [
      `printf '%s\\n' "a b" 'c'"'"'d' \`echo e\` $(echo f) "$HOME-x"`,
      'x=1; printf "%s|" "$x" \\$x; echo',
      "printf 'line1\\nline2\\n'",
    ];
    for (const cmd of tricky) expect(runInShell(privilegedCommand(cmd, user))).toBe(runInShell(cmd));
  });

  it('property: a printf of any printable text survives the wrapper byte for byte', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 40 }).filter((s) => !s.includes('\0')), (text) => {
        const cmd = `printf '%s' ${"'" + text.replaceAll("'", `'\\''`) + "'"}`;
        expect(runInShell(privilegedCommand(cmd, user))).toBe(text);
      }),
      { numRuns: 60 },
    );
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
