/**
 * Issue 5, fault 2: the disk is full, or read-only, where fleet writes. Inside one host's
 * namespace a small tmpfs holding a copy of /etc/ssh is mounted over it and filled (completely,
 * or all but one block so the candidate fits and its backup does not), or /etc/ssh is remounted
 * read-only. fleet must stop before the live files change (or put them back), report why, leave
 * no candidate, no truncated backup and no lock, and never reload.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { fleet, jsonReport } from '../helpers/cli.js';
import { backupsInside, configDigest, health, inventoryFor, mustExec, runFlags, writePolicy } from '../helpers/faults.js';
import { listenerSockets } from '../helpers/listener.js';

const WANT = { ClientAliveInterval: 421, ClientAliveCountMax: 9 };
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ count: 4, namePrefix: 'disk', shapes: ['debian12'] });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

/**
 * Mounts a 2 MiB tmpfs over the host's /etc/ssh holding a copy of it, then fills it, leaving
 * `spareBlocks` 4 KiB blocks free. The filler is a dot file, so no Include glob reads it.
 */
async function fillEtcSsh(h: LabHost, spareBlocks: number): Promise<void> {
  await mustExec(
    lab,
    h,
    [
      'set -e',
      'rm -rf /run/fault-etc-copy && cp -a /etc/ssh /run/fault-etc-copy',
      'mount -t tmpfs -o size=2m,mode=755 fault-full /etc/ssh',
      'cp -a /run/fault-etc-copy/. /etc/ssh/ && rm -rf /run/fault-etc-copy',
      `free=$(stat -f -c %a /etc/ssh); dd if=/dev/zero of=/etc/ssh/.fault-fill bs=4096 count=$((free - ${spareBlocks})) 2>/dev/null`,
      // Nothing else fits now, not even an empty file's first block.
      `[ "$(stat -f -c %a /etc/ssh)" -eq ${spareBlocks} ]`,
    ].join('\n'),
  );
}

/** One apply against `h` with the fault in place; checks what must hold for every disk fault. */
async function applyUnderFault(h: LabHost, name: string) {
  const digest = await configDigest(lab, h);
  const sockets = listenerSockets(lab.pid(h));
  const run = await fleet(['apply', writePolicy(lab.dir, name, inventoryFor(lab, [h]), WANT), ...runFlags(lab)]);
  const r = jsonReport(run).hosts[0]!;
  expect(run.code).toBe(1);
  const after = await health(lab, h);
  expect(after.valid, after.sshdTError).toBe(true);
  expect(await configDigest(lab, h), 'every config file is as it was').toBe(digest);
  expect(listenerSockets(lab.pid(h)), 'sshd was not reloaded').toBe(sockets);
  expect(await lab.isAccepting(h)).toBe(true);
  expect([after.locked, after.temps, after.stages]).toEqual([false, [], []]);
  expect([...(await backupsInside(lab, h)).keys()], 'no backup, not even a truncated one').toEqual([]);
  return r;
}

describe.sequential('a full or read-only /etc/ssh', () => {
  it('no space for the candidate: WRITE_FAILED before anything live changes', async () => {
    const h = lab.hosts[0]!;
    await fillEtcSsh(h, 0);
    try {
      const r = await applyUnderFault(h, 'full');
      expect([r.status, r.error?.code, r.rolled_back], r.error?.message).toEqual(['failed', 'WRITE_FAILED', false]);
      expect(r.error?.message).toMatch(/No space left on device/);
    } finally {
      await mustExec(lab, h, 'umount /etc/ssh');
    }
  });

  it('room for the candidate but not its backup: BACKUP_FAILED, the partial backup and the candidate are removed', async () => {
    const h = lab.hosts[1]!;
    // debian12's sshd_config is one 4 KiB block: the candidate takes the last one.
    await fillEtcSsh(h, 1);
    try {
      const r = await applyUnderFault(h, 'almost-full');
      expect([r.status, r.error?.code], r.error?.message).toEqual(['failed', 'BACKUP_FAILED']);
      expect(r.error?.message).toMatch(/No space left on device/);
    } finally {
      await mustExec(lab, h, 'umount /etc/ssh');
    }
  });

  it('the disk fills between two backups: BACKUP_FAILED, no live file was touched, so none is copied back', async () => {
    const h = lab.hosts[3]!;
    // Two drop-ins, each holding one of the values: the plan edits both files.
    writeFileSync(join(h.etcSsh, 'sshd_config.d', '10-interval.conf'), 'ClientAliveInterval 0\n');
    writeFileSync(join(h.etcSsh, 'sshd_config.d', '20-count.conf'), 'ClientAliveCountMax 1\n');
    // Two candidates and the first backup fit; the second backup does not, nor would a copy-back.
    await fillEtcSsh(h, 3);
    try {
      const r = await applyUnderFault(h, 'fills-midway');
      expect(r.changes.map((c) => c.file).sort()).toEqual(['/etc/ssh/sshd_config.d/10-interval.conf', '/etc/ssh/sshd_config.d/20-count.conf']);
      expect([r.status, r.error?.code, r.rolled_back], r.error?.message).toEqual(['failed', 'BACKUP_FAILED', false]);
      expect(r.error?.message).toMatch(/no live file had been changed/);
    } finally {
      await mustExec(lab, h, 'umount /etc/ssh');
    }
  });

  it('a read-only /etc/ssh: WRITE_FAILED, nothing changed', async () => {
    const h = lab.hosts[2]!;
    await mustExec(lab, h, 'mount -o remount,ro,bind /etc/ssh');
    try {
      const r = await applyUnderFault(h, 'readonly');
      expect([r.status, r.error?.code, r.rolled_back], r.error?.message).toEqual(['failed', 'WRITE_FAILED', false]);
      expect(r.error?.message).toMatch(/Read-only file system/);
    } finally {
      await mustExec(lab, h, 'mount -o remount,rw,bind /etc/ssh');
    }
    // Writable again, the same apply goes through: the failed run left nothing in its way.
    const run = await fleet(['apply', writePolicy(lab.dir, 'readonly-after', inventoryFor(lab, [h]), WANT), ...runFlags(lab)]);
    expect(jsonReport(run).hosts[0]?.status, run.stdout).toBe('changed');
    expect((await health(lab, h)).effective['clientaliveinterval']).toBe('421');
  });
});
