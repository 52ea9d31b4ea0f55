/**
 * One-line advice about a policy's keepalive numbers: how long a dead peer lingers, and whether
 * an interval outlives the idle timeouts of common NAT gateways and load balancers (the usual
 * reason idle SSH sessions die: the middlebox forgets the connection, then drops its packets).
 */
import type { Policy } from './policy/index.js';
import { formatDuration } from './time.js';

/** A remark about a policy; warnings are worth reading before a rollout, not blocking it. */
export interface Advice {
  severity: 'info' | 'warning';
  message: string;
  /** The policy path it is about, e.g. `sshd.ClientAliveInterval`. */
  key?: string;
}

/**
 * Idle timeouts of devices that commonly sit between SSH clients and servers, shortest first.
 * Data, with a source each, so the README can print the table.
 */
export const IDLE_TIMEOUTS: readonly { device: string; seconds: number; source: string }[] = [
  {
    device: 'Azure Load Balancer / NAT Gateway (default)',
    seconds: 240,
    source: 'https://learn.microsoft.com/azure/load-balancer/load-balancer-tcp-idle-timeout (TCP idle timeout, default 4 minutes)',
  },
  {
    device: 'many home and enterprise NAT routers and firewalls',
    seconds: 300,
    source: 'common vendor defaults of about 5 minutes, though RFC 5382 REQ-5 asks for at least 2 h 4 min on established TCP',
  },
  {
    device: 'AWS NAT Gateway',
    seconds: 350,
    source: 'https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html (idle connections time out after 350 seconds)',
  },
  {
    device: 'GCP Cloud NAT (established TCP)',
    seconds: 1200,
    source: 'https://cloud.google.com/nat/docs/tune-nat-configuration (TCP established connection idle timeout, default 1200 s)',
  },
];

/** sshd's and ssh's default for *AliveCountMax. */
const DEFAULT_COUNT_MAX = 3;

/** Advice for every keepalive pair the policy sets. */
export function adviseKeepalive(policy: Policy): Advice[] {
  const advice = advisePair({
    side: 'sshd',
    peer: 'client',
    interval: policy.sshd['ClientAliveInterval'],
    count: policy.sshd['ClientAliveCountMax'],
    intervalKey: 'sshd.ClientAliveInterval',
    countKey: 'sshd.ClientAliveCountMax',
    // sshd_config(5), OpenSSH 8.2 and later: "Setting a zero ClientAliveCountMax disables
    // connection termination."
    zeroCount: 'sshd.ClientAliveCountMax 0 disables termination: sshd never disconnects an unresponsive client, so dead sessions stay forever',
  });
  if (policy.client) {
    advice.push(
      ...advisePair({
        side: 'ssh',
        peer: 'server',
        interval: policy.client.directives['ServerAliveInterval'],
        count: policy.client.directives['ServerAliveCountMax'],
        intervalKey: 'client.ServerAliveInterval',
        countKey: 'client.ServerAliveCountMax',
        // Unlike sshd, ssh has no special case for 0: its check gives up once the count of
        // unanswered keepalives exceeds the maximum, so 0 gives up after the first silent interval.
        zeroCount: 'client.ServerAliveCountMax 0 makes ssh disconnect after a single ServerAliveInterval without data from the server; 0 does not disable termination as it does for sshd',
      }),
    );
  }
  return advice;
}

interface Pair {
  side: 'sshd' | 'ssh';
  peer: 'client' | 'server';
  interval: string | undefined;
  count: string | undefined;
  intervalKey: string;
  countKey: string;
  zeroCount: string;
}

function advisePair(pair: Pair): Advice[] {
  const advice: Advice[] = [];
  const short = (key: string): string => key.split('.')[1]!;
  if (pair.interval === undefined) {
    if (pair.count !== undefined) {
      advice.push({
        severity: 'info',
        key: pair.countKey,
        message: `${pair.countKey} only matters once ${short(pair.intervalKey)} is above 0 (its default is 0); this policy leaves ${short(pair.intervalKey)} as each host has it`,
      });
    }
    return advice;
  }
  const interval = Number(pair.interval);
  if (interval === 0) {
    advice.push({
      severity: 'warning',
      key: pair.intervalKey,
      message: `${pair.intervalKey} 0 turns keepalives off: idle sessions through NAT or a load balancer can be dropped, and a dead ${pair.peer} is never noticed`,
    });
    return advice;
  }
  const count = pair.count === undefined ? DEFAULT_COUNT_MAX : Number(pair.count);
  if (count === 0) {
    advice.push({ severity: 'warning', key: pair.countKey, message: pair.zeroCount });
  } else {
    const defaulted = pair.count === undefined ? ` (${short(pair.countKey)} default)` : '';
    advice.push({
      severity: 'info',
      key: pair.intervalKey,
      message: `${pair.side}: an unresponsive ${pair.peer} is disconnected after about ${interval} s × ${count}${defaulted} = ${formatDuration(interval * count)} (${short(pair.intervalKey)} × ${short(pair.countKey)})`,
    });
  }
  const outlived = IDLE_TIMEOUTS.filter((t) => t.seconds < interval);
  if (outlived.length > 0) {
    const devices = outlived.map((t) => `${t.device} ${t.seconds} s`).join(', ');
    const safe = Math.min(...outlived.map((t) => t.seconds)) - 2;
    advice.push({
      severity: 'warning',
      key: pair.intervalKey,
      message: `${pair.intervalKey} ${interval} s is longer than the idle timeout of ${devices}: an idle session through such a device can be dropped before the first keepalive; ${safe} s or less keeps it alive`,
    });
  }
  for (const tie of IDLE_TIMEOUTS.filter((t) => t.seconds === interval)) {
    advice.push({
      severity: 'info',
      key: pair.intervalKey,
      message: `${pair.intervalKey} ${interval} s equals the idle timeout of ${tie.device}: the keepalive races the timeout; a slightly shorter interval is safer`,
    });
  }
  return advice;
}
