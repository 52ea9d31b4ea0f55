import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command } from '../../../src/core/shell.js';
import { killGroupCommand, PLAIN_LINE, remoteCommand, splitProcessMarker, SUDO_LINE } from '../../../src/transport/remote-process.js';

/** The shells a host's `sh` may be, and also login shells sshd may start the line with. */
const SHELLS: Record<string, string[]> = { dash: ['/usr/bin/dash'], bash: ['/usr/bin/bash'], busybox: ['/usr/bin/busybox', 'sh'] };
/** Login shells that are no POSIX sh: they only ever parse the fixed line (test/setup installs them). */
const OTHER_LOGIN_SHELLS: Record<string, string[]> = { zsh: ['/usr/bin/zsh'], fish: ['/usr/bin/fish'] };
const shellDirs: Record<string, string> = {};
let root: string;
let fakeSudoDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fleet-remote-'));
  for (const [name, argv] of Object.entries(SHELLS)) {
    // A folder whose `sh` is the shell under test, first on PATH: what `exec sh -s` finds.
    const dir = join(root, name);
    execFileSync('mkdir', [dir]);
    if (argv.length === 1) symlinkSync(argv[0]!, join(dir, 'sh'));
    else writeFileSync(join(dir, 'sh'), `#!/usr/bin/dash\nexec ${argv.join(' ')} "$@"\n`, { mode: 0o755 });
    shellDirs[name] = dir;
  }
  // A stand-in sudo that insists on -n and runs the rest as given, for runs that are not root.
  fakeSudoDir = join(root, 'fake-sudo');
  execFileSync('mkdir', [fakeSudoDir]);
  writeFileSync(join(fakeSudoDir, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] || { echo "sudo: expected -n" >&2; exit 99; }\nshift\nexec "$@"\n');
  chmodSync(join(fakeSudoDir, 'sudo'), 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Runs a command the way sshd does: the login shell with `-c <line>`, as leader of a new session,
 * the script written to its stdin. `sh` names the host's sh.
 */
function runLikeSshd(login: string, sh: string, cmd: string, viaSudo = false, sudoDir?: string, input?: Buffer) {
  const sent = remoteCommand(cmd, viaSudo, input);
  const [program, ...pre] = (SHELLS[login] ?? OTHER_LOGIN_SHELLS[login])!;
  const path = [...(sudoDir ? [sudoDir] : []), shellDirs[sh], '/usr/bin', '/bin'].join(':');
  const child = spawn(program!, [...pre, '-c', sent.line], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: path, HOME: root } });
  child.stdin.end(sent.stdin);
  return child;
}

function collect(child: ReturnType<typeof spawn>): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code })),
  );
}

/** Pids of the group that are still running (zombies waiting for a reaper do not count). */
function liveMembers(pgid: number): number[] {
  const live: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') live.push(Number(entry));
  }
  return live;
}

async function until(condition: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return condition();
}

/** Commands that read stdin, each followed by more script: none may eat what follows, and each reads nothing. */
const STDIN_EATERS = [
  'printf "cat:[%s]\\n" "$(cat)"',
  'printf "head:[%s]\\n" "$(head -n 1)"',
  'x=unset; read -r x; printf "read:[%s]\\n" "$x"',
  'printf "dd:[%s]\\n" "$(dd bs=1 count=10 2>/dev/null)"',
].join('\n');
const EATERS_OUT = 'cat:[]\nhead:[]\nread:[]\ndd:[]\n';

const asRoot = process.getuid?.() === 0;

describe('remoteCommand: the script on stdin, a fixed command line', () => {
  it('sshd only ever receives one of two short, constant lines, whatever the script', () => {
    expect(PLAIN_LINE).toBe('exec sh -s');
    expect(SUDO_LINE.length).toBeLessThan(100);
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.boolean(), (script, viaSudo) => {
        for (const cmd of [script, command('sh', '-c', script)]) {
          const sent = remoteCommand(cmd, viaSudo);
          expect(sent.line).toBe(viaSudo ? SUDO_LINE : PLAIN_LINE);
          expect(sent.stdin).toContain(script);
        }
      }),
      { numRuns: 200 },
    );
  });

  for (const login of Object.keys(SHELLS)) {
    for (const sh of Object.keys(SHELLS)) {
      it(`login shell ${login}, sh ${sh}: output, exit status and process group kept; a command reading stdin reads nothing and eats none of the script`, async () => {
        const child = runLikeSshd(login, sh, `${STDIN_EATERS}\necho "it's" >&2\nprintf 'pid %s\\n' "$$"\nexit 7`);
        const r = await collect(child);
        const { pgid, stderr } = splitProcessMarker(r.stderr);
        expect(pgid).toBe(child.pid);
        expect(stderr).toBe("it's\n");
        // The script runs in the session leader itself: no shell of its own.
        expect(r.stdout).toBe(`${EATERS_OUT}pid ${child.pid}\n`);
        expect(r.code).toBe(7);
      });
    }
  }

  for (const login of Object.keys(OTHER_LOGIN_SHELLS)) {
    it(`login shell ${login}: parses only the fixed line, plain and through sudo`, async () => {
      const plain = runLikeSshd(login, 'dash', `${STDIN_EATERS}\nprintf 'pid %s\\n' "$$"\nexit 7`);
      const r = await collect(plain);
      expect(splitProcessMarker(r.stderr)).toEqual({ pgid: plain.pid, stderr: '' });
      expect(r.stdout).toBe(`${EATERS_OUT}pid ${plain.pid}\n`);
      expect(r.code).toBe(7);
      const sudo = runLikeSshd(login, 'dash', `${STDIN_EATERS}\nexit 5`, true, fakeSudoDir);
      const s = await collect(sudo);
      expect(splitProcessMarker(s.stderr)).toEqual({ pgid: sudo.pid, stderr: '' });
      expect(s.stdout).toBe(EATERS_OUT);
      expect(s.code).toBe(5);
    });
  }

  it.each(Object.keys(SHELLS))('a 2 MiB script with here-documents (far past one argument\'s 128 KiB) arrives whole (sh %s)', async (sh) => {
    const payload = randomBytes(1536 * 1024).toString('base64');
    const lines = payload.match(/.{1,76}/g)!;
    // Several here-documents, with stdin readers between them, and a `}` line inside one.
    const third = Math.ceil(lines.length / 3);
    const doc = (part: string[]) => [`base64 -d <<'END' >> "$f"`, ...part, 'END'].join('\n');
    const script = [
      'f=$(mktemp)',
      doc(lines.slice(0, third)),
      STDIN_EATERS,
      doc(lines.slice(third, 2 * third)),
      "cat <<'TXT' >/dev/null\n}\n} </dev/null\nTXT",
      doc(lines.slice(2 * third)),
      'sha256sum < "$f" | cut -d" " -f1; rm -f "$f"',
    ].join('\n');
    expect(script.length).toBeGreaterThan(2 * 1024 * 1024);
    const r = await collect(runLikeSshd('bash', sh, command('sh', '-c', script)));
    expect(r.stdout).toBe(`${EATERS_OUT}${createHash('sha256').update(Buffer.from(payload, 'base64')).digest('hex')}\n`);
    expect(r.code).toBe(0);
  });

  it.each(Object.keys(SHELLS))('through sudo: the leader announces its group, sudo\'s shell reads the script (stand-in sudo, sh %s)', async (sh) => {
    const child = runLikeSshd('bash', sh, `${STDIN_EATERS}\necho err >&2\nexit 5`, true, fakeSudoDir);
    const r = await collect(child);
    const { pgid, stderr } = splitProcessMarker(r.stderr);
    expect(pgid).toBe(child.pid);
    expect(stderr).toBe('err\n');
    expect(r.stdout).toBe(EATERS_OUT);
    expect(r.code).toBe(5);
  });

  it.runIf(asRoot)('through the real sudo -n (as root, so it asks no password): same script, same answers', async () => {
    const child = runLikeSshd('bash', 'dash', `${STDIN_EATERS}\nid -u\nexit 4`, true);
    const r = await collect(child);
    expect(splitProcessMarker(r.stderr)).toEqual({ pgid: child.pid, stderr: '' });
    expect(r.stdout).toBe(`${EATERS_OUT}0\n`);
    expect(r.code).toBe(4);
  });

  it('property: any text printed by a script comes back byte for byte, with or without sudo', () => {
    const run = (cmd: string, viaSudo: boolean): string => {
      const sent = remoteCommand(cmd, viaSudo);
      return execFileSync('bash', ['-c', sent.line], { input: sent.stdin, encoding: 'utf8', env: { PATH: `${fakeSudoDir}:${shellDirs['dash']}:/usr/bin:/bin`, HOME: root } });
    };
    const tricky = [`printf '%s\\n' "a b" 'c'"'"'d' \`echo e\` $(echo f) "$HOME-x"`, 'x=1; printf "%s|" "$x" \\$x; echo', "printf 'line1\\nline2\\n'"];
    for (const cmd of tricky) {
      const direct = execFileSync('sh', ['-c', cmd], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: root } });
      expect(run(cmd, false)).toBe(direct);
      expect(run(cmd, true)).toBe(direct);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }).filter((t) => !t.includes('\0')), fc.boolean(), (text, viaSudo) => {
        expect(run(`printf '%s' ${"'" + text.replaceAll("'", `'\\''`) + "'"}`, viaSudo)).toBe(text);
      }),
      { numRuns: 40 },
    );
  });

  for (const sh of Object.keys(SHELLS)) {
    it(`input for the command's stdin arrives byte for byte inside the script: binary, CRLF, no final newline, 1 MiB (sh ${sh}, plain and through sudo)`, async () => {
      const input = Buffer.concat([Buffer.from('a\r\nb\0c\xff', 'latin1'), randomBytes(1 << 20), Buffer.from('no newline')]);
      const digest = createHash('sha256').update(input).digest('hex');
      for (const viaSudo of [false, true]) {
        const child = runLikeSshd('bash', sh, 'sha256sum | cut -d" " -f1\nprintf "pid %s\\n" "$$"\nexit 3', viaSudo, fakeSudoDir, input);
        const r = await collect(child);
        expect(r.stdout).toBe(`${digest}\npid ${child.pid}\n`);
        expect(splitProcessMarker(r.stderr)).toEqual({ pgid: child.pid, stderr: '' });
        expect(r.code).toBe(3);
      }
      const empty = await collect(runLikeSshd('bash', sh, 'wc -c', false, undefined, Buffer.alloc(0)));
      expect(empty.stdout.trim()).toBe('0');
    });
  }

  it('a script that does not parse runs none of its lines', async () => {
    const r = await collect(runLikeSshd('bash', 'dash', 'echo ran\nif then fi'));
    expect(r.stdout).toBe('');
    expect(r.code).not.toBe(0);
  });
});

describe('process marker and kill', () => {
  const cases: [string, boolean][] = [['as the login user', false], ...(asRoot ? [['through the real sudo', true] as [string, boolean]] : [])];
  it.each(cases)('killGroupCommand ends the command and everything it started (%s)', async (_, viaSudo) => {
    const child = runLikeSshd('bash', 'dash', 'sleep 1000 & sleep 1000; echo never', viaSudo);
    const firstLine = await new Promise<string>((resolve) => child.stderr!.once('data', (b: Buffer) => resolve(b.toString())));
    const { pgid } = splitProcessMarker(firstLine);
    expect(pgid).toBe(child.pid);
    expect(await until(() => liveMembers(pgid!).length >= 3)).toBe(true); // the shell(s) and both sleeps
    const done = collect(child);
    const kill = remoteCommand(killGroupCommand(pgid!), false);
    execFileSync('dash', ['-c', kill.line], { input: kill.stdin });
    const r = await done;
    expect(r.stdout).toBe('');
    expect(await until(() => liveMembers(pgid!).length === 0)).toBe(true);
  });

  it('passes stderr through untouched when there is no complete marker', () => {
    expect(splitProcessMarker('plain error\n')).toEqual({ pgid: null, stderr: 'plain error\n' });
    expect(splitProcessMarker('\x1efleet-pgid 12')).toEqual({ pgid: null, stderr: '\x1efleet-pgid 12' });
    expect(splitProcessMarker('\x1efleet-pgid 4242\nrest')).toEqual({ pgid: 4242, stderr: 'rest' });
    expect(splitProcessMarker('a\x1efleet-pgid 4242\nrest')).toEqual({ pgid: null, stderr: 'a\x1efleet-pgid 4242\nrest' });
  });

  it("finds the marker after what a login shell's start-up files print, and keeps that output", () => {
    expect(splitProcessMarker('.bashrc: pyenv: not found\n\x1efleet-pgid 4242\nrest\n')).toEqual({ pgid: 4242, stderr: '.bashrc: pyenv: not found\nrest\n' });
    expect(splitProcessMarker('noise\n\x1efleet-pgid 42')).toEqual({ pgid: null, stderr: 'noise\n\x1efleet-pgid 42' });
  });
});
