/**
 * writeClientFile run for real in a local shell (LocalTransport) with the real `ssh -G`: the new
 * text reaches the host on stdin, never on a command line (which `ps` shows to every user), and
 * each outcome is a value.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientFilePlan } from '../../../src/core/client-plan.js';
import { writeClientFile } from '../../../src/engine/client.js';
import { LocalTransport } from '../facts/local-transport.js';

const MARKER = 'FLEET-NOT-ON-A-COMMAND-LINE-3b7e';
let dir: string;

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function plan(path: string, after: string, before: string | null): ClientFilePlan {
  return { owner: { kind: 'system' }, uid: 0, gid: 0, mode: 0o644, createDir: false, path, before, after, diff: '', promised: { serveraliveinterval: '77' } };
}

describe('writeClientFile', () => {
  it('sends the text on stdin: no command line holds it, in clear or in base64', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-client-'));
    const path = join(dir, 'ssh_config');
    writeFileSync(path, '# old\n');
    const after = `# ${MARKER}\nHost *\n  ServerAliveInterval 77\n`;
    const t = new LocalTransport({ sshdConfigPath: '/etc/ssh/sshd_config' });
    const outcome = await writeClientFile(t, plan(path, after, '# old\n'), 'run1', '20260101T000000Z');
    expect(outcome.status, JSON.stringify(outcome)).toBe('written');
    expect(readFileSync(path, 'utf8')).toBe(after);
    expect(readFileSync(`${path}.fleet-20260101T000000Z`, 'utf8')).toBe('# old\n');
    const b64 = Buffer.from(after).toString('base64');
    for (const cmd of t.commands) {
      expect(cmd).not.toContain(MARKER);
      expect(cmd).not.toContain(b64.slice(0, 24));
    }
  });

  it('a candidate ssh -G rejects is a failed outcome, and the file keeps its text', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-client-'));
    const path = join(dir, 'ssh_config');
    writeFileSync(path, '# old\n');
    const t = new LocalTransport({ sshdConfigPath: '/etc/ssh/sshd_config' });
    const outcome = await writeClientFile(t, plan(path, 'Host *\n  NoSuchKeyword 1\n', '# old\n'), 'run2', '20260101T000000Z');
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^ssh -G rejects the candidate: .*line 2: Bad configuration option: nosuchkeyword.*; nothing was written$/s) });
    expect(readFileSync(path, 'utf8')).toBe('# old\n');
  });
});
