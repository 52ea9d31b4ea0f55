/**
 * Parsers of sshd's own output: `sshd -t` errors and `sshd -V` (`sshd -T` is core's
 * printed-config.ts, shared with the apply engine's proofs). Each is tested on recorded real
 * output (test/fixtures/facts/).
 */

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
