/**
 * Host text cannot inject into reports, against real sshd hosts (issue 12, item 7). Their configs
 * hold what an attacker who controls a host (or a careless admin) can write: a Match criterion,
 * a drop-in file name, a user's ~/.ssh/config Host line and a line `sshd -t` rejects, each with
 * terminal escapes (CSI, OSC 8 hyperlink, BEL, CR, 8-bit CSI), a bidi override, markdown links
 * and images, raw HTML, bare URLs, an @mention and backtick runs. fleet plans them as usual and
 * writes every report format; none of them carries an escape byte or renders a link, an image
 * or HTML (markdown rendered by markdown-it, raw HTML and linkify on), while the JSON keeps the
 * exact bytes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunReport } from '../../src/engine/types.js';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { CLI, fleet, type CliRun } from '../helpers/cli.js';
import { writeYaml } from './support/inputs.js';
import { checkedReport } from '../helpers/report-schema.js';

const ESC = '\u001b';
/** One token (no space, quote or comma), so sshd reads it as one Match pattern or one file name. */
const TOKEN = `${ESC}[31m${ESC}]8;;http://evil.example/osc\u0007[link](http://evil.example/a)![img](http://evil.example/i.png)<img/src=x/onerror=alert(1)>@octocat${ESC}[2J\u009b6n\u202etxt\rwww.evil.example\`\`\`\`https://evil.example/bare`;

let lab: Lab;
let matchHost: LabHost;
let brokenHost: LabHost;
let clientHost: LabHost;
let policy = '';
const DROP_IN = `40-${TOKEN.replaceAll('/', '_')}.conf`;

beforeAll(async () => {
  lab = await startLab({ count: 3, namePrefix: 'inj', shapes: ['debian12'] });
  [matchHost, brokenHost, clientHost] = lab.hosts as [LabHost, LabHost, LabHost];
  appendFileSync(join(matchHost.etcSsh, 'sshd_config'), `\nMatch User "${TOKEN}"\n\tClientAliveInterval 900\n`);
  writeFileSync(join(matchHost.etcSsh, 'sshd_config.d', DROP_IN), 'ClientAliveCountMax 7\n');
  appendFileSync(join(brokenHost.etcSsh, 'sshd_config'), `\n${TOKEN} yes\n`);
  writeFileSync(join(clientHost.dir, 'root', '.ssh', 'config'), `Host "${TOKEN}"\n  ServerAliveInterval 10\n`, { mode: 0o600 });
  const inventory = writeYaml(lab.dir, 'inj.inventory.yml', {
    all: { vars: { user: 'root', identity_file: lab.clientKey }, hosts: Object.fromEntries(lab.hosts.map((h) => [h.name, { address: h.address }])) },
  });
  policy = writeYaml(lab.dir, 'inj.policy.yml', { inventory, sshd: { ClientAliveInterval: 298, ClientAliveCountMax: 50 }, client: { users: ['root'], ServerAliveInterval: 240 } });
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

const FORMATS = ['text', 'json', 'markdown', 'junit'] as const;
const RUN = (): string[] => ['--known-hosts', lab.knownHosts];
/** Any control character but newline and tab, or a bidi mark. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const md = new MarkdownIt({ html: true, linkify: true });
/** Rendered HTML without its code blocks and code spans: what a reader sees as prose. */
const prose = (html: string): string => html.replace(/<pre>[\s\S]*?<\/pre>/g, '').replace(/<code>[\s\S]*?<\/code>/g, '');

function expectInert(what: string, text: string): void {
  expect(text, `${what} holds a control character`).not.toMatch(CONTROL);
}

function expectNoMarkup(what: string, markdown: string): void {
  const html = md.render(markdown);
  expect(html, `${what}: a link or image was rendered`).not.toMatch(/<a[\s>]|<img/i);
  expect(prose(html), `${what}: host text outside code`).not.toMatch(/evil\.example|@octocat|onerror/);
  // The host text did reach the report (inside code), so the test tests something.
  expect(html).toContain('[link](http://evil.example/a)');
}

describe.sequential('reports of hosts whose configs hold hostile text', () => {
  const reports = new Map<string, string>();
  const runs: CliRun[] = [];

  test('every format of plan and check is written, and the text of the hosts is in them', async () => {
    for (const command of ['plan', 'check']) {
      for (const format of FORMATS) {
        const out = join(lab.dir, `${command}.${format}`);
        const run = await fleet([command, policy, ...RUN(), '--format', format, '--out', out], { env: { SSH_AUTH_SOCK: '' } });
        expect([1], `${command} ${format}: ${run.stderr}`).toContain(run.code); // inj02 fails CONFIG_BROKEN_BEFORE
        runs.push(run);
        reports.set(`${command}.${format}`, readFileSync(out, 'utf8'));
      }
    }
    const json = checkedReport(JSON.parse(reports.get('plan.json')!));
    expect(json.hosts.map((h) => h.status)).toEqual(['changed', 'failed', 'changed']);
    // JSON keeps the exact bytes: the ESC, the BEL, the CR and the C1 CSI of the Match criterion.
    expect(json.hosts[0]!.warnings.join('\n')).toContain(`Match User "${TOKEN}"`);
    expect(json.hosts[0]!.changes.map((c) => c.file)).toContain(`/etc/ssh/sshd_config.d/${DROP_IN}`);
    expect(json.hosts[2]!.warnings.join('\n')).toContain(`Host "${TOKEN}"`);
    expect(json.hosts[1]!.error?.message).toMatch(/Bad configuration option: .*\[link\]\(http:\/\/evil\.example\/a\)/);
  });

  test('text, junit, json files and the plain progress lines carry no control character', () => {
    for (const [name, text] of reports) if (!name.endsWith('.json')) expectInert(name, text);
    for (const name of ['plan.json', 'check.json']) expectInert(name, reports.get(name)!.replaceAll('\n', ''));
    for (const run of runs) expectInert('stderr', run.stderr);
    expect(runs[0]!.stderr).toMatch(/^\[\d\/3\] inj02 failed CONFIG_BROKEN_BEFORE: /m);
    expect(reports.get('plan.text')).toContain('[link](http://evil.example/a)');
  });

  test('markdown renders no link, image, HTML or mention from host text', () => {
    for (const name of ['plan.markdown', 'check.markdown']) expectNoMarkup(name, reports.get(name)!);
  });

  test('report merge renders the saved JSON as safely', async () => {
    const merged = await fleet(['report', 'merge', join(lab.dir, 'plan.json'), '--format', 'markdown']);
    expect(merged.code).toBe(1);
    expectNoMarkup('merged markdown', merged.stdout);
    const text = await fleet(['report', 'merge', join(lab.dir, 'plan.json')]);
    expectInert('merged text', text.stdout);
  });

  test('the listr2 display on a terminal draws none of the escapes of the hosts', () => {
    const out = join(lab.dir, 'tty.json');
    const command = `stty cols 160 rows 50; SSH_AUTH_SOCK= ${process.execPath} ${CLI} plan ${policy} --known-hosts ${lab.knownHosts} --format json > ${out}`;
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'latin1' });
    expect(run.status).toBe(1); // inj02 fails
    const screen = run.stdout;
    expect(screen).toContain('CONFIG_BROKEN_BEFORE');
    // listr2 draws with CSI sequences of its own; none of the host's OSC, BEL, 8-bit CSI, clear-screen or bidi mark gets through.
    expect(screen).not.toMatch(/\u001b\]|\u0007|\u00c2\u009b|\u001b\[2J|\u00e2\u0080\u00ae/);
    expect(checkedReport(JSON.parse(readFileSync(out, 'utf8')))).toHaveProperty('version', 1);
  });
});

describe.sequential('--accept-new on real hosts with a hashed known_hosts', () => {
  test('each new host is recorded hashed; ssh-keygen -F finds it and the next run trusts it', async () => {
    const file = join(lab.dir, 'hashed_known_hosts');
    writeFileSync(file, readFileSync(lab.knownHosts, 'utf8').split('\n').filter((l) => l.startsWith(`${matchHost.address} `)).join('\n') + '\n');
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
    const first = await fleet(['check', policy, '--known-hosts', file, '--accept-new', '--format', 'json', '--no-progress'], { env: { SSH_AUTH_SOCK: '' } });
    expect(checkedReport(JSON.parse(first.stdout)).hosts.map((h) => h.error?.code ?? null)).toEqual([null, 'CONFIG_BROKEN_BEFORE', null]);
    const text = readFileSync(file, 'utf8');
    expect(text.trimEnd().split('\n')).toHaveLength(3);
    for (const h of lab.hosts) {
      expect(text).not.toContain(h.address);
      const found = spawnSyncStatus('ssh-keygen', ['-F', h.address, '-f', file]);
      expect(found, `ssh-keygen -F ${h.address}`).toBe(0);
    }
    const second = await fleet(['check', policy, '--known-hosts', file, '--format', 'json', '--no-progress'], { env: { SSH_AUTH_SOCK: '' } });
    expect(checkedReport(JSON.parse(second.stdout)).hosts.map((h) => h.error?.code ?? null)).toEqual([null, 'CONFIG_BROKEN_BEFORE', null]);
  });
});

function spawnSyncStatus(cmd: string, args: string[]): number | null {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status;
}
