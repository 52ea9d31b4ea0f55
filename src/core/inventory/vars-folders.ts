/**
 * `group_vars/` and `host_vars/`, read as Ansible's host_group_vars plugin reads them beside
 * each inventory source and beside the playbook (for fleet, the policy): for a group or host
 * NAME the first of `NAME` (a file, or a folder of files merged in name order), `NAME.yml`,
 * `NAME.yaml`, `NAME.json`. The edge reads the folders (./cli/ansible-files.ts); the core only
 * picks and parses the files a name needs, so a broken file for a group that does not exist is
 * not an error, as in Ansible.
 */
import type { Diagnostic } from '../errors.js';
import { loadYaml, schemaDiagnostics } from '../yaml-source.js';
import type { PositionedSource, YamlPath } from '../yaml-source.js';
import { validator, withoutVaultErrors } from './schema.js';
import { indexedYaml } from './located.js';
import { readLevel } from './vars.js';
import type { VarsLevel } from './vars.js';

/** One file of a vars folder, as read from disk. */
export interface VarsFile {
  file: string;
  text: string;
}

/** A `group_vars/` or `host_vars/` folder: each entry's name on disk → its files, in the order Ansible merges them. */
export type VarsFolder = ReadonlyMap<string, readonly VarsFile[]>;

/** The vars folders beside one base folder: an inventory source's or the policy's. */
export interface VarsBase {
  /** The folder, as shown to the user. */
  dir: string;
  /** Ansible reads inventory-side folders below playbook-side ones (the policy plays the playbook). */
  role: 'inventory' | 'policy';
  groupVars: VarsFolder;
  hostVars: VarsFolder;
}

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

/** The files that hold NAME's vars in a folder: the first spelling that exists wins, as in Ansible's find_vars_files. */
export function varsFilesFor(folder: VarsFolder, name: string): readonly VarsFile[] {
  for (const ext of EXTENSIONS) {
    const files = folder.get(name + ext);
    if (files) return files;
  }
  return [];
}

/** Parses vars files once each, however many hosts need them. */
export class VarsFileReader {
  private readonly levels = new Map<string, VarsLevel | null>();
  constructor(private readonly diagnostics: Diagnostic[]) {}

  level(file: VarsFile): VarsLevel | null {
    if (!this.levels.has(file.file)) this.levels.set(file.file, this.parse(file));
    return this.levels.get(file.file)!;
  }

  private parse({ file, text }: VarsFile): VarsLevel | null {
    const loaded = loadYaml(text, file);
    this.diagnostics.push(...loaded.diagnostics);
    const yaml = loaded.source;
    if (!yaml || yaml.value === null || yaml.value === undefined) return null;
    if (typeof yaml.value !== 'object' || Array.isArray(yaml.value)) {
      this.diagnostics.push({ file, line: 1, col: 1, message: 'must be a map of vars (a vars file of group_vars/ or host_vars/)', severity: 'error' });
      return null;
    }
    const vars = yaml.value as Record<string, unknown>;
    const located = indexedYaml(yaml);
    // The vars are checked by the schema's `vars` definition, as they would be inside an inventory.
    const wrapped: PositionedSource = {
      file,
      value: { all: { vars } },
      positionOf: (path, part) => located.positionOf(path.slice(2), part),
      describePath: (path) => path.slice(2).join('.') || '(file)',
    };
    const validate = validator();
    if (!validate(wrapped.value)) {
      const errors = withoutVaultErrors(validate.errors ?? []);
      this.diagnostics.push(...schemaDiagnostics(wrapped, errors));
      if (errors.length > 0) return null;
    }
    return readLevel(located, vars, [] as YamlPath, this.diagnostics);
  }
}
