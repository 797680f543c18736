import { Command } from 'commander';
import { askOperator, describeTarget, parseOperatorTime, ReplayTarget, withOperatorConsole } from '@omnibus/messaging';
import { fail } from '../output';
import { formatTable } from '../table';

interface ReplayOptions {
  group: string;
  topic?: string[];
  toTime?: string;
  toOffset?: string;
  partition?: string;
  toBeginning?: boolean;
  toEnd?: boolean;
  wait?: string;
  yes?: boolean;
}

export function command(): Command {
  return new Command('replay')
    .description(
      'rewind a consumer group to a time, an offset or the beginning, so its events are delivered again ' +
        '(its inbox makes that harmless). The group must be stopped: stop the service first, or use --wait.',
    )
    .requiredOption('--group <id>', 'the consumer group (usually the service name)')
    .option('--topic <topics...>', 'only these topics (default: all the group consumes, retry topics excepted)')
    .option('--to-time <time>', 'first record at or after this time (ISO time or an age: 30m, 2h, 7d)')
    .option('--to-offset <offset>', 'this offset (of every partition, or of --partition)')
    .option('--partition <n>', 'with --to-offset: only this partition')
    .option('--to-beginning', 'the earliest retained record')
    .option('--to-end', 'skip everything not yet consumed')
    .option('--wait <seconds>', 'wait up to this long for the group to become idle (while you stop the service)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (options: ReplayOptions) => {
      try {
        const target = targetOf(options);
        await withOperatorConsole(async (console) => {
          const report = await console.replay(
            {
              groupId: options.group,
              topics: options.topic,
              target,
              waitMs: options.wait ? Number(options.wait) * 1000 : undefined,
            },
            async (plan) => {
              process.stdout.write(
                `${formatTable(
                  ['topic', 'partition', 'committed', 'new offset', 'delivered again'],
                  plan.moves.map((m) => [m.topic, String(m.partition), m.current, m.target, String(m.redelivered)]),
                )}\n`,
              );
              return askOperator(`Move consumer group ${plan.groupId} to ${describeTarget(plan.target)}?`, { yes: options.yes });
            },
            (blocker) => process.stdout.write(`${blocker}\nwaiting up to ${options.wait} s for the group to become idle…\n`),
          );
          process.stdout.write(`${report.summary}\n`);
          if (report.outcome !== 'succeeded') process.exitCode = 1;
        });
      } catch (error) {
        fail(error);
      }
    });
}

function targetOf(options: ReplayOptions): ReplayTarget {
  const chosen = [options.toTime, options.toOffset, options.toBeginning, options.toEnd].filter((v) => v !== undefined);
  if (chosen.length !== 1) throw new Error('say where to: exactly one of --to-time, --to-offset, --to-beginning, --to-end');
  if (options.toTime) return { kind: 'time', at: parseOperatorTime(options.toTime) };
  if (options.toOffset) {
    if (!/^\d+$/.test(options.toOffset)) throw new Error(`--to-offset ${options.toOffset} is not an offset`);
    return { kind: 'offset', offset: options.toOffset, partition: options.partition !== undefined ? Number(options.partition) : undefined };
  }
  return options.toBeginning ? { kind: 'earliest' } : { kind: 'latest' };
}
