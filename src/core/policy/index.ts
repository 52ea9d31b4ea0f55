/**
 * A fleet policy (schemas/policy.schema.json): which hosts, which sshd_config keywords (any
 * keyword of the keyword table, checked in ./sshd.ts), which ssh_config keywords for users' or
 * the system's ssh client (any keyword of the client table, checked in ./client.ts), and how to
 * roll the change out.
 *
 * Decisions, so the rest of fleet can rely on them:
 * - Directive keys are matched without regard to case, as sshd and ssh read keywords, but a
 *   non-canonical spelling (`clientaliveinterval`) gets a warning naming the canonical one, and
 *   the same directive twice in different cases is an error.
 * - Values are written normalised: times as whole seconds (`4m58s` → "298", so the file, the
 *   policy and `sshd -T` all show one number), counts as integers, yes/no in lower case.
 * - Nothing reaches a config file that its keyword's type does not allow: one word without
 *   quotes, blanks or `#` where sshd reads one argument, the exact words of an enumeration,
 *   numbers in range, algorithm names; never a line break.
 */
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { validate as precompiled } from '../generated/policy.validate.js';
import { ConfigError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import type { PolicyDocument } from '../generated/policy.js';
import { HostPatternError, parseHostPattern } from '../inventory/pattern.js';
import { diagnosticAt, formatPath, loadYaml, positionOf, schemaDiagnostics } from '../yaml-source.js';
import type { YamlSource } from '../yaml-source.js';
import { canonicalKeyword } from '../sshd/keywords.js';
import { canonicalClientKeyword } from '../sshclient/keywords.js';
import { checkClientKeys, checkClientSection, CLIENT_POLICY_KEYS } from './client.js';
import { checkSshdKeys, checkSshdSection, type SshdMembers } from './sshd.js';

export type { SshdMembers } from './sshd.js';

export { MAX_TIME_SECONDS, formatDuration, parseOpenSshTime } from '../time.js';

/** Batch size for reloads: a host count, or a share of the selected hosts. */
export type Serial = { kind: 'count'; n: number } | { kind: 'percent'; pct: number };

/** A checked policy, every value ready to be written. */
export interface Policy {
  /** Absolute path of the policy file. */
  file: string;
  /** Absolute path of the inventory, resolved relative to the policy file. */
  inventory?: string;
  /** Ansible host pattern; default "all". */
  hosts: string;
  /** Canonical sshd keyword → value as written to sshd_config ("298", "yes", "aes256-ctr,aes128-ctr", ".ssh/a .ssh/b"). */
  sshd: Record<string, string>;
  /** Accumulating sshd keywords given as members to add or remove (AcceptEnv: { present: [LANG] }). */
  sshdMembers?: Record<string, SshdMembers>;
  /** Keywords inside Match blocks, each block named by its criteria as written after `Match`. */
  sshdMatch?: { criteria: string; set: Record<string, string> }[];
  /**
   * ssh_config keywords for `users`' ~/.ssh/config or, with `system`, a system drop-in: canonical
   * keyword → value as written, and accumulating keywords given as members to add or remove.
   */
  client?: { users: string[]; system: boolean; directives: Record<string, string>; members?: Record<string, SshdMembers> };
  rollout: { forks: number; serial: Serial; maxFailPercent: number };
}

/**
 * Defaults for `rollout`, when the policy leaves a key out: Ansible's, all hosts in one batch
 * and no failure threshold, so one host's failure never stops the others unless the policy
 * asks for canary batches (`serial`) and a `max_fail_percent`.
 */
export const DEFAULT_ROLLOUT: Policy['rollout'] = { forks: 50, serial: { kind: 'percent', pct: 100 }, maxFailPercent: 100 };

/** The schema compiled ahead of time (scripts/gen-types.mjs, ajv standalone): no compile at start-up. */
function validator(): ValidateFunction<PolicyDocument> {
  return precompiled as unknown as ValidateFunction<PolicyDocument>;
}

/** Parses a policy; throws ConfigError with every positioned diagnostic; returns warnings. */
export function parsePolicy(text: string, file: string): { policy: Policy; warnings: Diagnostic[] } {
  const loaded = loadYaml(text, file);
  const diagnostics = [...loaded.diagnostics];
  const source = loaded.source;
  if (!source) throw new ConfigError(diagnostics);
  if (typeof source.value !== 'object' || source.value === null || Array.isArray(source.value)) {
    throw new ConfigError([...diagnostics, { file, line: 0, col: 0, message: 'must be a map of policy keys (hosts, sshd, client, rollout)', severity: 'error' }]);
  }
  const document = canonicalDirectives(source, source.value as Record<string, unknown>, diagnostics);
  const validate = validator();
  if (!validate(document)) {
    // The keyword table still checks every sshd key, and every value the schema did not refuse.
    const keys: Diagnostic[] = [];
    const errors = validate.errors ?? [];
    const sshdBlock = (document as { sshd?: unknown }).sshd;
    checkSshdKeys(source, sshdBlock, keys);
    const refused = (pointer: string): boolean => errors.some((e) => e.instancePath === pointer || e.instancePath.startsWith(`${pointer}/`));
    const unrefused = (block: object, pointer: string): Record<string, unknown> =>
      Object.fromEntries(Object.entries(block).filter(([key]) => !refused(`${pointer}/${key}`) && canonicalKeyword(key) !== undefined));
    if (typeof sshdBlock === 'object' && sshdBlock !== null && !Array.isArray(sshdBlock)) checkSshdSection(source, unrefused(sshdBlock, '/sshd'), keys);
    const clientBlock = (document as { client?: unknown }).client;
    checkClientKeys(source, clientBlock, keys);
    if (typeof clientBlock === 'object' && clientBlock !== null && !Array.isArray(clientBlock)) {
      const keywords = Object.fromEntries(Object.entries(clientBlock).filter(([key]) => !refused(`/client/${key}`) && canonicalClientKeyword(key) !== undefined));
      checkClientSection(source, keywords, keys);
    }
    const matchBlocks = (document as { sshd_match?: unknown }).sshd_match;
    if (Array.isArray(matchBlocks)) {
      matchBlocks.forEach((b: unknown, i) => {
        const set = typeof b === 'object' && b !== null ? (b as { set?: unknown }).set : undefined;
        if (typeof set !== 'object' || set === null || Array.isArray(set)) return;
        checkSshdKeys(source, set, keys, ['sshd_match', i, 'set']);
        checkSshdSection(source, unrefused(set, `/sshd_match/${i}/set`), keys, ['sshd_match', i, 'set']);
      });
    }
    // A key both passes refuse (a deprecated keyword) is reported once.
    const seen = new Set<string>();
    const found = [...schemaDiagnostics(source, errors), ...keys]
      .filter((d) => !seen.has(`${d.line}:${d.col}:${d.message}`) && seen.add(`${d.line}:${d.col}:${d.message}`))
      .sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ConfigError([...diagnostics, ...found]);
  }
  const policy = buildPolicy(source, document, diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) throw new ConfigError(diagnostics);
  return { policy, warnings: diagnostics };
}

/** Renames directive keys to their canonical spelling, warning about each renamed one. */
function canonicalDirectives(source: YamlSource, value: Record<string, unknown>, diagnostics: Diagnostic[]): unknown {
  const out: Record<string, unknown> = { ...value };
  // sshd keywords (and their aliases) are spelled as the keyword table spells them.
  const sshdName = (key: string): string => canonicalKeyword(key) ?? key;
  // users and system are fleet's own keys; everything else in client: is an ssh_config keyword.
  const clientName = (key: string): string => ((CLIENT_POLICY_KEYS as readonly string[]).includes(key) ? key : (canonicalClientKeyword(key) ?? key));
  for (const [section, canonical] of [['sshd', sshdName], ['client', clientName]] as const) {
    const block = value[section];
    if (typeof block !== 'object' || block === null || Array.isArray(block)) continue;
    const renamed: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(block)) {
      // `user: [root]` is left as written: a misspelt `users:`, reported as such in ./client.ts.
      const name = section === 'client' && Array.isArray(entry) && key !== 'User' && canonical(key) === 'User' ? key : canonical(key);
      const here = [section, key];
      if (name in renamed) {
        diagnostics.push(diagnosticAt(source, here, 'key', `${formatPath(here)} sets ${name} a second time`));
        continue;
      }
      if (name !== key) {
        diagnostics.push(diagnosticAt(source, here, 'key', `${formatPath(here)} is read as ${name}; write ${name}`, 'warning'));
      }
      renamed[name] = entry;
    }
    out[section] = renamed;
  }
  return out;
}

function buildPolicy(source: YamlSource, document: PolicyDocument, diagnostics: Diagnostic[]): Policy {
  const file = path.resolve(source.file);
  const hosts = document.hosts ?? 'all';
  try {
    parseHostPattern(hosts);
  } catch (error) {
    if (!(error instanceof HostPatternError)) throw error;
    diagnostics.push(diagnosticAt(source, ['hosts'], 'value', `hosts: ${error.diagnostics[0]!.message}`));
  }
  const checked = checkSshdSection(source, { ...document.sshd }, diagnostics);
  const sshd = checked.values;
  let client: Policy['client'];
  if (document.client) {
    const { users, system = false } = document.client;
    const checkedClient = checkClientSection(source, { ...document.client }, diagnostics);
    // Only when no keyword was given at all: a refused one already has its own message.
    if (Object.keys(document.client).every((key) => (CLIENT_POLICY_KEYS as readonly string[]).includes(key))) {
      diagnostics.push(diagnosticAt(source, ['client'], 'key', 'client sets no ssh_config keyword (ServerAliveInterval, Compression, SendEnv, … see docs/ssh-keywords.md)'));
    }
    if (!system && users === undefined) {
      diagnostics.push(diagnosticAt(source, ['client'], 'key', 'client needs users: [...] (whose ~/.ssh/config to edit), or system: true'));
    }
    if (system && users !== undefined) {
      diagnostics.push(diagnosticAt(source, ['client', 'users'], 'key', 'client.users is ignored when client.system is true', 'warning'));
    }
    client = { users: system ? [] : ((users as string[] | undefined) ?? []), system, directives: checkedClient.values };
    if (Object.keys(checkedClient.members).length > 0) client.members = checkedClient.members;
  }
  if (document.sshd === undefined && document.client === undefined && document.sshd_match === undefined) {
    diagnostics.push({ file: source.file, line: 0, col: 0, message: 'sets nothing: give sshd: or client: directives', severity: 'error' });
  }
  const serial = document.rollout?.serial;
  const policy: Policy = {
    file,
    hosts,
    sshd,
    rollout: {
      forks: document.rollout?.forks ?? DEFAULT_ROLLOUT.forks,
      serial:
        serial === undefined
          ? DEFAULT_ROLLOUT.serial
          : typeof serial === 'number'
            ? { kind: 'count', n: serial }
            : { kind: 'percent', pct: Number(serial.slice(0, -1)) },
      maxFailPercent: document.rollout?.max_fail_percent ?? DEFAULT_ROLLOUT.maxFailPercent,
    },
  };
  if (Object.keys(checked.members).length > 0) policy.sshdMembers = checked.members;
  if (document.sshd_match !== undefined) {
    policy.sshdMatch = document.sshd_match.map((block, i) => ({
      criteria: block.match.trim().split(/[ \t]+/).join(' '),
      set: checkSshdSection(source, { ...block.set }, diagnostics, ['sshd_match', i, 'set']).values,
    }));
  }
  if (document.inventory !== undefined) policy.inventory = path.resolve(path.dirname(file), document.inventory);
  if (client) policy.client = client;
  return policy;
}

/** Where a policy key sits in the text, for diagnostics found after parsing (a pattern selecting nothing). */
export function policyKeyPosition(text: string, file: string, key: string): { line: number; col: number } {
  const { source } = loadYaml(text, file);
  const present = typeof source?.value === 'object' && source.value !== null && key in source.value;
  return source && present ? positionOf(source, [key], 'value') : { line: 0, col: 0 };
}
