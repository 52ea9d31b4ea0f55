/**
 * Any sshd_config keyword, from the keyword table, on real sshd hosts through the real CLI: a
 * policy of more than ten global keywords covering every value type, an exact list and members
 * of an accumulating keyword converges (proven by each host's own `sshd -T`), and the second
 * apply changes nothing. A keyword the hosts' sshd does not know fails them at plan time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printedValues } from '../../src/core/printed-config.js';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { configSnapshot, inventoryFor, runFlags } from '../helpers/faults.js';

let lab: Lab;

// Every value type of the table: flag, enumeration (printed in another form), time, integer,
// algorithm list, first-line list, special (MaxStartups, last line wins), word, text, an exact
// list of an accumulating keyword and members of another.
const POLICY = `sshd:
  PasswordAuthentication: no
  PermitRootLogin: prohibit-password
  LoginGraceTime: 1m
  MaxAuthTries: 4
  Ciphers: [aes256-gcm@openssh.com, chacha20-poly1305@openssh.com]
  AuthorizedKeysFile: [.ssh/authorized_keys, .ssh/fleet_keys]
  MaxStartups: 10:30:60
  LogLevel: verbose
  AllowTcpForwarding: local
  Banner: none
  VersionAddendum: fleet lab
  X11Forwarding: no
  DenyUsers: [nobody, games]
  AcceptEnv: { present: [LANG, LC_*], absent: [XMODIFIERS] }
`;

/** `sshd -T` on the host, every line kept: keyword → its values in print order. */
async function printed(h: LabHost): Promise<Map<string, string[]>> {
  const t = await lab.exec(h, '/usr/sbin/sshd -T');
  expect(t.code, t.stderr).toBe(0);
  return printedValues(t.stdout);
}

function writePolicy(name: string, body: string): string {
  const inventoryPath = join(lab.dir, `${name}.inventory.yml`);
  writeFileSync(inventoryPath, inventoryFor(lab, lab.hosts));
  const policyPath = join(lab.dir, `${name}.policy.yml`);
  writeFileSync(policyPath, `inventory: ${inventoryPath}\n${body}`);
  return policyPath;
}

beforeAll(async () => {
  lab = await startLab({ count: 4, namePrefix: 'kw' });
  // One host starts with lines the policy must rewrite: a DenyUsers and an AcceptEnv with a
  // member to remove, at the top of its main file.
  const main = join(lab.hosts[0]!.etcSsh, 'sshd_config');
  writeFileSync(main, `DenyUsers olduser\nAcceptEnv XMODIFIERS TZ\n${readFileSync(main, 'utf8')}`);
  // Another has two DenyUsers lines: the exact list keeps the first, the second is commented out.
  const second = join(lab.hosts[1]!.etcSsh, 'sshd_config');
  writeFileSync(second, `DenyUsers olduser\nDenyUsers otheruser\n${readFileSync(second, 'utf8')}`);
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

describe.sequential('any global keyword on real sshd hosts', () => {
  let policy: string;

  it('apply converges every host, proven by its own sshd -T', async () => {
    policy = writePolicy('keywords', POLICY);
    const run = await fleet(['apply', policy, ...runFlags(lab)]);
    const report = jsonReport(run);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const h of lab.hosts) {
      const t = await printed(h);
      const one = (k: string): string | undefined => t.get(k)?.[0];
      expect(
        {
          passwordauthentication: one('passwordauthentication'),
          permitrootlogin: one('permitrootlogin'),
          logingracetime: one('logingracetime'),
          maxauthtries: one('maxauthtries'),
          ciphers: one('ciphers'),
          authorizedkeysfile: one('authorizedkeysfile'),
          maxstartups: one('maxstartups'),
          loglevel: one('loglevel'),
          allowtcpforwarding: one('allowtcpforwarding'),
          banner: one('banner'),
          versionaddendum: one('versionaddendum'),
          x11forwarding: one('x11forwarding'),
          denyusers: t.get('denyusers'),
        },
        `${h.name} (${h.shape})`,
      ).toEqual({
        passwordauthentication: 'no',
        permitrootlogin: 'without-password',
        logingracetime: '60',
        maxauthtries: '4',
        ciphers: 'aes256-gcm@openssh.com,chacha20-poly1305@openssh.com',
        authorizedkeysfile: '.ssh/authorized_keys .ssh/fleet_keys',
        maxstartups: '10:30:60',
        loglevel: 'VERBOSE',
        allowtcpforwarding: 'local',
        banner: 'none',
        versionaddendum: 'fleet lab',
        x11forwarding: 'no',
        denyusers: ['nobody', 'games'],
      });
      const acceptenv = t.get('acceptenv') ?? [];
      expect(acceptenv, h.name).toEqual(expect.arrayContaining(['LANG', 'LC_*']));
      expect(acceptenv, h.name).not.toContain('XMODIFIERS');
      expect(await lab.isAccepting(h)).toBe(true);
    }
    // The host that had its own lines: the exact list replaced the first, the member left its line.
    const first = report.hosts.find((r) => r.name === lab.hosts[0]!.name)!;
    expect(first.warnings.join('\n')).not.toMatch(/commented out/);
    const text = readFileSync(join(lab.hosts[0]!.etcSsh, 'sshd_config'), 'utf8');
    const lines = text.split('\n');
    expect(lines).toContain('DenyUsers nobody games');
    expect(lines).toContain('AcceptEnv TZ');
    expect(lines.filter((l) => /^denyusers/i.test(l))).toEqual(['DenyUsers nobody games']);
    expect(text).not.toMatch(/ #/);
    const other = readFileSync(join(lab.hosts[1]!.etcSsh, 'sshd_config'), 'utf8').split('\n');
    expect(other.filter((l) => /denyusers/i.test(l))).toEqual(['DenyUsers nobody games', '#DenyUsers otheruser']);
    const warned = report.hosts.find((r) => r.name === lab.hosts[1]!.name)!.warnings;
    expect(warned).toContain('DenyUsers otheruser at /etc/ssh/sshd_config:2 is commented out: the whole list is now /etc/ssh/sshd_config:1');
  });

  it('a second apply changes nothing and reloads nothing', async () => {
    const files = new Map(lab.hosts.map((h) => [h.name, configSnapshot(h)]));
    const run = await fleet(['apply', policy, ...runFlags(lab)]);
    const report = jsonReport(run);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const h of lab.hosts) {
      const r = report.hosts.find((x) => x.name === h.name)!;
      expect([r.status, r.reloaded, r.changes], h.name).toEqual(['unchanged', false, []]);
      expect(configSnapshot(h)).toEqual(files.get(h.name));
    }
    const check = await fleet(['check', policy, ...runFlags(lab)]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('a keyword these hosts do not know fails each host at plan time, naming the releases that know it', async () => {
    const unknown = writePolicy('unknown', 'sshd:\n  RefuseConnection: no\n  PasswordAuthentication: no\n');
    const files = new Map(lab.hosts.map((h) => [h.name, configSnapshot(h)]));
    const run = await fleet(['plan', unknown, ...runFlags(lab)]);
    const report = jsonReport(run);
    for (const h of lab.hosts) {
      const r = report.hosts.find((x) => x.name === h.name)!;
      expect(r.status).toBe('failed');
      expect(r.error).toEqual({ code: 'CONFIG_UNSUPPORTED', message: "this host's sshd (OpenSSH_9.2p1) does not know RefuseConnection (known to OpenSSH 9.9+); nothing was changed" });
      expect(configSnapshot(h)).toEqual(files.get(h.name));
    }
  });

  it('sshd_match sets keywords inside a Match block, proven by sshd -T for a matching and a non-matching connection', async () => {
    const matched = writePolicy('match', `${POLICY}sshd_match:\n  - match: User backup\n    set: { ClientAliveInterval: 15m, PermitTTY: no, MaxSessions: 2 }\n`);
    const run = await fleet(['apply', matched, ...runFlags(lab)]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // The engine's own proof: sshd -T -C for a connection the block selects, on every host.
    for (const r of jsonReport(run).hosts) {
      expect(r.explain.join('\n'), r.name).toMatch(/^Match User backup: ClientAliveInterval 900, PermitTTY no, MaxSessions 2, proven by sshd -T -C user=backup,host=fleet-proof\.invalid,addr=192\.0\.2\.1$/m);
    }
    const connection = async (h: LabHost, user: string): Promise<Record<string, string>> => {
      const t = await lab.exec(h, `/usr/sbin/sshd -T -C user=${user},host=client.example,addr=127.0.0.9`);
      expect(t.code, t.stderr).toBe(0);
      return Object.fromEntries(t.stdout.split('\n').filter((l) => /^(clientaliveinterval|permittty|maxsessions|passwordauthentication) /.test(l)).map((l) => l.split(' ') as [string, string]));
    };
    for (const h of lab.hosts) {
      expect(await connection(h, 'backup'), `${h.name} (${h.shape}) backup`).toMatchObject({ clientaliveinterval: '900', permittty: 'no', maxsessions: '2', passwordauthentication: 'no' });
      const other = await connection(h, 'deploy');
      expect(other['clientaliveinterval'], `${h.name} deploy`).not.toBe('900');
      expect(other['permittty'], `${h.name} deploy`).toBe('yes');
      expect(await lab.isAccepting(h)).toBe(true);
    }
    const files = new Map(lab.hosts.map((h) => [h.name, configSnapshot(h)]));
    const again = jsonReport(await fleet(['apply', matched, ...runFlags(lab)]));
    expect(again.hosts.map((r) => r.status)).toEqual(lab.hosts.map(() => 'unchanged'));
    for (const h of lab.hosts) expect(configSnapshot(h)).toEqual(files.get(h.name));
  });

  it('a Match value that an earlier overlapping block shadows fails the proof: VERIFY_FAILED on plan and apply, the files restored, no reload', async () => {
    const h = lab.hosts[2]!;
    const main = join(h.etcSsh, 'sshd_config');
    // Before the block the earlier test added (sshd reads blocks in order): it selects backup too.
    const text = readFileSync(main, 'utf8');
    const at = text.search(/^Match User backup$/m);
    const overlap = 'Match User backup,deploy\n    MaxSessions 5\n';
    writeFileSync(main, at === -1 ? `${text}\n${overlap}` : `${text.slice(0, at)}${overlap}${text.slice(at)}`);
    const before = configSnapshot(h);
    const reloads = (): number => readFileSync(h.logFile, 'utf8').split('\n').filter((l) => /SIGHUP/.test(l)).length;
    const reloaded = reloads();
    const shadowed = writePolicy('shadowed', `sshd_match:\n  - match: User backup\n    set: { MaxSessions: 3 }\n`);
    for (const command of ['plan', 'apply']) {
      const report = jsonReport(await fleet([command, shadowed, '--limit', h.name, ...runFlags(lab)]));
      const r = report.hosts[0]!;
      expect(r.status, `${command}: ${JSON.stringify(r)}`).toBe('failed');
      expect(r.error?.code).toBe('VERIFY_FAILED');
      expect(r.error?.message).toContain('MaxSessions is 5 for a connection Match User backup selects (sshd -T -C user=backup,host=fleet-proof.invalid,addr=192.0.2.1), promised 3');
      expect(r.warnings.join('\n')).toMatch(/earlier|overlap/i);
      expect(configSnapshot(h)).toEqual(before);
    }
    expect(reloads()).toBe(reloaded);
    expect(await lab.isAccepting(h)).toBe(true);
  });

  it('a Match block fleet cannot synthesise a connection for (Group) is planned and applied with a warning that says so', async () => {
    const h = lab.hosts[3]!;
    const grouped = writePolicy('grouped', `sshd_match:\n  - match: Group fleetops\n    set: { PermitTTY: no }\n`);
    const report = jsonReport(await fleet(['apply', grouped, '--limit', h.name, ...runFlags(lab)]));
    const r = report.hosts[0]!;
    expect(r.status, JSON.stringify(r)).toBe('changed');
    expect(r.warnings.join('\n')).toContain('Match Group fleetops: Match Group needs a real member of the group on each host, which fleet cannot choose, so sshd -T -C cannot prove the values set there');
    expect(readFileSync(join(h.etcSsh, 'sshd_config'), 'utf8')).toMatch(/^Match Group fleetops\n\s+PermitTTY no$/m);
  });
});
