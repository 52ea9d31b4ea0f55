/**
 * What the running sshd was started with. sshd's command line comes before its files: a `-o`
 * option wins over every line of sshd_config (RHEL 8 passes its crypto policy that way), and
 * `-f` names another config file. Read from the listener's /proc/<pid>/cmdline: raw argv (NUL
 * separated), or, from OpenSSH 9.x on, the process title it sets over argv
 * (`sshd: /usr/sbin/sshd -D -o … [listener] 0 of 10-100 startups`), whose words are the argv
 * joined by spaces. Pure: the probe brings the bytes.
 */
import type { DaemonArgs } from '../core/host-facts.js';

export type { DaemonArgs };

/** The argv words of a listener's /proc/<pid>/cmdline bytes. */
export function daemonWords(cmdline: Buffer): string[] {
  const raw = cmdline.toString('utf8');
  if (raw.replace(/\0+$/, '').includes('\0')) return raw.split('\0').filter((w) => w !== '');
  // A process title: `sshd: ` + the argv joined by spaces + ` [listener] …`.
  const title = raw.replace(/\0+$/, '').replace(/^sshd: /, '').replace(/ \[listener\].*$/, '');
  return title.split(' ').filter((w) => w !== '');
}

export function parseDaemonArgs(words: readonly string[]): DaemonArgs {
  const options: Record<string, string> = {};
  let configFile: string | null = null;
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    let option: string | undefined;
    if (w === '-o') option = words[++i];
    else if (w.startsWith('-o')) option = w.slice(2);
    else if (w === '-f') configFile = words[++i] ?? null;
    else if (w.startsWith('-f')) configFile = w.slice(2);
    if (option === undefined) continue;
    const m = /^\s*([A-Za-z0-9]+)\s*(?:=|\s)\s*(.*)$/.exec(option);
    // sshd takes the first value it reads, the command line's included.
    if (m && !((m[1] as string).toLowerCase() in options)) options[(m[1] as string).toLowerCase()] = (m[2] as string).trim();
  }
  return { options, configFile, text: words.join(' ') };
}
