import { Command } from 'commander';
import { withOperatorConsole } from '@omnibus/messaging';
import { fail } from '../output';
import { formatTable } from '../table';

export function command(): Command {
  return new Command('lag')
    .description('consumer lag per group, topic and partition (for monitoring, scrape omnibus_consumer_lag from /metrics)')
    .option('--group <ids...>', 'only these consumer groups')
    .option('--topic <topics...>', 'only these topics')
    .action(async (options: { group?: string[]; topic?: string[] }) => {
      try {
        await withOperatorConsole(async (console) => {
          const { value: rows, summary } = await console.lag({ groups: options.group, topics: options.topic });
          process.stdout.write(
            `${formatTable(
              ['group', 'state', 'topic', 'partition', 'committed', 'end', 'lag'],
              rows.map((r) => [r.groupId, r.groupState, r.topic, String(r.partition), r.committed, r.end, String(r.lag)]),
            )}\n${summary}\n`,
          );
        });
      } catch (error) {
        fail(error);
      }
    });
}
