/**
 * Facts for the client side: each listed user's passwd entry and ~/.ssh/config, or the system
 * ssh_config and its drop-in folder. One script, one round trip, parsed by a pure function.
 *
 * A home belongs to its user, so nothing here follows a symlink there: a symlinked ~/.ssh or
 * ~/.ssh/config, or a config that is hard-linked or owned by someone else, is reported as
 * unsafe and never read (it could be /etc/shadow).
 */
import { quote } from '../core/shell.js';
import { parseMarkers } from '../engine/scripts.js';

export interface FileState {
  uid: number;
  gid: number;
  mode: number;
  text: string;
}

/** What a user's ~/.ssh looks like. `unsafe` carries the reason fleet refuses to touch it. */
export type UserClientFacts =
  | { user: string; exists: false }
  | {
      user: string;
      exists: true;
      uid: number;
      gid: number;
      home: string;
      sshDir: 'absent' | 'dir';
      config: FileState | null;
      unsafe: string | null;
    };

export interface SystemClientFacts {
  /** /etc/ssh/ssh_config, null when absent */
  main: FileState | null;
  /** the drop-in fleet owns, null when absent */
  dropIn: FileState | null;
  dropInDirExists: boolean;
}

export const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';
export const SYSTEM_DROP_IN = '/etc/ssh/ssh_config.d/50-fleet-keepalive.conf';

/** Prints a file's owner, mode and link count, then its bytes, but only if `guard` holds. */
const fileProbe = (path: string, tag: string, guard = 'true'): string =>
  `if [ -L ${path} ]; then echo "@@fleet:${tag} symlink"; elif [ -f ${path} ]; then echo "@@fleet:${tag} $(stat -c '%u %g %a %h' ${path})"; if ${guard}; then base64 < ${path}; fi; else echo "@@fleet:${tag} absent"; fi`;

export function clientFactsScript(users: readonly string[], system: boolean): string {
  const lines: string[] = [];
  users.forEach((user, i) => {
    lines.push(
      `if ent=$(getent passwd ${quote(user)}); then`,
      `  echo "@@fleet:u${i}-ent"; printf '%s\\n' "$ent"`,
      `  home=$(printf '%s' "$ent" | cut -d: -f6); uid=$(printf '%s' "$ent" | cut -d: -f3)`,
      `  if [ -L "$home/.ssh" ]; then echo "@@fleet:u${i}-dir symlink"; elif [ -d "$home/.ssh" ]; then echo "@@fleet:u${i}-dir $(stat -c '%u %g %a' "$home/.ssh")";`,
      // Read only a file the user owns with a single link: never another file's bytes.
      `    ${fileProbe('"$home/.ssh/config"', `u${i}-config`, `[ "$(stat -c '%u %h' "$home/.ssh/config")" = "$uid 1" ]`)}`,
      `  else echo "@@fleet:u${i}-dir absent"; fi`,
      `else echo "@@fleet:u${i}-missing"; fi`,
    );
  });
  if (system) {
    lines.push(fileProbe(quote(SYSTEM_SSH_CONFIG), 'sys-main'), fileProbe(quote(SYSTEM_DROP_IN), 'sys-dropin'));
    lines.push(`[ -d ${quote(SYSTEM_DROP_IN.slice(0, SYSTEM_DROP_IN.lastIndexOf('/')))} ] && echo "@@fleet:sys-dir yes"`);
  }
  lines.push('echo "@@fleet:end"');
  return lines.join('\n');
}

/** Editing works on text: a file that is not UTF-8 is refused rather than re-encoded. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `text` is null when the file is not valid UTF-8. */
type Probed = { kind: 'absent' } | { kind: 'symlink' } | { kind: 'file'; uid: number; gid: number; mode: number; links: number; text: string | null };

function probed(arg: string | undefined, body: string | undefined): Probed {
  if (arg === undefined || arg === 'absent') return { kind: 'absent' };
  if (arg === 'symlink') return { kind: 'symlink' };
  const [uid, gid, mode, links] = arg.split(' ');
  const bytes = Buffer.from((body ?? '').replace(/\s+/g, ''), 'base64');
  let text: string | null;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    text = null;
  }
  return { kind: 'file', uid: Number(uid), gid: Number(gid), mode: parseInt(mode ?? '600', 8), links: Number(links), text };
}

export function parseClientFacts(stdout: string, users: readonly string[], system: boolean): { users: UserClientFacts[]; system: SystemClientFacts | null } {
  const m = parseMarkers(stdout);
  const argOf = (name: string): string | undefined => m.seen.find((s) => s.name === name)?.arg;
  const has = (name: string): boolean => m.seen.some((s) => s.name === name);
  if (!has('end')) throw new Error('the client facts probe did not finish');

  const facts = users.map((user, i): UserClientFacts => {
    if (has(`u${i}-missing`) || !has(`u${i}-ent`)) return { user, exists: false };
    const fields = (m.sections.get(`u${i}-ent`) ?? '').split(':');
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    const home = fields[5] ?? '';
    const base = { user, exists: true as const, uid, gid, home, sshDir: 'absent' as 'absent' | 'dir', config: null as FileState | null, unsafe: null as string | null };
    const dir = argOf(`u${i}-dir`);
    if (dir === 'symlink') return { ...base, unsafe: `${home}/.ssh is a symlink` };
    if (dir === undefined || dir === 'absent') return base;
    const [dirUid] = dir.split(' ');
    if (Number(dirUid) !== uid) return { ...base, sshDir: 'dir', unsafe: `${home}/.ssh is owned by uid ${dirUid}, not by ${user}` };
    const config = probed(argOf(`u${i}-config`), m.sections.get(`u${i}-config`));
    if (config.kind === 'symlink') return { ...base, sshDir: 'dir', unsafe: `${home}/.ssh/config is a symlink` };
    if (config.kind === 'absent') return { ...base, sshDir: 'dir' };
    if (config.uid !== uid || config.links > 1) {
      return { ...base, sshDir: 'dir', unsafe: `${home}/.ssh/config is ${config.links > 1 ? 'hard-linked elsewhere' : `owned by uid ${config.uid}, not by ${user}`}` };
    }
    if (config.text === null) return { ...base, sshDir: 'dir', unsafe: `${home}/.ssh/config is not valid UTF-8; fleet edits text and will not re-encode it` };
    return { ...base, sshDir: 'dir', config: { uid: config.uid, gid: config.gid, mode: config.mode, text: config.text } };
  });

  let sys: SystemClientFacts | null = null;
  if (system) {
    const state = (p: Probed): FileState | null => {
      if (p.kind !== 'file') return null;
      if (p.text === null) throw new Error('a system ssh_config file is not valid UTF-8; fleet edits text and will not re-encode it');
      return { uid: p.uid, gid: p.gid, mode: p.mode, text: p.text };
    };
    sys = {
      main: state(probed(argOf('sys-main'), m.sections.get('sys-main'))),
      dropIn: state(probed(argOf('sys-dropin'), m.sections.get('sys-dropin'))),
      dropInDirExists: has('sys-dir'),
    };
  }
  return { users: facts, system: sys };
}
