/**
 * Config files that are symlinks, as fleets managed from a git checkout or a shared folder have
 * them: sshd reads through the link, so fleet edits the file the link points to and keeps the
 * link (Ansible's lineinfile does the same; a rename over the link would replace it with a copy).
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { inventoryFor, runFlags, writePolicy } from '../helpers/faults.js';

let lab: Lab;
let policy: string;

beforeAll(async () => {
  lab = await startLab({ count: 3, namePrefix: 'ln', shapes: ['debian12', 'cloud-zero', 'cloud-zero'] });
  const [mainLinked, dropInLinked, twoNames] = lab.hosts as [LabHost, LabHost, LabHost];
  // The main file lives in a managed folder; /etc/ssh/sshd_config is a relative link to it.
  await must(mainLinked, 'mkdir /etc/ssh/managed && mv /etc/ssh/sshd_config /etc/ssh/managed/sshd_config && chmod 0640 /etc/ssh/managed/sshd_config && ln -s managed/sshd_config /etc/ssh/sshd_config');
  // The cloud drop-in that wins (ClientAliveInterval 0) is a link into a shared folder.
  await must(dropInLinked, 'mkdir /etc/ssh/shared && for f in /etc/ssh/sshd_config.d/*.conf; do mv "$f" /etc/ssh/shared/ && ln -s "/etc/ssh/shared/${f##*/}" "$f"; done');
  // One file read under two names: the drop-in and a second link to it that sorts after it.
  await must(twoNames, 'for f in /etc/ssh/sshd_config.d/*.conf; do ln -s "$f" /etc/ssh/sshd_config.d/zz-again.conf; done');
  policy = writePolicy(lab.dir, 'links', inventoryFor(lab, lab.hosts), { ClientAliveInterval: 298, ClientAliveCountMax: 50 });
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

async function must(h: LabHost, cmd: string): Promise<void> {
  const r = await lab.exec(h, cmd);
  if (r.code !== 0) throw new Error(`${h.name}: ${cmd}: ${r.stderr}`);
}

/** The links among a host's sshd_config and its drop-ins, as `name -> target`. */
function links(h: LabHost): string[] {
  const names = ['sshd_config', ...readdirSync(join(h.etcSsh, 'sshd_config.d')).map((n) => `sshd_config.d/${n}`)];
  return names.filter((n) => lstatSync(join(h.etcSsh, n)).isSymbolicLink()).map((n) => `${n} -> ${readlinkSync(join(h.etcSsh, n))}`);
}

describe.sequential('symlinked sshd config files', () => {
  it('plan names the file behind each link; apply edits it, keeps every link, and sshd -T shows the values', async () => {
    const [mainLinked, dropInLinked] = lab.hosts as [LabHost, LabHost, LabHost];
    const before = new Map(lab.hosts.map((h) => [h.name, links(h)]));
    const plan = jsonReport(await fleet(['plan', policy, ...runFlags(lab)]));
    const warned = (h: LabHost): string => plan.hosts.find((r) => r.name === h.name)?.warnings.join('\n') ?? '';
    expect(warned(mainLinked)).toContain('/etc/ssh/sshd_config is a symlink to /etc/ssh/managed/sshd_config');
    expect(warned(dropInLinked)).toMatch(/\/etc\/ssh\/sshd_config\.d\/\S+\.conf is a symlink to \/etc\/ssh\/shared\/\S+\.conf/);

    const run = await fleet(['apply', policy, ...runFlags(lab), '--limit', `${mainLinked.name}:${dropInLinked.name}`]);
    const report = jsonReport(run);
    const byName = new Map(report.hosts.map((r) => [r.name, r]));
    for (const h of [mainLinked, dropInLinked]) {
      expect(byName.get(h.name)?.status, `${h.name}: ${byName.get(h.name)?.error?.message}`).toBe('changed');
      expect(links(h)).toEqual(before.get(h.name));
      const t = await lab.sshdT(h);
      expect([t['clientaliveinterval'], t['clientalivecountmax']]).toEqual(['298', '50']);
    }
    // The owner and mode of the file behind the link are kept.
    expect(lstatSync(join(mainLinked.etcSsh, 'managed/sshd_config')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(mainLinked.etcSsh, 'managed/sshd_config'), 'utf8')).toMatch(/^ClientAliveInterval 298$/m);
  });

  it('a file read under two names is edited once, under the name whose lines win, and the second link stays', async () => {
    const twoNames = lab.hosts[2] as LabHost;
    const before = links(twoNames);
    expect(before).toHaveLength(1);
    const applied = jsonReport(await fleet(['apply', policy, ...runFlags(lab), '--limit', twoNames.name]));
    expect(applied.hosts[0]?.status, applied.hosts[0]?.error?.message).toBe('changed');
    expect(links(twoNames)).toEqual(before);
    expect((await lab.sshdT(twoNames))['clientaliveinterval']).toBe('298');
  });
});
