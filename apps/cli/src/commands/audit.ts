import { Command } from 'commander';
import { parseOperatorTime, withOperatorConsole } from '@omnibus/messaging';
import { fail } from '../output';
import { formatTable } from '../table';

export function command(): Command {
  return new Command('audit')
    .description('the audit trail of operator actions (dlq, replay, lag), newest first')
    .option('--since <time>', 'since (ISO time or an age: 30m, 2h, 7d)')
    .option('--action <name>', 'only this action, e.g. dlq.redrive, replay')
    .option('--operator <name>', 'only this operator')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (options: { since?: string; action?: string; operator?: string; limit: string }) => {
      try {
        await withOperatorConsole(async (console) => {
          const entries = await console.auditLog({
            since: options.since ? parseOperatorTime(options.since) : undefined,
            action: options.action,
            operator: options.operator,
            limit: Number(options.limit),
          });
          process.stdout.write(
            `${formatTable(
              ['id', 'when', 'operator', 'action', 'outcome', 'summary'],
              entries.map((e) => [e.id, e.startedAt.toISOString(), e.operator, e.action, e.outcome, e.summary.slice(0, 120)]),
            )}\n`,
          );
        });
      } catch (error) {
        fail(error);
      }
    });
}
