import { Command } from 'commander';
import { databaseUrl, platformContext, postgresServerFromEnv, readUpState, SERVICES } from '@omnibus/infra';
import {
  askOperator,
  deadLetterRetentionMs,
  OperatorConsole,
  ParkedKey,
  ParkedKeyPlan,
  ParkedKeySelection,
  parseOperatorTime,
  withOperatorConsole,
} from '@omnibus/messaging';
import { fail } from '../output';
import { formatTable } from '../table';

interface ServiceOptions {
  service: string;
  databaseUrl?: string;
  group?: string;
}

interface KeyOptions extends ServiceOptions {
  topic?: string;
  wait?: string;
  yes?: boolean;
}

export function command(): Command {
  const parked = new Command('parked').description(
    "keys of a service's sequenced handlers whose events wait behind a failed one: list, show, release, skip (every action is audited)",
  );

  withService(parked.command('list').description('parked keys: group, head event, age, waiting events; ! marks a head near or past the dead-letter retention'))
    .option('--topic <topic>', 'only keys of this topic')
    .option('--key <key>', 'only this key')
    .option('--since <time>', 'parked since (ISO time or an age: 30m, 2h, 7d)')
    .option('--until <time>', 'parked before (ISO time or an age)')
    .option('--json', 'one JSON object per line instead of a table')
    .action((options: ServiceOptions & { topic?: string; key?: string; since?: string; until?: string; json?: boolean }) =>
      withConsole(async (console) => {
        const { value } = await console.listParkedKeys({
          ...selectionOf(options),
          topic: options.topic,
          key: options.key,
          since: options.since ? parseOperatorTime(options.since) : undefined,
          until: options.until ? parseOperatorTime(options.until) : undefined,
        });
        if (options.json) {
          for (const key of value) process.stdout.write(`${JSON.stringify(key)}\n`);
          return;
        }
        process.stdout.write(`${parkedTable(value)}\n${value.length} parked key(s)\n`);
        const atRisk = value.filter((k) => k.retention !== 'ok' && k.headEventId);
        if (atRisk.length > 0) {
          process.stdout.write(
            `! ${atRisk.length} key(s) parked longer than ${days(deadLetterRetentionMs) - 7} days: their head's dead letter leaves the topic after ` +
              `${days(deadLetterRetentionMs)} days and can then no longer be re-driven. Release or skip them now.\n`,
          );
        }
      }),
    );

  withKey(parked.command('show <key>').description("one parked key: its head (and where its failure record is) and the events waiting behind it, in release order"))
    .action((key: string, options: KeyOptions) =>
      withConsole(async (console) => {
        const { value: plan } = await console.showParkedKey({ ...selectionOf(options), key, topic: options.topic });
        process.stdout.write(`${describePlan(plan)}\n`);
      }),
    );

  withKey(
    parked
      .command('release <key>')
      .description('retry the head now (re-driven to the group, due at once); when it succeeds the service releases the waiting events in order'),
  )
    .option('--yes', 'do not ask for confirmation')
    .action((key: string, options: KeyOptions) =>
      withConsole(async (console) => {
        const report = await console.releaseParkedKey({ ...selectionOf(options), key, topic: options.topic, waitMs: waitMsOf(options) }, async (plan) => {
          process.stdout.write(`${describePlan(plan)}\n`);
          return askOperator(`Re-drive the head of ${plan.parked.key} now?`, { yes: options.yes });
        });
        process.stdout.write(`${report.summary}\n`);
        if (report.outcome !== 'succeeded') process.exitCode = 1;
      }),
    );

  withKey(
    parked
      .command('skip <key>')
      .description('drop the head for good (its dead letter is marked skipped, it will never run) and release the waiting events in order'),
  )
    .option('--yes', 'do not ask for confirmation')
    .action((key: string, options: KeyOptions) =>
      withConsole(async (console) => {
        const report = await console.skipParkedHead({ ...selectionOf(options), key, topic: options.topic, waitMs: waitMsOf(options) }, async (plan) => {
          process.stdout.write(`${describePlan(plan)}\n`);
          return askOperator(`Drop the head ${plan.parked.headEventId} of ${plan.parked.key} for good and release the ${plan.parked.waiting} event(s) behind it?`, {
            yes: options.yes,
          });
        });
        process.stdout.write(`${report.summary}\n`);
        if (report.outcome !== 'succeeded') process.exitCode = 1;
      }),
    );
  return parked;
}

function withService(command: Command): Command {
  return command
    .requiredOption('--service <name>', 'the service (its database, <name>.dlq and <name>.retry)')
    .option('--database-url <url>', "the service's database by URL instead of the platform's (e.g. a production one)")
    .option('--group <id>', 'the consumer group (default: the service name)');
}

function withKey(command: Command): Command {
  return withService(command)
    .option('--topic <topic>', 'the topic, when the key is parked on several')
    .option('--wait <seconds>', 'wait up to this long for the service to work through the key');
}

function selectionOf(options: ServiceOptions): ParkedKeySelection {
  return { service: options.service, databaseUrl: options.databaseUrl ?? serviceDatabaseUrl(options.service), group: options.group };
}

function serviceDatabaseUrl(service: string): string {
  const ctx = platformContext();
  const server = readUpState(ctx).postgres?.server ?? postgresServerFromEnv(ctx.env);
  const definition = SERVICES.find((s) => s.name === service && s.database);
  if (!definition) {
    const known = SERVICES.filter((s) => s.database).map((s) => s.name).join(', ');
    throw new Error(`no service with a database named ${service} (known: ${known}); or pass --database-url`);
  }
  return databaseUrl(server, definition.database!);
}

function waitMsOf(options: KeyOptions): number | undefined {
  if (options.wait === undefined) return undefined;
  const seconds = Number(options.wait);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--wait ${options.wait} is not a number of seconds`);
  return seconds * 1000;
}

function parkedTable(keys: ParkedKey[]): string {
  return formatTable(
    ['', 'group', 'topic', 'key', 'head event', 'parked at', 'age', 'waiting'],
    keys.map((k) => [
      k.retention !== 'ok' && k.headEventId ? '!' : '',
      k.consumerGroup,
      k.topic,
      k.key,
      k.headEventId ?? '(releasing)',
      k.parkedAt.toISOString(),
      age(k.ageMs),
      String(k.waiting),
    ]),
  );
}

function describePlan({ parked, queue, head }: ParkedKeyPlan): string {
  const headLine = !parked.headEventId
    ? '(none: the waiting events are being released)'
    : head
      ? `${parked.headEventId} ${head.record.eventType ?? '?'}, ${head.from === 'dead-letter' ? 'dead letter' : 'waiting for its retry round in'} ${head.record.deadLetterTopic} ${head.record.id}: ${head.record.errorClass}: ${head.record.errorMessage}`
      : `${parked.headEventId} (no failure record left on the dead-letter or retry topic: only skip can move this key)`;
  const rows = [
    ['key', `${parked.key} of ${parked.topic}`],
    ['group', parked.consumerGroup],
    ['parked', `${parked.parkedAt.toISOString()} (${age(parked.ageMs)} ago)${parked.retention !== 'ok' ? `  ! ${parked.retention}: near or past the dead-letter retention` : ''}`],
    ['head', headLine],
    ['waiting', String(parked.waiting)],
  ];
  const table = formatTable(
    ['#', 'event id', 'event type', 'origin', 'parked at'],
    queue.map((event, i) => [String(i + 1), event.eventId, event.eventType.split('.').pop() ?? '?', `${event.partition}:${event.offset}`, event.parkedAt.toISOString()]),
  );
  const more = parked.waiting > queue.length ? `\n… and ${parked.waiting - queue.length} more` : '';
  return `${rows.map(([name, value]) => `${name.padEnd(8)} ${value}`).join('\n')}\n\n${table}${more}`;
}

function age(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)}h`;
  return `${Math.round(ms / 86_400_000)}d`;
}

function days(ms: number): number {
  return Math.round(ms / 86_400_000);
}

async function withConsole(work: (console: OperatorConsole) => Promise<void>): Promise<void> {
  try {
    await withOperatorConsole(work);
  } catch (error) {
    fail(error);
  }
}
