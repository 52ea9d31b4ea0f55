/** The --out file (src/cli/output.ts): exclusive 0600 temp, rename at the end, nothing left behind, never lost. */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeReport } from '../../../src/cli/commands.js';
import { ReportFile } from '../../../src/cli/output.js';
import { FleetError } from '../../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-report-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ReportFile', () => {
  it('reserves an exclusive 0600 temp at once, and renames it over the target at the end', async () => {
    const folder = mkdtempSync(join(dir, 'a-'));
    const file = await ReportFile.reserve(join(folder, 'r.txt'));
    const [temp] = readdirSync(folder);
    expect(temp).toMatch(/^\.r\.txt\.\d+\.[0-9a-f]{8}\.tmp$/);
    expect(statSync(join(folder, temp!)).mode & 0o777).toBe(0o600);
    await file.commit('report\n');
    expect(readdirSync(folder)).toEqual(['r.txt']);
    expect(readFileSync(join(folder, 'r.txt'), 'utf8')).toBe('report\n');
  });

  it('replacing a regular file keeps its mode; a symlink there is replaced with a new 0600 file', async () => {
    const folder = mkdtempSync(join(dir, 'm-'));
    const target = join(folder, 'fleet.prom');
    writeFileSync(target, 'old\n');
    chmodSync(target, 0o644);
    await (await ReportFile.reserve(target)).commit('new\n');
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(readFileSync(target, 'utf8')).toBe('new\n');
    const link = join(folder, 'link.prom');
    symlinkSync(target, link);
    await (await ReportFile.reserve(link)).commit('via link\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(statSync(link).mode & 0o777).toBe(0o600);
    expect(readFileSync(target, 'utf8')).toBe('new\n');
  });

  it('discard leaves nothing behind', async () => {
    const folder = mkdtempSync(join(dir, 'b-'));
    const file = await ReportFile.reserve(join(folder, 'r.txt'));
    await file.discard();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('a folder gone by the end: a FleetError, and writeReport prints the report on stdout instead of losing it', async () => {
    const folder = mkdtempSync(join(dir, 'c-'));
    const file = await ReportFile.reserve(join(folder, 'r.txt'));
    const again = await ReportFile.reserve(join(folder, 'r2.txt'));
    rmSync(folder, { recursive: true });
    await expect(file.commit('x')).rejects.toBeInstanceOf(FleetError);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await writeReport(again, 'the report\n')).toBe(false);
      expect(out).toHaveBeenCalledWith('the report\n');
      expect(String(err.mock.calls[0]?.[0])).toMatch(/r2\.txt: cannot write the report: .*; the report follows on stdout/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
