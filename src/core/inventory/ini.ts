/**
 * Ansible's INI inventory format, read as its ini plugin reads it (ansible-core 2.14):
 * `[group]` sections of host lines (`host key=value …`, split like Python's shlex with
 * comments), `[group:vars]` of `key = value` lines, `[group:children]` of group names; lines
 * before any section belong to `ungrouped`; `#` and `;` start comment lines. Every value is
 * typed by Python's literal rules (./py-literal.ts). A `:vars` section for a group no section
 * defines, or a child group no section defines, is an error as in Ansible.
 *
 * The result is the YAML inventory's shape, so one schema and one tree builder serve both.
 */
import { ConfigError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import type { PositionedSource, YamlPath } from '../yaml-source.js';
import { literalValue } from './py-literal.js';

type IniGroup = { hosts?: Record<string, Record<string, unknown> | null>; vars?: Record<string, unknown>; children?: Record<string, null> };

/** A parsed INI inventory: the YAML-shaped document and where each of its paths was written. */
export interface IniInventory {
  document: Record<string, IniGroup>;
  source: PositionedSource;
}

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

/**
 * Parses an INI inventory. `knownGroups` are groups earlier sources defined: Ansible's parser
 * sees one shared inventory, so a child named there is not undefined here.
 */
export function parseIniInventory(text: string, file: string, knownGroups: ReadonlySet<string> = new Set()): IniInventory {
  const document: Record<string, IniGroup> = {};
  const positions = new Map<string, { line: number; col: number }>();
  const mark = (path: YamlPath, line: number, col: number): void => {
    const key = path.join('\u0000');
    if (!positions.has(key)) positions.set(key, { line, col });
  };
  const fail = (line: number, message: string): never => {
    throw new ConfigError([{ file, line, col: 1, message, severity: 'error' }]);
  };
  const defined = new Set(knownGroups);
  // What Ansible holds as "pending": [g:vars] before g is defined, children not yet defined.
  const varsOnly = new Map<string, number>();
  const pendingChildren = new Map<string, { line: number; parent: string }>();
  const define = (name: string, line: number): IniGroup => {
    const group = (document[name] ??= {});
    mark([name], line, 2);
    return group;
  };

  let group = 'ungrouped';
  let state = 'hosts';
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const raw = lines[index]!;
    const line = raw.trim();
    const col = raw.indexOf(line) + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = SECTION.exec(line);
    if (section) {
      group = section[1]!;
      state = section[2] ?? 'hosts';
      if (!['hosts', 'children', 'vars'].includes(state)) fail(lineNo, `section [${group}:${state}] has an unknown type: ${state} (hosts, vars or children)`);
      define(group, lineNo);
      if (state === 'vars') {
        if (!defined.has(group) && !varsOnly.has(group)) varsOnly.set(group, lineNo);
      } else {
        defined.add(group);
        varsOnly.delete(group);
        pendingChildren.delete(group);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(lineNo, `invalid section entry ${JSON.stringify(line)}: a section is [group], [group:vars] or [group:children], with no spaces`);
    }
    if (state === 'hosts') {
      const tokens = shlexSplit(line, (message) => fail(lineNo, `cannot split the host line: ${message}`));
      const [hostKey, ...assignments] = tokens;
      if (hostKey === undefined) continue;
      if (hostKey.endsWith(':')) fail(lineNo, `host ${JSON.stringify(hostKey)} ends in ':', which is kept for a port`);
      if (hostKey === '---') fail(lineNo, `host "---" is a sign this is a YAML file; name it .yml`);
      const owner = define(group, lineNo);
      owner.hosts ??= {};
      const hostPath = [group, 'hosts', hostKey];
      mark(hostPath, lineNo, col);
      let vars = owner.hosts[hostKey] ?? null;
      for (const token of assignments) {
        const eq = token.indexOf('=');
        if (eq < 0) fail(lineNo, `expected key=value after the host name, got ${JSON.stringify(token)}`);
        const key = token.slice(0, eq);
        vars ??= {};
        vars[key] = literalValue(token.slice(eq + 1));
        const at = raw.indexOf(`${key}=`);
        mark([...hostPath, key], lineNo, at >= 0 ? at + 1 : col);
      }
      owner.hosts[hostKey] = vars;
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(lineNo, `expected key=value in [${group}:vars], got ${JSON.stringify(line)}`);
      const key = line.slice(0, eq).trim();
      const owner = define(group, lineNo);
      owner.vars ??= {};
      owner.vars[key] = literalValue(line.slice(eq + 1).trim());
      mark([group, 'vars', key], lineNo, col);
    } else {
      const child = GROUP_NAME.exec(line)?.[1];
      if (child === undefined) fail(lineNo, `expected a group name in [${group}:children], got ${JSON.stringify(line)}`);
      const owner = define(group, lineNo);
      owner.children ??= {};
      owner.children[child!] = null;
      mark([group, 'children', child!], lineNo, col);
      if (!defined.has(child!) && !pendingChildren.has(child!)) pendingChildren.set(child!, { line: lineNo, parent: group });
    }
  }
  const undefinedGroups: Diagnostic[] = [
    ...[...varsOnly].map(([name, line]): Diagnostic => ({ file, line, col: 1, message: `section [${name}:vars] is for a group no section defines: ${name}`, severity: 'error' })),
    ...[...pendingChildren].map(([name, p]): Diagnostic => ({ file, line: p.line, col: 1, message: `section [${p.parent}:children] names a group no section defines: ${name}`, severity: 'error' })),
  ];
  if (undefinedGroups.length > 0) throw new ConfigError(undefinedGroups.sort((a, b) => a.line - b.line));
  // A child group defined only by being named (its own section may follow) needs its key.
  for (const name of Object.keys(document)) document[name] ??= {};
  const source: PositionedSource = {
    file,
    value: document,
    positionOf(path) {
      for (let n = path.length; n > 0; n--) {
        const found = positions.get(path.slice(0, n).join('\u0000'));
        if (found) return found;
      }
      return { line: 0, col: 0 };
    },
    describePath: describeIniPath,
  };
  return { document, source };
}

/** How a path of the YAML-shaped document reads to someone who wrote INI. */
function describeIniPath(path: YamlPath): string {
  const [group, section, key, variable] = path.map(String);
  if (section === 'hosts' && key !== undefined) return variable === undefined ? `host ${key} in [${group}]` : `${variable} of host ${key}`;
  if (section === 'vars' && key !== undefined) return `${key} in [${group}:vars]`;
  if (section === 'children' && key !== undefined) return `${key} in [${group}:children]`;
  return group === undefined ? '(file)' : `[${group}]`;
}

/** Python's `shlex.split(line, comments=True)`: POSIX quoting, `#` starts a comment outside quotes. */
export function shlexSplit(line: string, fail: (message: string) => never): string[] {
  const tokens: string[] = [];
  let token = '';
  let inToken = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else token += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) token += line[++i];
      else token += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inToken = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) fail('no escaped character');
      token += line[++i];
      inToken = true;
    } else if (c === '#') {
      break;
    } else if (/\s/.test(c)) {
      if (inToken) tokens.push(token);
      token = '';
      inToken = false;
    } else {
      token += c;
      inToken = true;
    }
  }
  if (quote !== null) fail('no closing quotation');
  if (inToken) tokens.push(token);
  return tokens;
}
