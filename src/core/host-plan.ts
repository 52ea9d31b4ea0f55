/**
 * Plans one host: from the facts read off it and the policy, the exact files to write and
 * the effective values sshd must show afterwards. Pure: the plan is plain data that
 * `fleet plan` prints and `fleet apply` executes as it is.
 */
import type { HostFacts } from './host-facts.js';
import type { Policy } from './policy/index.js';
import type { EffectiveEntry, FileEdit } from './sshd/index.js';
import { SSH_CLIENT_DEFAULTS } from './sshclient/index.js';
import { FleetError } from './errors.js';
import { connectionFor } from './sshd/match-connection.js';
import { allowedInMatch, canonicalKeyword, knownBy, normalizeValue, opensshVersion, planSshd, SSHD_DEFAULTS, sshdKeyword, writeTargets } from './sshd/index.js';

/**
 * A file write the apply engine performs. It keeps the live file's owner and mode (a new file
 * takes the main config's), copied on the host at write time with `cp -p`.
 */
export type PlannedFile = FileEdit;

export interface HostPlan {
  /** The edits by the path sshd reads (diffs, staging). */
  files: PlannedFile[];
  /** The same edits by the file apply writes: a symlink's target instead of the link. */
  writes: PlannedFile[];
  /** canonical keyword → normalized value that `sshd -T` must print once the plan is applied. */
  promised: Record<string, string>;
  /** Where each directive's effective value comes from today, and what shadows it. */
  explain: string[];
  warnings: string[];
  /** Keywords whose live effective value (`sshd -T`) differs from the policy. */
  drift: string[];
  /** The policy's Match settings, each proven by `sshd -T -C` for a connection its block selects. */
  matchProofs: MatchProof[];
}

/** What `sshd -T -C spec` must print once the plan is applied: the values of one `sshd_match` entry. */
export interface MatchProof {
  /** the criteria as written in the policy */
  criteria: string;
  /** `user=…,host=…,addr=…[,laddr=…,lport=…,rdomain=…]`, a connection the criteria select */
  spec: string;
  /** canonical keyword → normalized value, as for `promised` */
  promised: Record<string, string>;
}

/**
 * What `sshd -T` is asked to show for a keyword, or undefined where fleet cannot say it ahead:
 * an algorithm list that edits the default (`+aes128-cbc`) prints the expanded default, and
 * ListenAddress prints address:port with the port from Port lines. An accumulating keyword
 * prints one line per member; the promise is its first line (the engine compares one line a
 * keyword), so only an exact list, whose first member is that line, is promised.
 */
function promiseFor(keyword: string, value: string, version: readonly [number, number] | undefined): string | undefined {
  const annotation = sshdKeyword(keyword)?.annotation;
  if (annotation?.type.kind === 'algorithms' && /^[+^-]/.test(value)) return undefined;
  if (keyword === 'ListenAddress' || annotation?.combine === 'keyed') return undefined;
  const want = normalizeValue(keyword, value, version);
  return annotation?.combine === 'accumulate' ? want.split(' ')[0] : want;
}

export function planHost(facts: HostFacts, policy: Pick<Policy, 'sshd' | 'sshdMembers' | 'sshdMatch'>): HostPlan {
  const version = opensshVersion(facts.sshdVersion) ?? undefined;
  const matchKeywords = (policy.sshdMatch ?? []).flatMap((b) => Object.keys(b.set));
  const unknown = version === undefined ? [] : [...Object.keys(policy.sshd), ...Object.keys(policy.sshdMembers ?? {}), ...matchKeywords].filter((k) => !knownBy(k, version));
  if (unknown.length > 0) {
    // A keyword sshd does not know makes it refuse its whole config: the host stops here.
    const known = [...new Set(unknown)].map((k) => `${k} (known to OpenSSH ${sshdKeyword(k)?.versions ?? 'no release'})`).join(', ');
    throw new FleetError('CONFIG_UNSUPPORTED', `this host's sshd (${facts.sshdVersion}) does not know ${known}; nothing was changed`);
  }
  const global = version === undefined ? [] : matchKeywords.filter((k) => !allowedInMatch(k, version));
  if (global.length > 0) {
    const where = [...new Set(global)].map((k) => `${k} (in Match from OpenSSH ${sshdKeyword(k)?.matchIn ?? 'no release'})`).join(', ');
    throw new FleetError('CONFIG_UNSUPPORTED', `this host's sshd (${facts.sshdVersion}) does not allow ${where} inside Match; nothing was changed`);
  }
  const forced = forcedByCommandLine(facts, [...Object.keys(policy.sshd), ...Object.keys(policy.sshdMembers ?? {})]);
  if (forced !== null) throw new FleetError('CONFIG_UNSUPPORTED', forced);
  const sshd = planSshd(facts.tree, policy.sshd, {
    ...(policy.sshdMembers ? { members: policy.sshdMembers } : {}),
    ...(policy.sshdMatch ? { match: policy.sshdMatch } : {}),
    ...(version ? { version } : {}),
  });
  const files: PlannedFile[] = sshd.edits;
  const writes = writeTargets(facts.tree, files);

  const promised: Record<string, string> = {};
  const explain: string[] = [];
  const warnings = [...sshd.warnings];
  writes.forEach((w, i) => {
    const f = files[i] as PlannedFile;
    if (w.path !== f.path) warnings.push(`${f.path} is a symlink to ${w.path}: that file is edited and the link kept`);
  });
  if (facts.effectiveError !== null) {
    warnings.push(`sshd -T cannot print this config without a connection (${facts.effectiveError}); the plan rests on fleet's reading of the files, proven by sshd -t and a fresh login`);
  }
  const drift: string[] = [];
  for (const [keyword, wanted] of Object.entries(policy.sshd)) {
    const want = normalizeValue(keyword, wanted, version);
    const before = sshd.before[keyword];
    if (before) explain.push(explainEntry(keyword, before, want, 'sshd', facts.effective?.[keyword.toLowerCase()]));
    const promise = promiseFor(keyword, wanted, version);
    // Not comparable with sshd -T: the files are the measure, and a planned edit shows any
    // difference (`drift` lists only what sshd -T can be asked about).
    if (promise === undefined) continue;
    promised[keyword] = promise;
    const live = facts.effective?.[keyword.toLowerCase()];
    if (sshdKeyword(keyword)?.annotation?.combine === 'accumulate') {
      if (live !== undefined && before?.value !== want) drift.push(keyword);
      continue;
    }
    if (live !== undefined && live !== promise) drift.push(keyword);
    const modelled = before?.value ?? SSHD_DEFAULTS[keyword.toLowerCase()];
    // The planner models sshd's reading of the files; sshd -T is the truth. A difference means
    // something the files do not show (a command-line -o, a patched default): say so, loudly.
    if (live !== undefined && modelled !== undefined && live !== modelled) {
      warnings.push(`${keyword}: the files give ${modelled} but sshd -T reports ${live}; the result is checked with sshd -T after the change`);
    }
  }
  for (const [keyword, { present, absent }] of Object.entries(policy.sshdMembers ?? {})) {
    const before = sshd.before[keyword];
    const members = (before?.value ?? '').split(' ');
    // `+COLORTERM -TZ`: the members the plan adds and removes; `(ok)` when the files already agree.
    const change = [...present.filter((m) => !members.includes(m)).map((m) => `+${m}`), ...absent.filter((m) => members.includes(m)).map((m) => `-${m}`)].join(' ');
    if (before) explain.push(explainEntry(keyword, before, change !== '' ? change : (before.value ?? '')));
  }
  const matchProofs: MatchProof[] = [];
  for (const block of policy.sshdMatch ?? []) {
    const connection = connectionFor(block.criteria);
    if ('reason' in connection) {
      warnings.push(`Match ${block.criteria}: ${connection.reason}, so sshd -T -C cannot prove the values set there; they rest on fleet's reading of the files (sshd -t and a fresh login still prove the config)`);
      continue;
    }
    const want: Record<string, string> = {};
    for (const [keyword, value] of Object.entries(block.set)) {
      const promise = promiseFor(keyword, value, version);
      if (promise !== undefined) want[keyword] = promise;
    }
    if (Object.keys(want).length > 0) matchProofs.push({ criteria: block.criteria, spec: connection.spec, promised: want });
  }
  return { files, writes, promised, explain, warnings, drift, matchProofs };
}

function where(origin: { path: string; line: number }): string {
  return `${origin.path}:${origin.line}`;
}

/** `ClientAliveInterval 0 from /etc/ssh/sshd_config.d/50-cloud-init.conf:1, shadows sshd_config:42 → 298` */
export function explainEntry(keyword: string, entry: EffectiveEntry, want: string, program: 'sshd' | 'ssh' = 'sshd', live?: string): string {
  const defaults = program === 'sshd' ? SSHD_DEFAULTS : SSH_CLIENT_DEFAULTS;
  const source = entry.origin ? `from ${where(entry.origin)}` : `${program} default (not set)`;
  // A default the table does not hold is what the host's own sshd -T prints for it.
  const value = entry.value ?? defaults[keyword.toLowerCase()] ?? (entry.origin ? undefined : live) ?? '(default)';
  let line = `${keyword} ${value} ${source}`;
  if (entry.shadowed.length > 0) line += `, shadows ${entry.shadowed.map(where).join(', ')}`;
  if (entry.matchOverrides.length > 0) {
    const block = (criteria: string): string => (/^(host|match)\b/i.test(criteria) ? criteria : `Match ${criteria}`);
    line += `; exceptions: ${entry.matchOverrides.map((m) => `${m.value} at ${where(m.origin)} (${block(m.criteria)})`).join(', ')}`;
  }
  return `${line}${value === want ? ' (ok)' : ` → ${want}`}`;
}

/**
 * Why the files cannot make a policy keyword effective on this host, or null. The running
 * sshd's command line comes before its files: a `-o` for the keyword wins whatever the file
 * says (and `sshd -T -f` on the files alone would show the file's value, so the proof would
 * pass while the daemon runs another value), and `-f` makes it read another file altogether.
 */
export function forcedByCommandLine(facts: Pick<HostFacts, 'daemon' | 'tree'>, keywords: readonly string[]): string | null {
  const daemon = facts.daemon;
  if (daemon === undefined || daemon === null) return null;
  if (daemon.configFile !== null && daemon.configFile.startsWith('/') && daemon.configFile !== facts.tree.main) {
    return `the running sshd reads ${daemon.configFile} (-f on its command line), not ${facts.tree.main}: set sshd_config_path in the inventory to it; nothing was changed`;
  }
  const canon = (k: string): string => (canonicalKeyword(k) ?? k).toLowerCase();
  const onCommandLine = new Map(Object.entries(daemon.options).map(([k, v]) => [canon(k), `-o ${canonicalKeyword(k) ?? k}=${v}`]));
  const forced = [...new Set(keywords)].filter((k) => onCommandLine.has(canon(k)));
  if (forced.length === 0) return null;
  return `${forced.map((k) => `${k} is forced by sshd's command line (${onCommandLine.get(canon(k))})`).join('; ')}: the running daemon ignores the files for ${forced.length === 1 ? 'it' : 'them'}, so fleet cannot manage ${forced.length === 1 ? 'it' : 'them'} there (change the service's options, e.g. RHEL's crypto policy, or leave ${forced.length === 1 ? 'it' : 'them'} out of the policy); nothing was changed`;
}
