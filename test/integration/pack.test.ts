/**
 * fleet installed the way users install a CLI: `npm pack` on a copy of the sources (its
 * `prepack` builds), then `npm install -g --prefix` of the tarball into an empty folder, and
 * the installed `fleet` run from there. The copy keeps the build away from this tree's dist/,
 * which other test files run while this one packs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'fleet-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function tracked(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f !== '' && existsSync(join(ROOT, f)));
}

describe('npm pack', () => {
  it('packs only what runs, with its LICENSE, built by prepack; the installed fleet runs', () => {
    const src = join(work, 'src-copy');
    for (const f of tracked()) cpSync(join(ROOT, f), join(src, f));
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
    expect(existsSync(join(src, 'dist'))).toBe(false);

    const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: src, encoding: 'utf8', timeout: 300_000 });
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = (info?.files ?? []).map((f) => f.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('schemas/policy.schema.json');
    expect(files.filter((f) => /^(src|test|bench|scripts|examples|docs)\/|\.ts$|^\.ci\//.test(f) && !f.endsWith('.d.ts'))).toEqual([]);

    const prefix = join(work, 'prefix');
    const installed = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, info?.filename ?? '')], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(installed.status, installed.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'fleet');
    expect(readdirSync(join(prefix, 'bin'))).toContain('fleet');

    const help = spawnSync(bin, ['--help'], { encoding: 'utf8', cwd: work });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: fleet /m);

    const valid = spawnSync(bin, ['validate', join(ROOT, 'playbooks/keepalive.yml'), '-i', join(ROOT, 'inventory.example.yml')], { encoding: 'utf8', cwd: work });
    expect(valid.status, valid.stderr).toBe(0);
    expect(valid.stdout).toMatch(/valid, \d+ hosts selected/);
  }, 600_000);
});
