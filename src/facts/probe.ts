/**
 * Reads the facts probe's frames into plain data. Pure: tested on recorded probe output.
 */
import { firstPrintedValues } from '../core/printed-config.js';
import { parseFrames } from './frames.js';
import { parseUnitStates, type ReloadProbes } from './reload.js';
import { parseConfigError, parseSshdVersion } from './sshd-output.js';

/** One file as the probe read it: its exact bytes. */
export interface ProbedFile {
  bytes: Buffer;
}

/** Everything one probe run reported. */
export interface ProbeReport {
  /** uid the probe ran as; facts need 0. */
  uid: number | null;
  /** The sshd binary used, or null when none was found (`sshdMissing` then says what was tried). */
  sshdBinary: string | null;
  sshdMissing: string | null;
  sshdVersion: string | null;
  /** Parsed `sshd -T`, or null when it failed. */
  effective: Record<string, string> | null;
  /** `sshd -t`'s complaint when the live config is rejected. */
  configError: string | null;
  /** `sshd -T` failed although `sshd -t` accepts the config (OpenSSH 9.2 dies on `Match LocalPort` without -C): its message. */
  effectiveError: string | null;
  /** path → file; null for a path that does not exist or is not a readable regular file. */
  files: Map<string, ProbedFile | null>;
  /** Include pattern (resolved) → paths it matched. */
  globs: Map<string, string[]>;
  /** A read file that is a symlink → the file it resolves to (`readlink -f`). */
  links: Map<string, string>;
  reload: ReloadProbes;
  /** The running listener's /proc/<pid>/cmdline, when it was readable. */
  daemonCmdline: Buffer | null;
  /** The probe printed its end marker (output was not cut short). */
  complete: boolean;
}

export function readProbe(output: string): ProbeReport {
  const report: ProbeReport = {
    uid: null,
    sshdBinary: null,
    sshdMissing: null,
    sshdVersion: null,
    effective: null,
    configError: null,
    effectiveError: null,
    files: new Map(),
    globs: new Map(),
    links: new Map(),
    reload: { systemd: false, units: [], openrc: false, pidAlive: false, initScripts: [], serviceCommand: false },
    daemonCmdline: null,
    complete: false,
  };
  let lastGlob: string[] | null = null;
  for (const frame of parseFrames(output)) {
    const [a0] = frame.args;
    const text = () => frame.payload.toString('utf8');
    switch (frame.tag) {
      case 'uid':
        report.uid = a0 !== undefined && /^\d+$/.test(a0) ? Number(a0) : null;
        break;
      case 'sshd':
        report.sshdBinary = frame.rest;
        break;
      case 'nosshd':
        report.sshdMissing = frame.rest;
        break;
      case 'version':
        report.sshdVersion = parseSshdVersion(text());
        break;
      case 'T':
        report.effective = a0 === '0' ? firstPrintedValues(text()) : null;
        break;
      case 't':
        // The probe runs -t only when -T failed; -t accepting means the config is valid and
        // only -T cannot print it.
        if (a0 === '0') report.effectiveError = parseConfigError(text());
        else report.configError = parseConfigError(text());
        break;
      case 'file':
        report.files.set(frame.rest, { bytes: frame.payload });
        break;
      case 'link':
        report.links.set(frame.rest, text().replace(/\n$/, ''));
        break;
      case 'nofile':
        report.files.set(frame.rest, null);
        break;
      case 'glob':
        lastGlob = [];
        report.globs.set(frame.rest, lastGlob);
        break;
      case 'match':
        lastGlob?.push(frame.rest);
        break;
      case 'probe':
        if (a0 === 'systemd') report.reload.systemd = true;
        else if (a0 === 'openrc') report.reload.openrc = true;
        else if (a0 === 'pid-alive') report.reload.pidAlive = true;
        else if (a0 === 'service') report.reload.serviceCommand = true;
        else if (a0?.startsWith('initd-')) report.reload.initScripts.push(a0.slice('initd-'.length));
        break;
      case 'cmdline':
        report.daemonCmdline = frame.payload;
        break;
      case 'units':
        report.reload.units.push(...parseUnitStates(frame.args, text()));
        break;
      case 'end':
        report.complete = true;
        break;
    }
  }
  return report;
}
