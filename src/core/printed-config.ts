/**
 * The one reader of what `sshd -T` and `ssh -G` print: one `keyword value` line per value, the
 * keyword lowercased. Both print a keyword that takes several values once per value
 * (hostkey, listenaddress, acceptenv, identityfile, …), in the order the daemon or client
 * holds them. Lines that are not `keyword value` (a warning leaked into stdout, such as
 * `/etc/ssh/sshd_config line 3: Deprecated option …`) are skipped. Pure: the callers bring
 * the text (facts, the apply engine's proofs, the lock-out check, the lab).
 */

/** A keyword's line: letters and digits, then blanks and the value (or nothing). */
const PRINTED_LINE = /^([A-Za-z0-9]+)(?:[ \t]+(.*))?$/;

/** lowercased keyword → every value printed for it, in printed order. */
export function printedValues(output: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    // A CR (CRLF output) and trailing blanks are not part of the value.
    const m = PRINTED_LINE.exec(line.trimEnd());
    if (m === null) continue;
    const keyword = (m[1] as string).toLowerCase();
    const value = m[2] ?? '';
    const seen = values.get(keyword);
    if (seen === undefined) values.set(keyword, [value]);
    else seen.push(value);
  }
  return values;
}

/**
 * lowercased keyword → its first printed value: for a single-valued keyword its value, for a
 * multi-valued one the first, matching "sshd takes the first value" elsewhere in fleet.
 */
export function firstPrintedValues(output: string): Record<string, string> {
  return Object.fromEntries([...printedValues(output)].map(([keyword, values]) => [keyword, values[0] as string]));
}
