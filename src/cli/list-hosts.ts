/**
 * `--list-hosts`: the hosts a command would work on, with every connection value and where it
 * came from, printed before anything connects (Ansible's --list-hosts, with the answer to "why
 * is it connecting as that user?" beside each value).
 */
import { DEFAULT_ORIGIN, type HostSpec } from '../core/inventory/index.js';

const NONE = '-';

export function listHostsText(hosts: readonly HostSpec[]): string {
  const lines = [`hosts (${hosts.length}):`];
  for (const host of hosts) {
    const origins = host.origins ?? {};
    const jump = host.jump ? `${host.jump.user ? `${host.jump.user}@` : ''}${host.jump.host.includes(':') ? `[${host.jump.host}]` : host.jump.host}:${host.jump.port}` : undefined;
    const rows: [string, string | undefined, string | undefined][] = [
      ['address', host.address, origins.address],
      ['port', String(host.port), origins.port],
      ['user', host.user, origins.user],
      ['key', host.identityFile, origins.identityFile],
      ['jump', jump, origins.jump],
    ];
    // What fleet runs or touches as root on the host, shown only when a source set it: a review
    // (and the PR example's guard) can then see every such line an inventory change adds.
    const root: [string, string | undefined, string | undefined][] = [
      ['become', host.become ? 'sudo -n' : undefined, origins.become],
      ['config', host.sshdConfigPath, origins.sshdConfigPath],
      ['sshd', host.sshdBinary, origins.sshdBinary],
      ['reload', host.sshdReloadCommand, origins.sshdReloadCommand],
    ];
    for (const row of root) if (row[1] !== undefined && row[2] !== undefined && row[2] !== DEFAULT_ORIGIN) rows.push(row);
    const width = Math.max(...rows.map(([, value]) => (value ?? NONE).length));
    lines.push(`  ${host.name}${host.groups.length > 0 ? `  (${host.groups.join(', ')})` : ''}`);
    for (const [label, value, origin] of rows) {
      lines.push(`    ${label.padEnd(9)}${(value ?? NONE).padEnd(width)}${value !== undefined && origin !== undefined ? `  ${origin}` : ''}`.trimEnd());
    }
  }
  return lines.join('\n') + '\n';
}
