/**
 * The client facts probe on a real lab host, in dash, bash and busybox sh: each state a home
 * can be in, read as the user and parsed. The race against a swapping user is in
 * test/hostile/client-swap.test.ts; answers only a race produces are in
 * test/unit/facts/clients.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../src/core/shell.js';
import { clientFactsScript, parseClientFacts, USER_CONFIG_MAX_BYTES, USER_HOME_PROBE, type UserClientFacts } from '../../src/facts/clients.js';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';

const USER = 'fleetprobe';
const SECRET = 'FLEET-PROBE-ROOT-ONLY-51d0';
const SHELLS = ['dash', 'bash', 'busybox sh'] as const;
let lab: Lab;
let host: LabHost;
let uid: number;
let gid: number;

beforeAll(async () => {
  lab = await startLab({ count: 1, namePrefix: 'pr', users: [USER], shapes: ['debian12'] });
  host = lab.hosts[0]!;
  ({ uid, gid } = statSync(join(host.dir, 'home', USER)));
  writeFileSync(join(host.dir, 'root', 'secret'), `${SECRET}\n`, { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

const sshDir = () => join(host.dir, 'home', USER, '.ssh');
const config = () => join(sshDir(), 'config');

/** Puts ~/.ssh back to a plain 0700 folder of the user's with no config. */
function resetHome(): void {
  rmSync(sshDir(), { recursive: true, force: true });
  mkdirSync(sshDir(), { mode: 0o700 });
  chownSync(sshDir(), uid, gid);
}

function userFile(path: string, content: string | Buffer, mode = 0o600): void {
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  chownSync(path, uid, gid);
}

/** The whole probe, as fleet runs it, with `shell` as root's shell. */
async function probe(shell: string): Promise<{ facts: UserClientFacts; stdout: string }> {
  writeFileSync(join(host.dir, 'tmp', 'client-probe.sh'), clientFactsScript([USER], false));
  const res = await lab.exec(host, `${shell} /tmp/client-probe.sh`);
  expect(res.code, res.stderr).toBe(0);
  return { facts: parseClientFacts(res.stdout, [USER], false).users[0]!, stdout: res.stdout };
}

/** Only the user's part, run by `shell` as the user, framed as the root part frames it. */
async function userPart(shell: string): Promise<UserClientFacts> {
  const inner = `FLEET_HOME=/home/${USER} FLEET_UID=${uid} FLEET_PROBE=${quote(USER_HOME_PROBE)} su -s /bin/sh ${USER} -c ${quote(`exec ${shell} -c "$FLEET_PROBE"`)} </dev/null 2>&1`;
  const res = await lab.exec(host, inner);
  const framed = ['@@fleet:u0-ent', `${USER}:x:${uid}:${gid}::/home/${USER}:/bin/sh`, '@@fleet:u0-home', Buffer.from(res.stdout).toString('base64'), '@@fleet:end', ''].join('\n');
  return parseClientFacts(framed, [USER], false).users[0]!;
}

const CASES: { name: string; arrange: () => void; expect: (f: UserClientFacts) => void }[] = [
  {
    name: 'a 0644 config of the user\'s: read, mode kept',
    arrange: () => userFile(config(), 'Host *\n  ServerAliveInterval 10\n', 0o644),
    expect: (f) => expect(f).toMatchObject({ sshDir: 'dir', unsafe: null, config: { uid, mode: 0o644, text: 'Host *\n  ServerAliveInterval 10\n' } }),
  },
  { name: 'no ~/.ssh', arrange: () => rmSync(sshDir(), { recursive: true }), expect: (f) => expect(f).toMatchObject({ sshDir: 'absent', config: null, unsafe: null }) },
  { name: 'no config', arrange: () => undefined, expect: (f) => expect(f).toMatchObject({ sshDir: 'dir', config: null, unsafe: null }) },
  {
    name: '~/.ssh is a symlink',
    arrange: () => {
      rmSync(sshDir(), { recursive: true });
      symlinkSync('/root', sshDir());
    },
    expect: (f) => expect(f).toMatchObject({ config: null, unsafe: `/home/${USER}/.ssh is a symlink` }),
  },
  {
    name: 'config is a symlink to a root-only file',
    arrange: () => symlinkSync('/root/secret', config()),
    expect: (f) => expect(f).toMatchObject({ config: null, unsafe: `/home/${USER}/.ssh/config is a symlink` }),
  },
  {
    name: 'config is hard-linked',
    arrange: () => {
      userFile(join(sshDir(), 'elsewhere'), 'Host *\n');
      linkSync(join(sshDir(), 'elsewhere'), config());
    },
    expect: (f) => expect(f).toMatchObject({ config: null, unsafe: `/home/${USER}/.ssh/config is hard-linked elsewhere` }),
  },
  {
    name: 'config owned by root (readable)',
    arrange: () => writeFileSync(config(), 'Host *\n', { mode: 0o644 }),
    expect: (f) => expect(f).toMatchObject({ config: null, unsafe: `/home/${USER}/.ssh/config is owned by uid 0, not by ${USER}` }),
  },
  {
    name: 'config the user cannot read (mode 000)',
    arrange: () => userFile(config(), 'Host *\n', 0o000),
    expect: (f) => expect(f.exists && f.unsafe).toMatch(new RegExp(`^/home/${USER}/.ssh/config could not be opened and checked as ${USER}: .*ermission denied`)),
  },
  {
    name: 'config over 1 MiB',
    arrange: () => userFile(config(), Buffer.alloc(USER_CONFIG_MAX_BYTES + 1, 0x23)),
    expect: (f) => expect(f.exists && f.unsafe).toMatch(/config is 1048577 bytes; fleet reads at most 1048576 bytes \(1 MiB\)/),
  },
  {
    name: 'config of exactly 1 MiB is read',
    arrange: () => userFile(config(), Buffer.alloc(USER_CONFIG_MAX_BYTES, 0x23)),
    expect: (f) => expect(f.exists && f.config?.text.length).toBe(USER_CONFIG_MAX_BYTES),
  },
  {
    name: 'config is a FIFO: refused, and the probe does not hang on it',
    arrange: () => {
      expect(spawnSync('mkfifo', [config()]).status).toBe(0);
      chownSync(config(), uid, gid);
    },
    expect: (f) => expect(f).toMatchObject({ config: null, unsafe: `/home/${USER}/.ssh/config is not a regular file` }),
  },
  {
    name: 'config is not UTF-8',
    arrange: () => userFile(config(), Buffer.from([0x23, 0x20, 0x4d, 0xfc, 0x0a])),
    expect: (f) => expect(f.exists && f.unsafe).toMatch(/config is not valid UTF-8/),
  },
];

describe.sequential('the client facts probe on a real host', () => {
  for (const c of CASES) {
    it(`${c.name}: the same in dash, bash and busybox sh, as root's shell and as the user's`, async () => {
      for (const shell of SHELLS) {
        resetHome();
        c.arrange();
        const { facts, stdout } = await probe(shell);
        expect(facts.exists).toBe(true);
        c.expect(facts);
        expect(stdout).not.toContain(SECRET);
        c.expect(await userPart(shell));
      }
    });
  }

  it('a missing user is reported missing, without su', async () => {
    writeFileSync(join(host.dir, 'tmp', 'client-probe.sh'), clientFactsScript(['fleet-no-such-user'], false));
    const res = await lab.exec(host, 'sh /tmp/client-probe.sh');
    expect(parseClientFacts(res.stdout, ['fleet-no-such-user'], false).users[0]).toEqual({ user: 'fleet-no-such-user', exists: false });
  });

  it('the user part passes shellcheck as POSIX sh', () => {
    const res = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: USER_HOME_PROBE, encoding: 'utf8' });
    expect(res.status, res.stdout).toBe(0);
  });
});
