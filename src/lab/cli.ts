#!/usr/bin/env node
/**
 * The lab from a shell: `node dist/lab/cli.js start --count N --dir D` leaves N hosts running
 * and prints the inventory path; `node dist/lab/cli.js stop --dir D` stops them.
 */
import { Command, InvalidArgumentError } from 'commander';
import { SHAPE_NAMES, startLab, stopLabDir } from './index.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

const program = new Command('fleet-lab').description('real-sshd test hosts on 127.0.1.x, each in its own mount namespace');

program
  .command('start')
  .description('start hosts and leave them running; writes <dir>/lab.json and prints the inventory path')
  .requiredOption('--count <n>', 'number of hosts', positiveInt)
  .requiredOption('--dir <dir>', 'lab directory (created; must not already hold a lab)')
  .option('--shapes <list>', `comma-separated shapes, cycled (${SHAPE_NAMES.join(', ')})`, list)
  .option('--prefix <prefix>', 'host name prefix', 'lab')
  .option('--users <list>', 'extra POSIX users with a home and the client key on every host', list)
  .action(async (o: { count: number; dir: string; shapes?: string[]; prefix: string; users?: string[] }) => {
    const began = Date.now();
    const lab = await startLab({
      count: o.count,
      dir: o.dir,
      namePrefix: o.prefix,
      keepDir: true,
      persist: true,
      ...(o.shapes ? { shapes: o.shapes } : {}),
      ...(o.users ? { users: o.users } : {}),
    });
    process.stderr.write(`started ${lab.hosts.length} hosts in ${Date.now() - began} ms (${lab.dir}/lab.json)\n`);
    process.stdout.write(`${lab.inventory}\n`);
  });

program
  .command('stop')
  .description('stop every host of the lab in <dir> and remove the directory')
  .requiredOption('--dir <dir>', 'lab directory')
  .option('--keep-dir', 'leave the directory in place')
  .action(async (o: { dir: string; keepDir?: boolean }) => {
    const record = await stopLabDir(o.dir, { keepDir: o.keepDir ?? false });
    process.stderr.write(`stopped ${record.hosts.length} hosts\n`);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`fleet-lab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
