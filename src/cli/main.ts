#!/usr/bin/env node
/**
 * fleet's command line. Start-up stays fast: each command loads its heavy modules (ssh2,
 * listr2, ajv) only when it runs.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

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

function addRunOptions(cmd: Command): Command {
  return cmd
    .argument('<policy>', 'policy file (YAML)')
    .option('-i, --inventory <file>', "inventory file; overrides the policy's `inventory`")
    .option('-l, --limit <pattern>', 'further limit the hosts (Ansible pattern, intersected with the policy\'s `hosts`)')
    .option('-f, --forks <n>', 'hosts worked on at once (default: policy rollout.forks, else 50)', positiveInt('--forks'))
    .option('--serial <n|pct>', 'apply batch size, a number or a percentage (default: policy rollout.serial, else all)')
    .option('--max-fail-percent <pct>', 'start no new batch once more than this share of hosts failed', percent)
    .option('--known-hosts <file>', 'known_hosts file host keys are checked against (default: ~/.ssh/known_hosts)')
    .option('--accept-new', 'trust and record the key of a host not yet in known_hosts (like StrictHostKeyChecking=accept-new)')
    .option('--identity <file>', 'private key to log in with (overrides the inventory)')
    .option('-u, --user <user>', 'remote user (overrides the inventory)')
    .option('--timeout <seconds>', 'connect timeout per host', positiveInt('--timeout'), 10)
    .option('--command-timeout <seconds>', 'timeout of each remote command', positiveInt('--command-timeout'), 60)
    .option('--shard <K/N>', 'work on the K-th of N deterministic shares of the selected hosts', shard)
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'markdown', 'junit']).default('text'))
    .option('-o, --out <file>', 'write the report to a file instead of stdout')
    .option('--no-progress', 'no live progress on stderr');
}

export function buildProgram(): Command {
  const program = new Command('fleet')
    .description('Keep SSH keepalive settings right across a fleet of Linux servers, safely.')
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
    .option('-i, --inventory <file>', "inventory file; overrides the policy's `inventory`")
    .action(async (policy: string, opts: { inventory?: string }) => {
      const { validateCommand } = await import('./commands.js');
      process.exitCode = await validateCommand(policy, opts.inventory);
    });

  for (const name of ['plan', 'apply', 'check'] as const) {
    const description = {
      plan: 'show the changes each host needs, proven with sshd -t on the host; changes nothing (exit 0 none, 2 pending, 1 failures)',
      apply: 'change, validate, reload and prove a fresh login on every host, rolling back on failure (exit 0 converged, 1 otherwise)',
      check: 'report drift of files and effective values from the policy (exit 0 in line, 2 drift, 1 errors)',
    }[name];
    const cmd = addRunOptions(program.command(name).description(description));
    if (name === 'apply') cmd.option('--dry-run', 'same as fleet plan');
    cmd.action(async (policy: string, opts: Record<string, unknown>) => {
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
    .option('-i, --inventory <file>', "inventory file; overrides the policy's `inventory`")
    .option('-l, --limit <pattern>', "further limit the hosts (Ansible pattern, intersected with the policy's `hosts`)")
    .option('-f, --forks <n>', 'hosts worked on at once (default: policy rollout.forks, else 50)', positiveInt('--forks'))
    .option('--known-hosts <file>', 'known_hosts file host keys are checked against (default: ~/.ssh/known_hosts)')
    .option('--identity <file>', 'private key to log in with (overrides the inventory)')
    .option('-u, --user <user>', 'remote user (overrides the inventory)')
    .option('--timeout <seconds>', 'connect timeout per host', positiveInt('--timeout'), 10)
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
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'markdown', 'junit']).default('text'))
    .option('-o, --out <file>', 'write the report to a file instead of stdout')
    .action(async (files: string[], opts: { format: 'text' | 'json' | 'markdown' | 'junit'; out?: string }) => {
      const [{ readReports, mergeReports }, { render }, { summaryLine }, { writeAtomic }, { exitCode }, { FleetError }] = await Promise.all([
        import('../report/merge.js'),
        import('../report/index.js'),
        import('../report/text.js'),
        import('./output.js'),
        import('../engine/types.js'),
        import('../core/errors.js'),
      ]);
      let merged;
      try {
        merged = mergeReports(await readReports(files));
      } catch (error) {
        if (!(error instanceof FleetError)) throw error;
        process.stderr.write(`fleet: ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      const text = render(merged, opts.format);
      if (opts.out) await writeAtomic(opts.out, text);
      else process.stdout.write(text);
      if (opts.out || opts.format !== 'text') process.stderr.write(summaryLine(merged) + '\n');
      process.exitCode = exitCode(merged);
    });
  program
    .command('putty')
    .description("print a .reg file that sets PuTTY's keepalive (import it with regedit on Windows)")
    .requiredOption('--interval <seconds>', 'seconds between keepalives (0 turns them off)', (v: string) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a whole number of seconds');
      return Number(v);
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
