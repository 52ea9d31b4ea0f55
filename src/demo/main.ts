/**
 * `npm run demo`: starts a local fleet of real sshd hosts with configs shaped like real
 * fleets', runs fleet on it the way a user would (plan, apply, apply again, check the keepalive
 * fix; then apply and check the hardening baseline), shows the output, proves the result with
 * each host's own `sshd -T`, and stops the fleet.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureOpenSshServer, startLab, type Lab } from '../lab/index.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const PLAYBOOK = fileURLToPath(new URL('../../playbooks/keepalive.yml', import.meta.url));
const HARDENING = fileURLToPath(new URL('../../playbooks/hardening.yml', import.meta.url));
const WANT = { clientaliveinterval: '298', clientalivecountmax: '50' };
/** A few of the baseline's values as sshd -T prints them (times in seconds). */
const HARDENED = { passwordauthentication: 'no', allowtcpforwarding: 'no', x11forwarding: 'no', maxauthtries: '3', logingracetime: '30' };

function fleet(lab: Lab, policy: string, ...args: string[]): Promise<number> {
  const argv = [CLI, ...args, policy, '--known-hosts', lab.knownHosts];
  process.stdout.write(`\n$ fleet ${[...args, basename(policy)].join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const count = Number(process.env['FLEET_DEMO_HOSTS'] ?? 20);
  await ensureOpenSshServer();
  process.stdout.write(`Starting ${count} real sshd hosts on 127.0.1.x …\n`);
  const lab = await startLab({ count, namePrefix: 'demo' });
  const stop = (): void => void lab.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const shapes = new Map<string, number>();
    for (const h of lab.hosts) shapes.set(h.shape, (shapes.get(h.shape) ?? 0) + 1);
    process.stdout.write(`Lab in ${lab.dir}: ${[...shapes].map(([s, n]) => `${n}× ${s}`).join(', ')}\n`);
    const policy = join(lab.dir, 'policy.yml');
    const hardening = join(lab.dir, 'hardening.yml');
    for (const [source, copy] of [[PLAYBOOK, policy], [HARDENING, hardening]] as const) {
      const playbook = await readFile(source, 'utf8');
      await writeFile(copy, `# the demo's copy of playbooks/${source.slice(source.lastIndexOf('/') + 1)}, pointed at the lab\ninventory: ${lab.inventory}\n${playbook.replace(/^inventory:.*\n/m, '')}`);
    }

    const codes = {
      plan: await fleet(lab, policy, 'plan'),
      apply: await fleet(lab, policy, 'apply'),
      again: await fleet(lab, policy, 'apply'),
      check: await fleet(lab, policy, 'check'),
      hardenApply: await fleet(lab, hardening, 'apply'),
      hardenCheck: await fleet(lab, hardening, 'check'),
    };

    let right = 0;
    for (const h of lab.hosts) {
      const t = await lab.sshdT(h);
      if (Object.entries({ ...WANT, ...HARDENED }).every(([k, v]) => t[k] === v) && (await lab.isAccepting(h))) right += 1;
    }
    process.stdout.write(
      `\nProof from each host's own sshd -T: ${right}/${lab.hosts.length} hosts have ClientAliveInterval 298, ClientAliveCountMax 50 and the hardening baseline (PasswordAuthentication no, AllowTcpForwarding no, X11Forwarding no, MaxAuthTries 3, LoginGraceTime 30) and accept logins.\n`,
    );
    process.stdout.write(`Exit codes: plan ${codes.plan} (2 = changes pending), apply ${codes.apply}, second apply ${codes.again}, check ${codes.check} (0 = no drift); hardening apply ${codes.hardenApply}, check ${codes.hardenCheck}.\n`);
    const ok = codes.plan === 2 && codes.apply === 0 && codes.again === 0 && codes.check === 0 && codes.hardenApply === 0 && codes.hardenCheck === 0 && right === lab.hosts.length;
    process.stdout.write(ok ? 'Demo passed.\n' : 'Demo FAILED: see above.\n');
    return ok ? 0 : 1;
  } finally {
    await lab.stop();
    process.stdout.write('Lab stopped.\n');
  }
}

process.exitCode = await main();
