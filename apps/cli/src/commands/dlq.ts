import { Command } from 'commander';
import {
  askOperator,
  DeadLetter,
  DeadLetterSelection,
  OperatorConsole,
  parseOperatorTime,
  withOperatorConsole,
} from '@omnibus/messaging';
import { fail } from '../output';
import { formatTable } from '../table';

interface SelectionOptions {
  service?: string;
  dlqTopic?: string;
  topic?: string;
  group?: string;
  key?: string;
  error?: string;
  since?: string;
  until?: string;
  includeRedriven?: boolean;
}

export function command(): Command {
  const dlq = new Command('dlq').description("a service's dead letters: list, show, re-drive (every action is audited)");

  withSelection(dlq.command('list').description('dead letters still waiting (or all with --include-redriven)'))
    .option('--json', 'one JSON object per line instead of a table')
    .option('--limit <n>', 'stop after this many matches (the topic is streamed partition by partition)', '200')
    .action((options: SelectionOptions & { json?: boolean; limit: string }) =>
      withConsole(async (console) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit <= 0) throw new Error(`--limit ${options.limit} is not a positive whole number`);
        const { value, truncated } = await console.listDeadLetters({ ...selectionOf(options), limit });
        if (options.json) {
          for (const dl of value) process.stdout.write(`${JSON.stringify(summaryOf(dl))}\n`);
          return;
        }
        const more = truncated ? ` (stopped at --limit ${limit}: more match; narrow the filters or raise the limit)` : '';
        process.stdout.write(`${deadLetterTable(value)}\n${value.length} dead letter(s)${more}\n`);
      }),
    );

  dlq
    .command('show <id>')
    .description('one dead letter (id = <partition>:<offset> from dlq list): failure, origin, envelope headers')
    .option('--service <name>', 'the service whose dead letters to read (<name>.dlq)')
    .option('--dlq-topic <topic>', 'a dead-letter topic by name')
    .action((id: string, options: { service?: string; dlqTopic?: string }) =>
      withConsole(async (console) => {
        const { value: dl } = await console.showDeadLetter({ service: options.service, deadLetterTopic: options.dlqTopic, id });
        const rows = [
          ['dead letter', `${dl.deadLetterTopic} ${dl.id}`],
          ['event', `${dl.eventType ?? '?'} ${dl.eventId ?? '?'}`],
          ['key', dl.key ?? '(none)'],
          ['origin', `${dl.originalTopic} partition ${dl.originalPartition} offset ${dl.originalOffset}`],
          ['consumer group', dl.consumerGroup],
          ['error', `${dl.errorKind} ${dl.errorClass}: ${dl.errorMessage}`],
          ['attempts', String(dl.attempts)],
          ['failures', `first ${dl.firstFailureAt ?? '?'}, last ${dl.lastFailureAt ?? '?'}`],
          ['dead-lettered', dl.deadLetteredAt.toISOString()],
          ['sequenced', dl.sequenced ? 'yes: later events of this key wait parked in the service database' : 'no'],
          ['re-driven', dl.redriven ? `${redrivenState(dl)} ${dl.redriven.at.toISOString()} by ${dl.redriven.by}` : 'no'],
          ['value', dl.value ? `${dl.value.length} bytes` : '(none)'],
        ];
        process.stdout.write(`${rows.map(([name, value]) => `${name.padEnd(15)} ${value}`).join('\n')}\n\nheaders\n`);
        for (const [name, value] of Object.entries(dl.headers).sort()) process.stdout.write(`  ${name}: ${value}\n`);
      }),
    );

  withSelection(
    dlq
      .command('redrive')
      .description("send dead letters back to their consumer group (through the service's retry topic) once the cause is fixed"),
  )
    .option('--id <ids...>', 'dead letters by id (<partition>:<offset>)')
    .option('--all', 'every dead letter still waiting (or matching the filters)')
    .option('--yes', 'do not ask for confirmation')
    .action((options: SelectionOptions & { id?: string[]; all?: boolean; yes?: boolean }) =>
      withConsole(async (console) => {
        const report = await console.redrive({ ...selectionOf(options), ids: options.id, all: options.all }, async (plan) => {
          process.stdout.write(`${deadLetterTable(plan.deadLetters)}\n`);
          const targets = [...new Set(plan.deadLetters.map((dl) => `${dl.retryTopic} (group ${dl.consumerGroup})`))].join(', ');
          return askOperator(`Re-drive these ${plan.deadLetters.length} dead letter(s) to ${targets}?`, { yes: options.yes });
        });
        process.stdout.write(`${report.summary}\n`);
        if (report.outcome !== 'succeeded' || (report.value.refused?.length ?? 0) > 0) process.exitCode = 1;
      }),
    );
  return dlq;
}

function withSelection(command: Command): Command {
  return command
    .option('--service <name>', 'the service whose dead letters to read (<name>.dlq)')
    .option('--dlq-topic <topic>', 'a dead-letter topic by name')
    .option('--topic <topic>', 'only events of this original topic')
    .option('--group <id>', 'only this consumer group')
    .option('--key <key>', 'only this key (aggregate id)')
    .option('--error <text>', 'only errors whose class or message contains this')
    .option('--since <time>', 'dead-lettered since (ISO time or an age: 30m, 2h, 7d)')
    .option('--until <time>', 'dead-lettered before (ISO time or an age)')
    .option('--include-redriven', 'also those already re-driven');
}

function selectionOf(options: SelectionOptions): DeadLetterSelection {
  return {
    service: options.service,
    deadLetterTopic: options.dlqTopic,
    topic: options.topic,
    group: options.group,
    key: options.key,
    error: options.error,
    since: options.since ? parseOperatorTime(options.since) : undefined,
    until: options.until ? parseOperatorTime(options.until) : undefined,
    includeRedriven: options.includeRedriven,
  };
}

function deadLetterTable(deadLetters: DeadLetter[]): string {
  return formatTable(
    ['id', 'dead-lettered', 'group', 'topic', 'key', 'event type', 'attempts', 'error', 're-driven'],
    deadLetters.map((dl) => [
      dl.id,
      dl.deadLetteredAt.toISOString(),
      dl.consumerGroup,
      dl.originalTopic,
      dl.key ?? '',
      dl.eventType?.split('.').pop() ?? '?',
      String(dl.attempts),
      `${dl.errorClass}: ${dl.errorMessage}`.slice(0, 80),
      dl.redriven ? `${redrivenState(dl)} ${dl.redriven.at.toISOString()}` : '',
    ]),
  );
}

/** done: re-driven; pending: a re-drive that did not finish (re-drive again); skipped: dropped by `parked skip`. */
function redrivenState(dl: DeadLetter): string {
  const state = dl.redriven?.state ?? 'done';
  return state === 'done' ? 're-driven' : state;
}

function summaryOf(dl: DeadLetter) {
  const { value: _value, headers: _headers, ...rest } = dl;
  return rest;
}

async function withConsole(work: (console: OperatorConsole) => Promise<void>): Promise<void> {
  try {
    await withOperatorConsole(work);
  } catch (error) {
    fail(error);
  }
}
