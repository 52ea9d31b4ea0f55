/**
 * `fleet unlock POLICY --lock-id ID`: recovers the locks run ID left on the policy's hosts,
 * for a run the operator knows is dead when its lease has not lapsed yet (like Terraform's
 * force-unlock). Only a lock whose owner is that run is touched; its half-done change is
 * restored as the next apply would. One line per host; exit 0 when no host keeps a lock of
 * that run, 1 otherwise.
 */
import pLimit from 'p-limit';
import { FleetError, formatDiagnostic } from '../core/errors.js';
import type { RunFlags } from './commands.js';
import { DEFAULT_CONNECT_TIMEOUT_S, lockLease } from './commands.js';
import { defaultUser } from './inputs.js';
import { loadRun } from './load.js';

export interface UnlockFlags extends Pick<RunFlags, 'inventory' | 'limit' | 'knownHosts' | 'globalKnownHosts' | 'identity' | 'user' | 'timeout' | 'commandTimeout' | 'sshConfig'> {
  lockId: string;
  forks?: number;
}

export async function unlockCommand(policyPath: string, flags: UnlockFlags): Promise<number> {
  // A run id is what fleet writes: lower-case letters and digits; nothing else is ever compared.
  if (!/^[0-9a-z]{1,64}$/.test(flags.lockId)) {
    process.stderr.write(`fleet: --lock-id must be the run id from a LOCKED message (letters and digits), not ${JSON.stringify(flags.lockId)}\n`);
    return 1;
  }
  const { policy, hosts, warnings } = await loadRun(policyPath, flags, defaultUser());
  for (const w of warnings) process.stderr.write(formatDiagnostic(w) + '\n');
  const [{ Connector, PASSPHRASE_ENV }, { gatherFacts }, { unlockHost }, { randomBytes }, { hostname }] = await Promise.all([
    import('../transport/index.js'),
    import('../facts/index.js'),
    import('../engine/lock.js'),
    import('node:crypto'),
    import('node:os'),
  ]);
  const connector = new Connector({
    ...(flags.knownHosts !== undefined ? { knownHostsFile: flags.knownHosts } : {}),
    ...(flags.globalKnownHosts !== undefined ? { globalKnownHostsFile: flags.globalKnownHosts } : {}),
    acceptNew: false,
    ...(flags.identity ? { identityFile: flags.identity } : {}),
    ...(process.env[PASSPHRASE_ENV] ? { passphrase: process.env[PASSPHRASE_ENV] } : {}),
    ...(process.env['SSH_AUTH_SOCK'] ? { agentSocket: process.env['SSH_AUTH_SOCK'] } : {}),
    connectTimeoutMs: (flags.timeout ?? DEFAULT_CONNECT_TIMEOUT_S) * 1000,
    commandTimeoutMs: flags.commandTimeout * 1000,
  });
  const ctx = { lockOwner: `${randomBytes(8).toString('hex')} ${hostname()} ${process.pid}`, lockLeaseSeconds: lockLease(flags.commandTimeout), gatherFacts };
  const limit = pLimit(flags.forks ?? policy.rollout.forks);
  let failed = 0;
  try {
    const lines = await Promise.all(
      hosts.map((host) =>
        limit(async () => {
          try {
            const t = await connector.connect(host);
            try {
              const outcome = await unlockHost(ctx, t, flags.lockId);
              if (outcome.kind === 'no-lock') return `${host.name}: no lock`;
              if (outcome.kind === 'recovered') return `${host.name}: ${outcome.note}`;
              failed += 1;
              return `${host.name}: locked by another run (${outcome.lock.owner}), left alone`;
            } finally {
              await t.close().catch(() => undefined);
            }
          } catch (error) {
            failed += 1;
            const e = error instanceof FleetError ? `${error.code}: ${error.message}` : String(error);
            return `${host.name}: failed: ${e}`;
          }
        }),
      ),
    );
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  } finally {
    await connector.closeAll();
  }
  return failed > 0 ? 1 : 0;
}
