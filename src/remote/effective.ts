/** Reads `sshd -T` (and `ssh -G`) output as the host scripts print it: one `keyword value` per line, keywords lowercased. */
export function parseEffective(output: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const keyword = line.slice(0, space).toLowerCase();
    // Multi-valued keywords print once per value; the first is the one that matters here.
    if (!(keyword in values)) values[keyword] = line.slice(space + 1).trim();
  }
  return values;
}
