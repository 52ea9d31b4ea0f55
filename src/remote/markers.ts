/**
 * The marker protocol of fleet's host scripts (src/remote/*.sh): a line `@@fleet:<name> <arg>`
 * names what happened, and the lines up to the next marker are its section. Each script's
 * output is read once into a typed result (src/remote/results.ts); only those readers, and the
 * facts that share the protocol, look at markers.
 */
export const MARK = '@@fleet:';

export interface Markers {
  /** marker name → the text that followed it up to the next marker */
  sections: Map<string, string>;
  /** marker names in order, with their inline arguments (`@@fleet:fail WRITE_FAILED` → ['fail', 'WRITE_FAILED']) */
  seen: { name: string; arg: string }[];
}

export function parseMarkers(stdout: string): Markers {
  const sections = new Map<string, string>();
  const seen: { name: string; arg: string }[] = [];
  let current: string | null = null;
  let buffer: string[] = [];
  const flush = (): void => {
    if (current !== null) sections.set(current, buffer.join('\n').replace(/\n+$/, ''));
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      flush();
      const rest = line.slice(MARK.length);
      const space = rest.indexOf(' ');
      const name = space === -1 ? rest : rest.slice(0, space);
      const arg = space === -1 ? '' : rest.slice(space + 1);
      seen.push({ name, arg });
      current = name;
      buffer = [];
    } else if (current !== null) buffer.push(line);
  }
  flush();
  return { sections, seen };
}

export function has(m: Markers, name: string): boolean {
  return m.seen.some((s) => s.name === name);
}

export function arg(m: Markers, name: string): string | undefined {
  return m.seen.find((s) => s.name === name)?.arg;
}
