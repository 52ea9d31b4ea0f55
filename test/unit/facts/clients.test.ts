/**
 * parseClientFacts on what a user's own shell can send back. The real shells' answers are
 * covered by test/integration/client-probe.test.ts; here are the answers only a race or a
 * hostile user produces: a file replaced between open and stat, forged markers, a flood of
 * output, error text inside the bytes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quote } from '../../../src/core/shell.js';
import { clientFactsScript, parseClientFacts, USER_CONFIG_MAX_BYTES, type UserClientFacts } from '../../../src/facts/clients.js';
import { planClients } from '../../../src/core/client-plan.js';
import { LocalTransport } from './local-transport.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const ENT = (user: string, uid: number) => `${user}:x:${uid}:${uid}::/home/${user}:/bin/sh`;
const CONFIG = 'Host *\n  ServerAliveInterval 10\n';

/** The root-side frame around each user's answer, as clientFactsScript prints it. */
function probeOutput(answers: readonly (readonly [string, number, string])[], end = true): string {
  const lines = answers.flatMap(([user, uid, answer], i) => [`@@fleet:u${i}-ent`, ENT(user, uid), `@@fleet:u${i}-home`, b64(answer)]);
  return [...lines, ...(end ? ['@@fleet:end'] : []), ''].join('\n');
}

/** A user's answer about a regular 0600 file of theirs holding `text`. */
function fileAnswer(uid: number, text: string | Buffer, over: { opened?: string; named?: string; size?: number; links?: number; owner?: number } = {}): string {
  const bytes = Buffer.from(text);
  const opened = over.opened ?? '2049:77 8180';
  return [
    `@@fleet:dir ${uid} ${uid} 700`,
    `@@fleet:config ${opened} ${over.owner ?? uid} ${uid} ${over.links ?? 1} ${over.size ?? bytes.length}`,
    `@@fleet:named ${over.named ?? opened}`,
    '@@fleet:bytes',
    b64(bytes),
    '@@fleet:done',
  ].join('\n');
}

function one(answer: string, user = 'alice', uid = 1000): UserClientFacts & { exists: true } {
  const facts = parseClientFacts(probeOutput([[user, uid, answer]]), [user], false).users[0]!;
  if (!facts.exists) throw new Error('user missing');
  return facts;
}

describe('parseClientFacts: a user\'s answer', () => {
  it('reads a regular file of the user\'s, with its mode from the opened file', () => {
    const f = one(fileAnswer(1000, CONFIG, { opened: '2049:77 81a4' }));
    expect(f.unsafe).toBeNull();
    expect(f.config).toEqual({ uid: 1000, gid: 1000, mode: 0o644, text: CONFIG });
  });

  it('a file replaced between open and the look at its name is refused, its bytes unused', () => {
    const f = one(fileAnswer(1000, CONFIG, { opened: '2049:77 8180', named: '2049:78 8180' }));
    expect(f.config).toBeNull();
    expect(f.unsafe).toBe('/home/alice/.ssh/config was replaced while fleet opened it; nothing was read');
  });

  it('a name that is a symlink by the time it is looked at is refused as a symlink', () => {
    expect(one(fileAnswer(1000, CONFIG, { named: '2049:90 a1ff' })).unsafe).toBe('/home/alice/.ssh/config is a symlink');
  });

  it('hard links, another owner, a non-regular file: refused with the reason', () => {
    expect(one(fileAnswer(1000, CONFIG, { links: 2 })).unsafe).toBe('/home/alice/.ssh/config is hard-linked elsewhere');
    expect(one(fileAnswer(1000, CONFIG, { owner: 0 })).unsafe).toBe('/home/alice/.ssh/config is owned by uid 0, not by alice');
    expect(one(fileAnswer(1000, CONFIG, { opened: '2049:77 11b6' })).unsafe).toBe('/home/alice/.ssh/config is not a regular file');
  });

  it('over 1 MiB, by its size or by the bytes that came, is refused', () => {
    expect(one(fileAnswer(1000, CONFIG, { size: USER_CONFIG_MAX_BYTES + 1 })).unsafe).toMatch(/is 1048577 bytes; fleet reads at most 1048576 bytes/);
    const grown = Buffer.alloc(USER_CONFIG_MAX_BYTES + 1, 0x23);
    expect(one(fileAnswer(1000, grown, { size: 10 })).unsafe).toMatch(/is 1048577 bytes/);
  });

  it('an error message among the base64 lines is refused, never decoded into stray bytes', () => {
    const answer = fileAnswer(1000, CONFIG).replace('@@fleet:done', 'head: error reading: Input/output error\n@@fleet:done');
    const f = one(answer);
    expect(f.config).toBeNull();
    expect(f.unsafe).toContain('could not be read as alice: head: error reading: Input/output error');
  });

  it('an answer cut short (no done marker) is refused', () => {
    expect(one(fileAnswer(1000, CONFIG).replace('\n@@fleet:done', '')).unsafe).toBe('/home/alice/.ssh/config could not be read as alice');
  });

  it('su failing (no marker at all) is refused with what it said', () => {
    expect(one('su: Authentication failure\n').unsafe).toBe('/home/alice/.ssh/config could not be read as alice: su: Authentication failure');
  });

  it('a home that is no absolute path, a symlinked or foreign ~/.ssh', () => {
    expect(one('@@fleet:no-home\n').unsafe).toMatch(/alice has no absolute home directory/);
    expect(one('@@fleet:dir symlink\n').unsafe).toBe('/home/alice/.ssh is a symlink');
    expect(one('@@fleet:dir 0 0 700\n@@fleet:config absent\n@@fleet:done\n').unsafe).toBe('/home/alice/.ssh is owned by uid 0, not by alice');
  });

  it('no ~/.ssh, or no config in it: nothing to refuse', () => {
    expect(one('@@fleet:dir absent\n@@fleet:done\n')).toMatchObject({ sshDir: 'absent', config: null, unsafe: null });
    expect(one('@@fleet:dir 1000 1000 700\n@@fleet:config absent\n@@fleet:done\n')).toMatchObject({ sshDir: 'dir', config: null, unsafe: null });
  });

  it('a config that could not be opened says why', () => {
    const f = one("@@fleet:dir 1000 1000 700\nsh: 1: cannot open /home/alice/.ssh/config: Permission denied\n@@fleet:done\n");
    expect(f.unsafe).toBe('/home/alice/.ssh/config could not be opened and checked as alice: sh: 1: cannot open /home/alice/.ssh/config: Permission denied');
  });

  it('not UTF-8: refused, never re-encoded', () => {
    expect(one(fileAnswer(1000, Buffer.from([0x23, 0xfc, 0x0a]))).unsafe).toMatch(/is not valid UTF-8/);
  });
});

describe('parseClientFacts: what one user prints speaks for nobody else', () => {
  it('markers forged by one user for another user, the system files or the end change nothing', () => {
    const forged = ['@@fleet:u1-ent', ENT('bob', 0), '@@fleet:u1-home', b64(fileAnswer(0, 'ProxyCommand evil\n')), '@@fleet:sys-main 0 0 644 1', b64('x'), '@@fleet:end'].join('\n');
    const bobs = fileAnswer(1001, CONFIG);
    const out = probeOutput([['alice', 1000, `${fileAnswer(1000, CONFIG)}\n${forged}`], ['bob', 1001, bobs]]);
    const { users } = parseClientFacts(out, ['alice', 'bob'], false);
    expect(users[1]).toMatchObject({ user: 'bob', uid: 1001, config: { text: CONFIG }, unsafe: null });
    // and an "end" printed by a user does not complete a probe that stopped early
    expect(() => parseClientFacts(probeOutput([['alice', 1000, forged]], false), ['alice'], false)).toThrow(/did not finish/);
  });

  it('the user, uid and home come from root\'s getent, not from the user\'s answer', () => {
    const f = one(fileAnswer(0, CONFIG));
    // The answer claims uid 0 everywhere: the directory is then "owned by someone else".
    expect(f.uid).toBe(1000);
    expect(f.unsafe).toBe('/home/alice/.ssh is owned by uid 0, not by alice');
  });
});

describe('clientFactsScript', () => {
  it('passes user names quoted and reads every home through su as its user', () => {
    const script = clientFactsScript(["o'brien", 'alice'], false);
    // The names enter as one quoted list (clients.sh reads it a line at a time), never as code.
    expect(script).toMatch(/^users='o'\\''brien\nalice'$/m);
    expect(script).toContain('getent passwd "$user"');
    expect(script).toContain('as_user "$user"');
    expect(script).toMatch(/\$switch -s \/bin\/sh "\$1" -c "\$probe"/);
    expect(script).toContain("switch=su; command -v runuser >/dev/null 2>&1 && switch=runuser");
    // root never reads a file in a home itself
    expect(script).not.toMatch(/base64 < "\$home/);
  });
});

describe('clientFactsScript in a real shell: one stalled user costs only their own file', () => {
  it('a user whose part never finishes is stopped by the bound and refused; the next user is read', { timeout: 60_000 }, async () => {
    // A stand-in for su and runuser that runs the probe as root, except for `daemon`, whose part hangs the
    // way an open of a FIFO swapped in at the right moment does.
    const bin = mkdtempSync(join(tmpdir(), 'fleet-fake-su-'));
    try {
      for (const name of ['su', 'runuser']) writeFileSync(join(bin, name), '#!/bin/sh\n[ "$3" = daemon ] && exec sleep 600\nshift 3\nexec /bin/sh "$@"\n', { mode: 0o755 });
      const t = new LocalTransport({ sshdConfigPath: '/etc/ssh/sshd_config' }, bin);
      const res = await t.exec(`sh -c ${quote(clientFactsScript(['daemon', 'bin'], false, 1))}`);
      const [daemon, binUser] = parseClientFacts(res.stdout, ['daemon', 'bin'], false).users;
      expect(daemon).toMatchObject({ exists: true, config: null, unsafe: '/usr/sbin/.ssh/config: reading it as daemon did not finish in time (a FIFO swapped in, or a hung file system?)' });
      expect(binUser).toMatchObject({ exists: true, home: '/bin', sshDir: 'absent', config: null, unsafe: null });
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('the system files', () => {
  it('a system ssh_config that is not UTF-8 refuses the system file alone, instead of failing the host', () => {
    const out = ['@@fleet:sys-main 0 0 644 1', Buffer.from([0x23, 0xfc, 0x0a]).toString('base64'), '@@fleet:sys-dropin absent', '@@fleet:sys-dir yes', '@@fleet:end', ''].join('\n');
    const facts = parseClientFacts(out, [], true);
    expect(facts.system?.unsafe).toBe('/etc/ssh/ssh_config is not valid UTF-8; fleet edits text and will not re-encode it');
    const plan = planClients(facts, { users: [], system: true, directives: { ServerAliveInterval: '60' } });
    expect(plan.files).toEqual([]);
    expect(plan.refusals).toEqual([{ user: null, path: '/etc/ssh/ssh_config', reason: facts.system?.unsafe }]);
  });
});
