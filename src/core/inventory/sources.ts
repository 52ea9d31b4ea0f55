/**
 * One inventory file, read in the format Ansible would read it with: `.yml`, `.yaml` and
 * `.json` files are YAML (the JSON of `ansible-inventory --list` recognised by its shape); a
 * file without an extension is YAML when it parses as a map, else INI; any other name is INI.
 * A plugin config (`plugin: aws_ec2`) is refused by name: fleet runs no inventory plugin, and
 * Ansible can turn its answer into a static file in one command.
 */
import type { Diagnostic } from '../errors.js';
import type { InventoryDocument } from '../generated/inventory.js';
import { ConfigError } from '../errors.js';
import { loadYaml } from '../yaml-source.js';
import type { PositionedSource } from '../yaml-source.js';
import { parseIniInventory } from './ini.js';
import { indexedYaml } from './located.js';
import { looksLikeListJson, readListJson } from './list-json.js';

/** What a source read into: the YAML inventory's shape (not yet checked by the schema), or diagnostics. */
export interface ReadSource {
  document?: InventoryDocument;
  source?: PositionedSource;
  diagnostics: Diagnostic[];
}

/** The hint every refused dynamic source gets. */
export function staticInventoryHint(file: string): string {
  return `make it static with: ansible-inventory -i ${file} --list > inventory.json, then pass -i inventory.json`;
}

export function readInventorySource(text: string, file: string, knownGroups: ReadonlySet<string>): ReadSource {
  const ext = /\.[^./]+$/.exec(file)?.[0]?.toLowerCase() ?? '';
  const yamlNamed = ['.yml', '.yaml', '.json'].includes(ext);
  if (yamlNamed || ext === '') {
    const loaded = loadYaml(text, file);
    const value = loaded.source?.value;
    const isMap = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (yamlNamed || isMap) return fromYaml(loaded, file);
  }
  try {
    const ini = parseIniInventory(text, file, knownGroups);
    return { document: ini.document as InventoryDocument, source: ini.source, diagnostics: [] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { diagnostics: error.diagnostics };
  }
}

function fromYaml(loaded: ReturnType<typeof loadYaml>, file: string): ReadSource {
  const { source, diagnostics } = loaded;
  if (!source) return { diagnostics };
  const value = source.value;
  if (value === null || value === undefined) {
    return { diagnostics: [...diagnostics, { file, line: 0, col: 0, message: 'is empty: an inventory needs at least `all:` with hosts', severity: 'error' }] };
  }
  if (typeof value === 'object' && !Array.isArray(value) && 'plugin' in value) {
    const plugin = String((value as Record<string, unknown>)['plugin']);
    return {
      diagnostics: [
        ...diagnostics,
        { file, line: 0, col: 0, message: `is a config of the inventory plugin ${plugin}, which fleet does not run; ${staticInventoryHint(file)}`, severity: 'error' },
      ],
    };
  }
  if (looksLikeListJson(value)) {
    try {
      const json = readListJson(source);
      return { document: json.document as InventoryDocument, source: json.source, diagnostics };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { diagnostics: [...diagnostics, ...error.diagnostics] };
    }
  }
  return { document: value as InventoryDocument, source: indexedYaml(source), diagnostics };
}
