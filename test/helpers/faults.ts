/**
 * The inputs real-sshd tests run fleet with (inventory, policy, flags), a snapshot of a lab
 * host's config files, and what fault tests assert about a host afterwards (its config is the
 * old or the new one, `sshd -t` accepts it, nothing of fleet's is left over). The faults
 * themselves are made by ./inject.ts.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { firstPrintedValues } from '../../src/core/printed-config.js';
import type { Lab, LabHost } from '../../src/lab/index.js';

/** An Ansible inventory of `hosts`, logging in as root with the lab's key; `extra` adds (or overrides) vars per host. */
export function inventoryFor(lab: Lab, hosts: readonly LabHost[], extra: (h: LabHost) => Record<string, string | number> = () => ({})): string {
  const lines = ['all:', '  hosts:'];
  for (const h of hosts) {
    lines.push(`    ${h.name}:`);
    const vars = { address: h.address, user: 'root', identity_file: lab.clientKey, ...extra(h) };
    // JSON strings are valid YAML double-quoted scalars: any command line survives as is; numbers stay numbers.
    for (const [k, v] of Object.entries(vars)) lines.push(`      ${k}: ${JSON.stringify(v)}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes `<name>.inventory.yml` and `<name>.policy.yml` into `dir`; returns the policy's path. */
export function writePolicy(dir: string, name: string, inventory: string, sshd: Record<string, string | number>): string {
  const inventoryPath = join(dir, `${name}.inventory.yml`);
  writeFileSync(inventoryPath, inventory);
  const policyPath = join(dir, `${name}.policy.yml`);
  const body = Object.entries(sshd).map(([k, v]) => `  ${k}: ${v}`).join('\n');
  writeFileSync(policyPath, `inventory: ${inventoryPath}\nsshd:\n${body}\n`);
  return policyPath;
}

/** The flags every fault run uses: the lab's known_hosts, a JSON report, no progress. */
export const runFlags = (lab: Lab): string[] => ['--known-hosts', lab.knownHosts, '--format', 'json', '--no-progress'];

/** Every config file under a host's /etc/ssh (outside view), except host keys, moduli and fleet's own files. */
export function configSnapshot(h: LabHost): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.startsWith('ssh_host_') && !e.name.includes('.fleet-') && e.name !== 'moduli') files.set(p.slice(h.etcSsh.length), readFileSync(p, 'latin1'));
    }
  };
  walk(h.etcSsh);
  return files;
}

/** What a host looks like from inside its namespace (so a tmpfs or read-only /etc/ssh is seen as sshd sees it). */
export interface HostHealth {
  /** `sshd -t` of the live config exited 0. */
  valid: boolean;
  sshdTError: string;
  /** `sshd -T`: lowercased keyword → value (empty when invalid). */
  effective: Record<string, string>;
  /** /run/fleet.lock exists. */
  locked: boolean;
  /** Leftover candidates (`.*.fleet-tmp-*`) and restore temps anywhere under /etc/ssh. */
  temps: string[];
  /** Leftover staging folders of fleet under /tmp. */
  stages: string[];
}

const MARK = '@@health:';

export async function health(lab: Lab, h: LabHost): Promise<HostHealth> {
  const script = [
    `out=$(/usr/sbin/sshd -t 2>&1); echo "${MARK}rc $?"; printf '%s\\n' "$out"`,
    `echo "${MARK}T"; /usr/sbin/sshd -T 2>/dev/null`,
    `echo "${MARK}lock"; [ -d /run/fleet.lock ] && echo yes`,
    `echo "${MARK}temps"; find /etc/ssh /var/backups/fleet \\( -name '.*.fleet-tmp-*' -o -name '*.fleet-restore' \\) 2>/dev/null`,
    `echo "${MARK}stages"; ls -1d /tmp/fleet-stage-* 2>/dev/null`,
  ].join('\n');
  const res = await lab.exec(h, script);
  const sections = new Map<string, string[]>();
  let current = '';
  let rc = '';
  for (const line of res.stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      const [name, arg] = line.slice(MARK.length).split(' ');
      current = name ?? '';
      if (current === 'rc') rc = arg ?? '';
      sections.set(current, []);
    } else if (line !== '') sections.get(current)?.push(line);
  }
  const effective = firstPrintedValues((sections.get('T') ?? []).join('\n'));
  return {
    valid: rc === '0',
    sshdTError: (sections.get('rc') ?? []).join('\n'),
    effective,
    locked: (sections.get('lock') ?? []).includes('yes'),
    temps: sections.get('temps') ?? [],
    stages: sections.get('stages') ?? [],
  };
}

/** Runs `fn` over `items` with at most `n` at once (real ssh logins cost CPU on a 2-core machine). */
export async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const limit = pLimit(n);
  return Promise.all(items.map((item) => limit(() => fn(item))));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, test: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** lab.exec that throws on a non-zero exit. */
export async function mustExec(lab: Lab, h: LabHost, cmd: string): Promise<string> {
  const res = await lab.exec(h, cmd);
  if (res.code !== 0) throw new Error(`${h.name}: \`${cmd}\` exited ${res.code}: ${res.stderr.trim()}`);
  return res.stdout;
}

/** The lock owner's run id (`<runId> <controller> <pid> <epoch>`), read from outside while the lock exists. */
export function lockRunId(h: LabHost): string {
  return readFileSync(join(h.dir, 'run', 'fleet.lock', 'owner'), 'utf8').split(' ')[0] ?? '';
}

/** The lock's `state` file (journal, committed, restored, done), or '' when absent. */
export function lockState(h: LabHost): string {
  try {
    return readFileSync(join(h.dir, 'run', 'fleet.lock', 'state'), 'utf8').trim();
  } catch {
    return '';
  }
}

/** fleet's backups of `file` (e.g. `sshd_config`) next to it in the host's /etc/ssh. */
export function backupsOf(h: LabHost, file: string): string[] {
  const slash = file.lastIndexOf('/');
  const dir = join(h.etcSsh, file.slice(0, slash + 1));
  const base = file.slice(slash + 1);
  return readdirSync(dir).filter((n) => n.startsWith(`${base}.fleet-2`)).map((n) => join(dir, n));
}

/**
 * A digest of every config file under /etc/ssh as sshd sees it (from inside the namespace, so a
 * tmpfs mounted over it counts), leaving out host keys, moduli, fleet's own files and filler.
 */
export async function configDigest(lab: Lab, h: LabHost): Promise<string> {
  return mustExec(lab, h, "cd /etc/ssh && find . -type f ! -name 'ssh_host_*' ! -name moduli ! -name '.fault-*' ! -name '*.fleet-*' -exec sha256sum {} + | sort");
}

/** fleet's backups anywhere they may go, as seen inside the host: path → `mode owner:group size`. */
export async function backupsInside(lab: Lab, h: LabHost): Promise<Map<string, string>> {
  const out = await mustExec(lab, h, "find /etc/ssh /var/backups/fleet -name '*.fleet-2*' -exec stat -c '%n %a %u:%g %s' {} + 2>/dev/null; true");
  const found = new Map<string, string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [path, ...rest] = line.split(' ');
    found.set(path ?? '', rest.join(' '));
  }
  return found;
}

/**
 * Which config a host holds, compared with a snapshot taken before the run: `old` is byte for
 * byte the snapshot; `new` is the snapshot with only keepalive lines changed AND sshd -T showing
 * every value of `want`; anything else is a half-done or foreign state.
 */
export function configKind(before: Map<string, string>, h: LabHost, effective: Record<string, string>, want: Record<string, string | number>): 'old' | 'new' | 'neither' {
  const now = configSnapshot(h);
  const same = (a: Map<string, string>, b: Map<string, string>, keep: (line: string) => boolean): boolean =>
    a.size === b.size && [...a].every(([p, t]) => b.has(p) && t.split('\n').filter(keep).join('\n') === (b.get(p) ?? '').split('\n').filter(keep).join('\n'));
  if (same(now, before, () => true)) return 'old';
  const promised = Object.entries(want).every(([k, v]) => effective[k.toLowerCase()] === String(v));
  const keepalive = new RegExp(Object.keys(want).join('|'), 'i');
  return promised && same(now, before, (l) => !keepalive.test(l)) ? 'new' : 'neither';
}
