/**
 * Reads `ssh -G` output: one `keyword value` line per setting, keywords in lower case (one of
 * them, canonicalizePermittedcnames, in mixed case). List keywords print one line per member
 * (identityfile, sendenv, setenv, the forwards), so every line of a keyword is kept, in order.
 */
export function parseSshG(output: string): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const keyword = line.slice(0, space).toLowerCase();
    (values[keyword] ??= []).push(line.slice(space + 1).trim());
  }
  return values;
}
