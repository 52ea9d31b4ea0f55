/** The bench's own arithmetic: per-round target ratios pair fleet with the reference from the same round. */
import { describe, expect, it } from 'vitest';
import { bestOf, renderRun, roundTargets, type BenchRun, type Row } from '../../bench/results.js';

const row = (label: string, tool: Row['tool'], phase: Row['phase'], wallMs: number): Row => ({
  label,
  tool,
  phase,
  command: '',
  cost: { code: 0, stdout: '', stderr: '', wallMs, cpuMs: 1, maxRssKb: 1, machineCpuMs: 1, otherJobs: 0 },
});

const round = (floor: number, check: number, apply: number, ansible: number): Row[] => [
  row('minimal ssh2 script', 'ssh2', 'floor', floor),
  row('fleet check', 'fleet', 'check', check),
  row('fleet apply', 'fleet', 'apply', apply),
  row('Ansible apply', 'ansible', 'apply', ansible),
];

describe('bench results', () => {
  const rounds = [round(2000, 2700, 8000, 40000), round(2500, 2600, 9000, 30000)];

  it('roundTargets divides within each round; a missing reference is null', () => {
    expect(roundTargets(rounds)).toEqual([
      [1.35, 0.2, null],
      [1.04, 0.3, null],
    ]);
  });

  it('the table shows the best-of ratio and the round-by-round ones, with how many rounds met each target', () => {
    const run: BenchRun = {
      date: 'd', hosts: 100, forks: 50, repeat: 2, command: 'c',
      machine: { cores: 2, cpu: 'x', memoryGiB: 1, kernel: 'k', node: 'n', openssh: 'o' },
      rows: bestOf(rounds), roundTargets: roundTargets(rounds), analysis: [], notes: [],
    };
    const text = renderRun(run);
    // Best of: check 2600 / floor 2000.
    expect(text).toContain('| fleet check ÷ minimal ssh2 script | 1.30× | ≤ 1.25× | **no** | 1.35×, 1.04× | 1 of 2 rounds |');
    expect(text).toContain('| fleet apply ÷ Ansible apply | 0.27× | ≤ 0.2× | **no** | 0.20×, 0.30× | 1 of 2 rounds |');
    expect(text).toContain('| fleet second apply ÷ Ansible second apply | – | ≤ 0.15× | not measured: the fleet run failed or was skipped | – | – |');
  });
});
