import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchSizes } from '../../../src/engine/runner.js';
import { parseMarkers, stageScript, tempPathFor, writeCandidatesScript, inSh } from '../../../src/engine/scripts.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-scripts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sh = (script: string): string => execFileSync('sh', ['-c', inSh(script)], { encoding: 'utf8' });

describe('parseMarkers', () => {
  it('splits output into marker sections with inline arguments', () => {
    const m = parseMarkers('noise\n@@fleet:sshd-t\nline 1\nline 2\n@@fleet:rc 255\n');
    expect(m.sections.get('sshd-t')).toBe('line 1\nline 2');
    expect(m.seen.map((s) => [s.name, s.arg])).toEqual([['sshd-t', ''], ['rc', '255']]);
  });
});

describe('remote scripts, run by a real sh', () => {
  it('writes candidates byte for byte with the owner and mode asked, next to the target, as a dot file', () => {
    const target = join(dir, 'it\'s $(touch pwned) `x`; "q".conf');
    const after = 'Port 22\r\nClientAliveInterval 298\n# tail with no newline \\n $HOME';
    const out = sh(writeCandidatesScript([{ path: target, before: 'x', after, diff: '', uid: 0, gid: 0, mode: 0o640 }], 'run1'));
    expect(parseMarkers(out).seen.map((s) => s.name)).toEqual(['written']);
    const temp = tempPathFor(target, 'run1');
    expect(temp.startsWith(join(dir, '.'))).toBe(true);
    expect(readFileSync(temp, 'utf8')).toBe(after);
    expect(statSync(temp).mode & 0o777).toBe(0o640);
    expect(() => statSync(join(dir, 'pwned'))).toThrow();
  });

  it('stages a tree and reports the validator exit status; the stage folder is removed', () => {
    const stage = join(dir, 'stage-a');
    const fake = join(dir, 'fake-sshd');
    writeFileSync(fake, '#!/bin/sh\necho "checked $3"; exit 3\n', { mode: 0o755 });
    const out = sh(stageScript(fake, stage, `${stage}/etc/ssh/sshd_config`, new Map([[`${stage}/etc/ssh/sshd_config`, 'X 1\n']])));
    const m = parseMarkers(out);
    expect(m.sections.get('sshd-t')).toBe(`checked ${stage}/etc/ssh/sshd_config`);
    expect(m.seen.find((s) => s.name === 'rc')?.arg).toBe('3');
    expect(() => statSync(stage)).toThrow();
  });
});

describe('batchSizes', () => {
  it('splits by count and by percentage, never empty', () => {
    expect(batchSizes(10, { kind: 'count', n: 3 })).toEqual([3, 3, 3, 1]);
    expect(batchSizes(10, { kind: 'percent', pct: 25 })).toEqual([3, 3, 3, 1]);
    expect(batchSizes(10, { kind: 'percent', pct: 100 })).toEqual([10]);
    expect(batchSizes(3, { kind: 'count', n: 50 })).toEqual([3]);
    expect(batchSizes(1, { kind: 'percent', pct: 1 })).toEqual([1]);
  });
});
