#!/usr/bin/env node
/**
 * fleet's command line. Start-up stays fast: each command loads its heavy modules (ssh2,
 * listr2, ajv) only when it runs.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { FLEET_VERSION } from '../version.js';
import { PUTTY_MAX_INTERVAL_SECONDS, puttyIntervalProblem } from '../core/putty.js';

const version = FLEET_VERSION;

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1`);
    return n;
  };
}

function percent(value: string): number {
  const n = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('must be a percentage from 0 to 100');
  return n;
}

function shard(value: string): string {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new InvalidArgumentError('must be K/N with 1 ≤ K ≤ N, e.g. 2/8');
  return value;
}

/** -i may be given several times, as with Ansible. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const INVENTORY_HELP = "inventory file or folder (YAML, INI, ansible-inventory --list JSON); repeatable; overrides the policy's `inventory` and ansible.cfg";
const LIST_HOSTS_HELP = 'list the selected hosts with address, port, user, key, jump and where each came from; connect to nothing (exit 0)';

function addRunOptions(cmd: Command, policyOptional = false): Command {
  return cmd
    .argument(policyOptional ? '[policy]' : '<policy>', 'policy file (YAML)')
    .option('-i, --inventory <path>', INVENTORY_HELP, collect)
    .option('--list-hosts', LIST_HOSTS_HELP)
    .option('-l, --limit <pattern>', 'further limit the hosts (Ansible pattern, intersected with the policy\'s `hosts`)')
    .option('-f, --forks <n>', 'hosts worked on at once (default: policy rollout.forks, else 50)', positiveInt('--forks'))
    .option('--serial <n|pct>', 'apply batch size, a number or a percentage (default: policy rollout.serial, else all)')
    .option('--max-fail-percent <pct>', 'start no new batch once more than this share of hosts failed', percent)
    .option('--known-hosts <file>', 'known_hosts file host keys are checked against (default: ~/.ssh/known_hosts)')
    .option('--global-known-hosts <file>', 'system-wide known_hosts, read too (never written), like ssh (default: /etc/ssh/ssh_known_hosts)')
    .option('--accept-new', 'trust and record the key of a host not yet in known_hosts (like StrictHostKeyChecking=accept-new)')
    .option('--identity <file>', 'private key to log in with (overrides the inventory)')
    .option('-u, --user <user>', 'remote user (overrides the inventory)')
    .option('--timeout <seconds>', "connect timeout per host (default: ssh_config's ConnectTimeout, else 10)", positiveInt('--timeout'))
    .option('--ssh-config <file>', 'OpenSSH client config to resolve hosts through, like ssh -F (`none`: none; default ~/.ssh/config, /etc/ssh/ssh_config)')
    .option('--command-timeout <seconds>', 'timeout of each remote command', positiveInt('--command-timeout'), 60)
    .option('--shard <K/N>', 'work on the K-th of N deterministic shares of the selected hosts', shard)
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'markdown', 'junit', 'openmetrics']).default('text'))
    .option('-o, --out <file>', 'write the report to a file instead of stdout')
    .option('--no-progress', 'no live progress on stderr');
}

export function buildProgram(): Command {
  const program = new Command('fleet')
    .description('Keep sshd and ssh settings right across a fleet of Linux servers, safely: the keepalives first.')
    .version(version)
    .showHelpAfterError('(fleet --help shows the commands and flags)')
    .exitOverride((err) => {
      // Commander's own exits (help, version) keep their 0; usage mistakes are exit 1, like bad input.
      process.exit(err.exitCode === 0 ? 0 : 1);
    });

  program
    .command('validate')
    .description('check a policy and its inventory offline (exit 0 valid, 1 invalid)')
    .argument('<policy>', 'policy file (YAML)')
    .option('-i, --inventory <path>', INVENTORY_HELP, collect)
    .option('--list-hosts', LIST_HOSTS_HELP)
    .action(async (policy: string, opts: { inventory?: string[]; listHosts?: boolean }) => {
      const { validateCommand } = await import('./commands.js');
      process.exitCode = await validateCommand(policy, opts.inventory, opts.listHosts === true);
    });

  for (const name of ['plan', 'apply', 'check'] as const) {
    const description = {
      plan: 'show the changes each host needs, proven with sshd -t on the host; changes nothing (exit 0 none, 2 pending, 1 failures)',
      apply: 'change, validate, reload and prove a fresh login on every host, rolling back on failure (exit 0 converged, 1 otherwise)',
      check: 'report drift of files and effective values from the policy (exit 0 in line, 2 drift, 1 errors)',
    }[name];
    const cmd = addRunOptions(program.command(name).description(description), name === 'apply');
    if (name === 'apply') {
      cmd.option('--dry-run', 'same as fleet plan');
      cmd.option('--plan <file>', 'apply this saved plan (fleet plan --save-plan) and nothing else; no policy, -i or --limit with it');
    }
    if (name === 'plan') cmd.option('--save-plan <file>', 'also save the plan (0600) for fleet apply --plan');
    cmd.action(async (policy: string | undefined, opts: Record<string, unknown>) => {
      const { runCommand } = await import('./commands.js');
      const command = name === 'apply' && opts['dryRun'] ? 'plan' : name;
      process.exitCode = await runCommand(command, policy, opts);
    });
  }

  program
    .command('unlock')
    .description("recover the locks a dead run left on the policy's hosts, before their lease lapses: only a lock of run --lock-id is touched, its half-done change restored (exit 0 none left, 1 otherwise)")
    .argument('<policy>', 'policy file (YAML)')
    .requiredOption('--lock-id <id>', 'the run id a LOCKED message names')
    .option('-i, --inventory <path>', INVENTORY_HELP, collect)
    .option('-l, --limit <pattern>', "further limit the hosts (Ansible pattern, intersected with the policy's `hosts`)")
    .option('-f, --forks <n>', 'hosts worked on at once (default: policy rollout.forks, else 50)', positiveInt('--forks'))
    .option('--known-hosts <file>', 'known_hosts file host keys are checked against (default: ssh_config\'s, else ~/.ssh/known_hosts)')
    .option('--global-known-hosts <file>', 'system-wide known_hosts, read too (never written), like ssh')
    .option('--identity <file>', 'private key to log in with (overrides the inventory)')
    .option('-u, --user <user>', 'remote user (overrides the inventory)')
    .option('--ssh-config <file>', 'OpenSSH client config to resolve hosts through, like ssh -F (`none`: none)')
    .option('--timeout <seconds>', 'connect timeout per host (default: ssh_config ConnectTimeout, else 10)', positiveInt('--timeout'))
    .option('--command-timeout <seconds>', 'timeout of each remote command', positiveInt('--command-timeout'), 60)
    .action(async (policy: string, opts: Record<string, unknown>) => {
      const [{ unlockCommand }, { ConfigError, FleetError, formatDiagnostic }] = await Promise.all([import('./unlock.js'), import('../core/errors.js')]);
      try {
        process.exitCode = await unlockCommand(policy, opts as never);
      } catch (error) {
        if (error instanceof ConfigError) for (const d of error.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
        else if (error instanceof FleetError) process.stderr.write(`fleet: ${error.message}\n`);
        else throw error;
        process.exitCode = 1;
      }
    });

  program
    .command('report')
    .description('work with saved JSON reports')
    .command('merge')
    .description('join the JSON reports of shard jobs (--shard K/N) into one report (exit codes as for the merged command)')
    .argument('<files...>', 'reports written with --format json, one per shard')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'markdown', 'junit', 'openmetrics']).default('text'))
    .option('-o, --out <file>', 'write the report to a file instead of stdout')
    .action(async (files: string[], opts: { format: 'text' | 'json' | 'markdown' | 'junit' | 'openmetrics'; out?: string }) => {
      const [{ readReports, mergeReports }, { render }, { summaryLine }, { ReportFile }, { writeReport }, { exitCode }, { FleetError }, { stripControls }] = await Promise.all([
        import('../report/merge.js'),
        import('../report/index.js'),
        import('../report/text.js'),
        import('./output.js'),
        import('./commands.js'),
        import('../engine/types.js'),
        import('../core/errors.js'),
        import('../report/safe-text.js'),
      ]);
      let merged;
      let reportFile;
      try {
        // The --out folder is checked before the inputs are read, like a run checks it before any host.
        if (opts.out) reportFile = await ReportFile.reserve(opts.out);
        merged = mergeReports(await readReports(files));
      } catch (error) {
        await reportFile?.discard();
        if (!(error instanceof FleetError)) throw error;
        // A saved report is host text too: a host name in a merge error can carry escapes.
        process.stderr.write(`fleet: ${stripControls(error.message)}\n`);
        process.exitCode = 1;
        return;
      }
      const text = render(merged, opts.format);
      const written = reportFile ? await writeReport(reportFile, text) : (process.stdout.write(text), true);
      if (opts.out || opts.format !== 'text') process.stderr.write(summaryLine(merged) + '\n');
      if (!written) {
        process.exitCode = 1;
        return;
      }
      process.exitCode = exitCode(merged);
    });
  program
    .command('putty')
    .description("print a .reg file that sets PuTTY's keepalive (import it with regedit on Windows)")
    .requiredOption('--interval <seconds>', `seconds between keepalives, 0 (off) to ${PUTTY_MAX_INTERVAL_SECONDS}`, (v: string) => {
      const seconds = /^\d+$/.test(v) ? Number(v) : Number.NaN;
      if (puttyIntervalProblem(seconds) !== null) throw new InvalidArgumentError(`must be a whole number of seconds from 0 (off) to ${PUTTY_MAX_INTERVAL_SECONDS} (PuTTY counts it in milliseconds in 32 bits)`);
      return seconds;
    })
    .option('--session <name>', 'saved session to change (default: Default Settings)')
    .option('--tcp-keepalives', 'also turn on TCP keepalives')
    .action(async (opts: { interval: number; session?: string; tcpKeepalives?: boolean }) => {
      const { puttyRegistryFile } = await import('../core/putty.js');
      process.stdout.write(puttyRegistryFile({ intervalSeconds: opts.interval, ...(opts.session !== undefined ? { session: opts.session } : {}), tcpKeepalives: opts.tcpKeepalives === true }));
    });

  return program;
}

await buildProgram().parseAsync(process.argv);
