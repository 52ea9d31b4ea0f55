/**
 * How to make a host's sshd re-read its configuration, decided from the probe's findings.
 *
 * Order, most robust first:
 * 1. the inventory's own command (the operator knows best);
 * 2. systemd, when it is PID 1 (/run/systemd/system) and the unit is active: `systemctl reload <unit>` runs the
 *    unit's ExecReload (Debian's first runs `sshd -t`) and keeps systemd's view of the
 *    service right. The unit is the one systemd resolves: on Debian/Ubuntu `sshd.service`
 *    is an alias whose Id is `ssh.service`; RHEL/Arch/SUSE call it `sshd.service`. Ubuntu
 *    22.10+ starts ssh.service from ssh.socket; reloading ssh.service is still right for
 *    keepalive settings (only ListenAddress/Port changes would need the socket regenerated);
 * 3. OpenRC (Alpine, Gentoo) when running: `rc-service sshd reload`;
 * 4. a live listener pid in sshd's PidFile: `kill -HUP`, only if that process is sshd — what every init system does
 *    underneath, and the only way in containers and the lab, where no init system runs;
 * 5. SysV `service ssh reload`, only when there is an init script and NO live pid file: an
 *    init script on a host where sshd runs some other way would signal nothing or the wrong
 *    process;
 * 6. otherwise the signal method anyway; it fails visibly at reload time (RELOAD_FAILED)
 *    instead of fleet guessing a process to signal.
 */
import type { ReloadMethod } from '../core/host-facts.js';
import { command, quote } from '../core/shell.js';

export type { ReloadMethod };

/** A systemd unit as `systemctl show -p Id -p LoadState -p ActiveState` describes it. */
export interface UnitState {
  /** The unit asked about (`ssh.service`). */
  asked: string;
  /** The name systemd resolves it to (aliases resolve to their unit). */
  id: string;
  loadState: string;
  activeState: string;
}

/** What the probe found out about the host's init system and sshd's process. */
export interface ReloadProbes {
  systemd: boolean;
  units: UnitState[];
  openrc: boolean;
  /** sshd's PidFile exists and names a live process. */
  pidAlive: boolean;
  /** Names of /etc/init.d scripts present: `ssh`, `sshd`. */
  initScripts: string[];
  /** `service` exists. */
  serviceCommand: boolean;
}

export function chooseReload(probes: ReloadProbes, pidFile: string, custom: string | undefined): ReloadMethod {
  if (custom !== undefined && custom.trim() !== '') return { kind: 'custom', command: custom };
  if (probes.systemd) {
    // Only a running unit: `systemctl reload` of a loaded but inactive one (sshd started some
    // other way, or Ubuntu's ssh.socket set-ups before their first start) fails or does nothing.
    const unit = probes.units.find((u) => u.loadState === 'loaded' && u.activeState === 'active');
    if (unit) return { kind: 'systemd', command: command('systemctl', 'reload', unit.id || unit.asked), restart: command('systemctl', 'restart', unit.id || unit.asked) };
  }
  if (probes.openrc) {
    const name = probes.initScripts.includes('sshd') || !probes.initScripts.includes('ssh') ? 'sshd' : 'ssh';
    return { kind: 'openrc', command: command('rc-service', name, 'reload'), restart: command('rc-service', name, 'restart') };
  }
  const signal: ReloadMethod = { kind: 'signal', command: signalCommand(pidFile) };
  if (probes.pidAlive) return signal;
  const script = probes.initScripts[0];
  if (script !== undefined) {
    const sysv = (verb: string): string => (probes.serviceCommand ? command('service', script, verb) : command(`/etc/init.d/${script}`, verb));
    return { kind: 'sysv', command: sysv('reload'), restart: sysv('restart') };
  }
  return signal;
}

/**
 * `kill -HUP` of the pid in sshd's PidFile, only when that process is sshd (its `comm`): a
 * stale pid file whose pid now names another process must not get a signal that ends it.
 * Shell built-ins only (no `$(cat …)`): the commit runs this on every changed host.
 */
export function signalCommand(pidFile: string): string {
  const pf = quote(pidFile);
  return [
    `read -r pid < ${pf} && case $pid in`,
    `''|*[!0-9]*) echo ${quote(`${pidFile} holds no pid`)} >&2; false ;;`,
    `*) comm=''; { read -r comm < "/proc/$pid/comm"; } 2>/dev/null; case $comm in`,
    `sshd|sshd-*|sshd:*) kill -HUP "$pid" ;;`,
    `*) echo "pid $pid in ${pidFile.replace(/["$`\\]/g, '')} is \${comm:-not running}, not sshd: not signalled" >&2; false ;;`,
    'esac ;; esac',
  ].join(' ');
}

/**
 * Parses `systemctl show -p Id -p LoadState -p ActiveState <unit>…`: one block of key=value
 * lines per unit asked, in the order asked, separated by blank lines. The Id in each block
 * is what counts; `asked` only names a block that has none.
 */
export function parseUnitStates(asked: readonly string[], text: string): UnitState[] {
  const blocks = text.split(/\n[ \t]*\n/).filter((b) => b.trim() !== '');
  return blocks.map((block, i) => parseUnitState(asked[i] ?? '', block));
}

/** Parses one unit's block of `systemctl show -p Id -p LoadState -p ActiveState` (key=value lines, any order). */
export function parseUnitState(asked: string, text: string): UnitState {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return {
    asked,
    id: props.get('Id') ?? asked,
    loadState: props.get('LoadState') ?? 'not-found',
    activeState: props.get('ActiveState') ?? 'inactive',
  };
}
