import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { killGroupCommand, splitProcessMarker, withProcessMarker } from '../../../src/transport/remote-process.js';

/** Runs a command line the way sshd does: a login shell with -c, as leader of a new session. */
function runLikeSshd(shell: string, line: string) {
  return spawn(shell, ['-c', line], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
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

describe('process marker', () => {
  for (const shell of ['dash', 'bash']) {
    it(`announces the session's process group and leaves the command's output, status and stdin alone (${shell})`, async () => {
      const child = runLikeSshd(shell, withProcessMarker(`cat; echo "it's" >&2; printf 'x%s' "$0"; exit 7`));
      child.stdin!.end('in\r\nput');
      const r = await collect(child);
      const { pgid, stderr } = splitProcessMarker(r.stderr);
      expect(pgid).toBe(child.pid);
      expect(stderr).toBe("it's\n");
      expect(r.stdout).toBe('in\r\nputxsh');
      expect(r.code).toBe(7);
    });
  }

  it.each(['dash', 'bash'])('`sh -c <script>` runs its script in the marker shell itself: same pid, no process of its own (%s)', async (shell) => {
    const line = `sh -c 'echo "$$"; printf '\\''%s\\n'\\'' "it'\\''s"'`;
    expect(withProcessMarker(line)).toMatch(/>&2; echo "\$\$"/);
    const child = runLikeSshd(shell, withProcessMarker(line));
    const r = await collect(child);
    const { pgid } = splitProcessMarker(r.stderr);
    expect(pgid).toBe(child.pid);
    expect(r.stdout).toBe(`${child.pid}\nit's\n`);
  });

  it('anything else is run, not exec-ed: builtins, operators, unquoted shell syntax', () => {
    for (const line of ['cd /tmp', 'sh -c x; rm -rf /', "sh -c 'a''b'", 'true && false', 'sh -c $(id)', "sudo -n sh -c 'x' | cat"]) {
      expect(withProcessMarker(line), line).not.toContain('; exec ');
    }
    expect(withProcessMarker('true')).toContain('; exec true');
    expect(withProcessMarker("sudo -n sh -c 'id -u'")).toContain('; exec sudo -n sh -c');
  });

  it.each(['dash', 'bash'])('killGroupCommand ends the command and everything it started (run by %s)', async (killer) => {
    const child = runLikeSshd('bash', withProcessMarker('sleep 1000 & sleep 1000; echo never'));
    const firstLine = await new Promise<string>((resolve) => child.stderr!.once('data', (b: Buffer) => resolve(b.toString())));
    const { pgid } = splitProcessMarker(firstLine);
    expect(pgid).toBe(child.pid);
    expect(await until(() => liveMembers(pgid!).length >= 3)).toBe(true); // sh and both sleeps
    const done = collect(child);
    execFileSync(killer, ['-c', killGroupCommand(pgid!)]);
    const r = await done;
    expect(r.stdout).toBe('');
    expect(await until(() => liveMembers(pgid!).length === 0)).toBe(true);
  });

  it('passes stderr through untouched when there is no complete marker', () => {
    expect(splitProcessMarker('plain error\n')).toEqual({ pgid: null, stderr: 'plain error\n' });
    expect(splitProcessMarker('\x1efleet-pgid 12')).toEqual({ pgid: null, stderr: '\x1efleet-pgid 12' });
    expect(splitProcessMarker('\x1efleet-pgid 4242\nrest')).toEqual({ pgid: 4242, stderr: 'rest' });
  });
});
