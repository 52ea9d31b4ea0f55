import { describe, expect, test } from 'vitest';
import { IDLE_TIMEOUTS, adviseKeepalive } from '../../../src/core/advice.js';
import type { Advice } from '../../../src/core/advice.js';
import { formatDuration, parsePolicy } from '../../../src/core/policy/index.js';

const adviceFor = (text: string): Advice[] => adviseKeepalive(parsePolicy(text, 'policy.yml').policy);
const messages = (text: string): string[] => adviceFor(text).map((a) => `${a.severity} ${a.key ?? '-'}: ${a.message}`);

describe('keepalive advice', () => {
  test('dead-peer time: 298 s × 50 = 4h08m', () => {
    const advice = adviceFor('sshd:\n  ClientAliveInterval: 298\n  ClientAliveCountMax: 50\n');
    const info = advice.find((a) => a.severity === 'info');
    expect(info?.key).toBe('sshd.ClientAliveInterval');
    expect(info?.message).toBe(
      'sshd: an unresponsive client is disconnected after about 298 s × 50 = 4h08m (ClientAliveInterval × ClientAliveCountMax)',
    );
  });

  test('times written with units are computed in seconds; a missing count uses the default 3', () => {
    expect(adviceFor('sshd:\n  ClientAliveInterval: 1m\n')[0]?.message).toBe(
      'sshd: an unresponsive client is disconnected after about 60 s × 3 (ClientAliveCountMax default) = 3m (ClientAliveInterval × ClientAliveCountMax)',
    );
  });

  test('an interval longer than NAT/LB idle timeouts is a warning naming the devices', () => {
    const warnings = adviceFor('sshd:\n  ClientAliveInterval: 400\n  ClientAliveCountMax: 3\n').filter((a) => a.severity === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('Azure Load Balancer / NAT Gateway (default) 240 s');
    expect(warnings[0]!.message).toContain('AWS NAT Gateway 350 s');
    expect(warnings[0]!.message).not.toContain('GCP');
    expect(warnings[0]!.message).toContain('238 s or less');
  });

  test('the classic 298 s clears home NAT (300 s) and AWS (350 s) but not Azure (240 s)', () => {
    const warning = adviceFor('sshd:\n  ClientAliveInterval: 298\n').find((a) => a.severity === 'warning');
    expect(warning?.message).toMatch(/Azure/);
    expect(warning?.message).not.toMatch(/AWS|home/);
  });

  test('an interval equal to a timeout races it (info); below every timeout, no warning', () => {
    expect(messages('client:\n  users: [root]\n  ServerAliveInterval: 240\n')).toEqual([
      'info client.ServerAliveInterval: ssh: an unresponsive server is disconnected after about 240 s × 3 (ServerAliveCountMax default) = 12m (ServerAliveInterval × ServerAliveCountMax)',
      'info client.ServerAliveInterval: client.ServerAliveInterval 240 s equals the idle timeout of Azure Load Balancer / NAT Gateway (default): the keepalive races the timeout; a slightly shorter interval is safer',
    ]);
    expect(adviceFor('sshd:\n  ClientAliveInterval: 60\n').every((a) => a.severity === 'info')).toBe(true);
  });

  test('ClientAliveCountMax 0 disables termination (sshd_config(5), OpenSSH 9.2)', () => {
    const advice = adviceFor('sshd:\n  ClientAliveInterval: 60\n  ClientAliveCountMax: 0\n');
    expect(advice).toContainEqual({
      severity: 'warning',
      key: 'sshd.ClientAliveCountMax',
      message: 'sshd.ClientAliveCountMax 0 disables termination: sshd never disconnects an unresponsive client, so dead sessions stay forever',
    });
    expect(advice.some((a) => a.message.includes('disconnected after'))).toBe(false);
  });

  test('interval 0 turns keepalives off, for sshd and the client', () => {
    expect(messages('sshd:\n  ClientAliveInterval: 0\nclient:\n  users: [root]\n  ServerAliveInterval: 0s\n')).toEqual([
      'warning sshd.ClientAliveInterval: sshd.ClientAliveInterval 0 turns keepalives off: idle sessions through NAT or a load balancer can be dropped, and a dead client is never noticed',
      'warning client.ServerAliveInterval: client.ServerAliveInterval 0 turns keepalives off: idle sessions through NAT or a load balancer can be dropped, and a dead server is never noticed',
    ]);
  });

  test('ServerAliveCountMax 0 is a warning with its own meaning', () => {
    const advice = adviceFor('client:\n  users: [root]\n  ServerAliveInterval: 30\n  ServerAliveCountMax: 0\n');
    expect(advice.find((a) => a.key === 'client.ServerAliveCountMax')?.message).toMatch(/disconnect after a single ServerAliveInterval/);
  });

  test('a count without an interval is only informative', () => {
    expect(messages('sshd:\n  ClientAliveCountMax: 5\n')).toEqual([
      "info sshd.ClientAliveCountMax: sshd.ClientAliveCountMax only matters once ClientAliveInterval is above 0 (its default is 0); this policy leaves ClientAliveInterval as each host has it",
    ]);
  });

  test('the idle-timeout table is data with a source for every row, shortest first', () => {
    expect(IDLE_TIMEOUTS.map((t) => t.seconds)).toEqual([240, 300, 350, 1200]);
    for (const row of IDLE_TIMEOUTS) expect(row.source.length).toBeGreaterThan(20);
  });

  test('durations read h/m/s', () => {
    expect(formatDuration(14900)).toBe('4h08m');
    expect(formatDuration(3600)).toBe('1h00m');
    expect(formatDuration(750)).toBe('12m30s');
    expect(formatDuration(45)).toBe('45s');
  });
});
