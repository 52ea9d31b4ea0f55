/**
 * fnmatch(3)-style matching of a path against a glob, as sshd's Include uses glob(3):
 * `*` and `?` never cross `/`, `[...]` classes, and a leading `.` in a name only matches
 * an explicit `.` (no GLOB_PERIOD). Used to keep fleet's own files out of Include globs.
 */
export function globMatches(pattern: string, path: string): boolean {
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  if (patternParts.length !== pathParts.length) return false;
  return patternParts.every((part, i) => segmentMatches(part, pathParts[i] ?? ''));
}

function segmentMatches(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  try {
    return new RegExp(`^${segmentRegex(pattern)}$`, 's').test(name);
  } catch {
    // A class glob(3) accepts but a RegExp refuses (a reversed range such as [z-a]) matches
    // no name, as in glibc.
    return false;
  }
}

function segmentRegex(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) {
      out += escapeRegex(pattern[++i] as string);
    } else out += escapeRegex(c);
  }
  return out;
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
