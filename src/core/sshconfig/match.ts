/**
 * OpenSSH's pattern matching (match.c), as ssh applies it to `Host` lines and `Match` criteria:
 * `*` and `?` wildcards over the whole string, comma-separated lists with `!` negation.
 */

/** match.c `match_pattern`: `*` and `?` over the whole string, case-sensitive. */
export function matchPattern(text: string, pattern: string): boolean {
  // Iterative with backtracking to the last `*`: the same answers as OpenSSH's recursion.
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starT = t;
    } else if (pc !== undefined && (pc === '?' || pc === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * match.c `match_pattern_list`: 1 when a positive sub-pattern matches, -1 as soon as a negated
 * one does, 0 otherwise. `lower` lowercases the patterns (the caller lowercases the text).
 */
export function matchPatternList(text: string, list: string, lower: boolean): -1 | 0 | 1 {
  let positive = false;
  const parts = list.split(',');
  // The C loop stops at the end of the string: a trailing comma opens no empty sub-pattern.
  if (list === '' || list.endsWith(',')) parts.pop();
  for (const raw of parts) {
    const negated = raw.startsWith('!');
    // OpenSSH copies a sub-pattern into a 1024-byte buffer; a longer one matches nothing.
    if (raw.length - (negated ? 1 : 0) >= 1023) return 0;
    let sub = negated ? raw.slice(1) : raw;
    if (lower) sub = sub.replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (matchPattern(text, sub)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** match.c `match_hostname`: the host name lowercased, patterns lowercased. */
export function matchHostname(host: string, list: string): -1 | 0 | 1 {
  return matchPatternList(host.replace(/[A-Z]/g, (c) => c.toLowerCase()), list, true);
}
