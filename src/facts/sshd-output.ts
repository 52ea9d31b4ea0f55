/**
 * Parsers of sshd's own output: `sshd -T`, `sshd -t` errors and `sshd -V`.
 * Each is tested on recorded real output (test/fixtures/facts/).
 */

/**
 * `sshd -T` → lowercased keyword → value. Multi-valued keywords (hostkey, listenaddress,
 * acceptenv, …) keep their FIRST line, matching "sshd takes the first value" elsewhere in
 * fleet. Lines that are not `keyword value` (warnings that leaked into stdout) are skipped.
 */
export function parseSshdT(text: string): Record<string, string> {
  const effective: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^([a-z0-9]+) (.*)$/i.exec(line) ?? /^([a-z0-9]+)$/i.exec(line);
    if (!m || m[1] === undefined) continue;
    const keyword = m[1].toLowerCase();
    if (!(keyword in effective)) effective[keyword] = m[2] ?? '';
  }
  return effective;
}

/**
 * The useful part of `sshd -t`'s complaint: its non-empty lines, without the generic
 * "terminating, N bad configuration options" trailer when a specific line precedes it.
 */
export function parseConfigError(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l !== '');
  const specific = lines.filter((l) => !/^.*terminating, \d+ bad configuration options$/.test(l));
  const chosen = specific.length > 0 ? specific : lines;
  return chosen.join('\n') || 'sshd rejected its configuration (no message)';
}

/**
 * Where a `sshd -t` error points. sshd writes both `/etc/ssh/sshd_config line 12: …` and
 * `/etc/ssh/sshd_config: line 12: …` depending on the check that failed.
 */
export function configErrorLocation(message: string): { file: string; line: number } | null {
  const m = /^(\S+?):? line (\d+): /m.exec(message);
  return m && m[1] !== undefined && m[2] !== undefined ? { file: m[1], line: Number(m[2]) } : null;
}

/**
 * `sshd -V` (OpenSSH ≥ 9.2 prints its version) or, on older sshd, the usage message after
 * "unknown option -- V", which also names the version: the first `OpenSSH_…` token wins.
 */
export function parseSshdVersion(text: string): string | null {
  const m = /\b(OpenSSH_[0-9][^\s,]*)/.exec(text);
  return m?.[1] ?? null;
}
