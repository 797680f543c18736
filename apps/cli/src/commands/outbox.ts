import { Command } from 'commander';
import { databaseUrl, platformContext, postgresServerFromEnv, readUpState, SERVICES } from '@omnibus/infra';
import { outboxStatus, OutboxStatus } from '@omnibus/outbox';
import { DataSource } from 'typeorm';
import { fail } from '../output';
import { formatTable } from '../table';

interface StatusOptions {
  service?: string[];
  databaseUrl?: string;
  shards?: boolean;
  json?: boolean;
  maxAge?: string;
}

interface ServiceOutbox {
  service: string;
  database: string;
  /** Null when the database or its outbox does not exist (yet). */
  status: OutboxStatus | null;
  problem?: string;
}

export function command(): Command {
  const outbox = new Command('outbox').description('transactional outboxes of the services');
  outbox
    .command('status')
    .description('unpublished events, the age of the oldest, and which relay holds each shard')
    .option('--service <names...>', 'only these services (default: every service with a database)')
    .option('--database-url <url>', 'one database by URL instead (e.g. a production replica)')
    .option('--shards', 'also list every shard: lease holder, lease expiry and backlog')
    .option('--json', 'print JSON instead of tables')
    .option('--max-age <seconds>', 'exit 1 if an unpublished event is older than this (for scripts and alerts)')
    .action(async (options: StatusOptions) => {
      try {
        const outboxes = await Promise.all(targets(options).map(({ service, database, url }) => readOutbox(service, database, url)));
        if (options.json) process.stdout.write(`${JSON.stringify(outboxes, null, 2)}\n`);
        else process.stdout.write(`${render(outboxes, options.shards === true)}\n`);
        const maxAgeMs = options.maxAge === undefined ? undefined : seconds(options.maxAge) * 1000;
        const stale = outboxes.filter((o) => maxAgeMs !== undefined && (o.status?.oldestUnpublishedAgeMs ?? 0) > maxAgeMs);
        if (stale.length > 0) {
          fail(new Error(`unpublished events older than ${options.maxAge} s in: ${stale.map((o) => o.service).join(', ')}`));
        }
      } catch (error) {
        fail(error);
      }
    });
  return outbox;
}

function targets(options: StatusOptions): Array<{ service: string; database: string; url: string }> {
  if (options.databaseUrl) {
    const database = decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1));
    return [{ service: database, database, url: options.databaseUrl }];
  }
  const ctx = platformContext();
  const server = readUpState(ctx).postgres?.server ?? postgresServerFromEnv(ctx.env);
  const withDatabase = SERVICES.filter((s) => s.database);
  const unknown = (options.service ?? []).filter((name) => !withDatabase.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(`no service with a database named ${unknown.join(', ')} (known: ${withDatabase.map((s) => s.name).join(', ')})`);
  }
  return withDatabase
    .filter((s) => !options.service || options.service.includes(s.name))
    .map((s) => ({ service: s.name, database: s.database!, url: databaseUrl(server, s.database!) }));
}

async function readOutbox(service: string, database: string, url: string): Promise<ServiceOutbox> {
  const dataSource = new DataSource({ type: 'postgres', url, extra: { max: 2, connectionTimeoutMillis: 3000 } });
  try {
    await dataSource.initialize();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/database .* does not exist/.test(message)) return { service, database, status: null, problem: 'no database yet' };
    throw new Error(`${service}: cannot reach database ${database}: ${message}`);
  }
  try {
    return { service, database, status: await outboxStatus(dataSource) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/relation "outbox\w*" does not exist/.test(message)) return { service, database, status: null, problem: 'no tables (migrations not run)' };
    throw new Error(`${service}: ${message}`);
  } finally {
    await dataSource.destroy();
  }
}

function render(outboxes: ServiceOutbox[], withShards: boolean): string {
  const summary = formatTable(
    ['service', 'database', 'outbox', 'backlog', 'oldest unpublished', 'shards leased', 'relays'],
    outboxes.map(({ service, database, status, problem }) =>
      status
        ? [
            service,
            database,
            'yes',
            String(status.backlog),
            status.oldestUnpublishedAgeMs === null ? '-' : duration(status.oldestUnpublishedAgeMs),
            `${status.shards.filter((s) => leaseIsLive(s.leaseUntil)).length}/${status.shards.length}`,
            status.liveRelays.length === 0 ? 'none' : status.liveRelays.join(', '),
          ]
        : [service, database, problem ?? 'no', '-', '-', '-', '-'],
    ),
  );
  if (!withShards) return summary;
  const rows = outboxes.flatMap(({ service, status }) =>
    (status?.shards ?? []).map((s) => [
      service,
      String(s.shard),
      s.leaseHolder ?? '-',
      s.leaseUntil === null ? '-' : leaseIsLive(s.leaseUntil) ? `in ${duration(s.leaseUntil.getTime() - Date.now())}` : 'expired',
      String(s.backlog),
    ]),
  );
  return `${summary}\n\n${formatTable(['service', 'shard', 'lease holder', 'lease expires', 'backlog'], rows)}`;
}

function leaseIsLive(until: Date | null): boolean {
  return until !== null && until.getTime() > Date.now();
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 2 * 3600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3600_000).toFixed(1)} h`;
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--max-age must be a number of seconds, got "${value}"`);
  return parsed;
}
