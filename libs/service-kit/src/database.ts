import type { Logger } from '@omnibus/observability';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { databaseNameOf } from './config';

/** TypeORM migration classes: the service's own plus those exported by libs (outbox, inbox). */
export type Migrations = NonNullable<DataSourceOptions['migrations']>;

const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505'; // two instances racing to create the same database

/** Errors worth retrying at start-up: the server is not (yet) there, or still starting. */
export function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', '57P03'].includes(code ?? '') ||
    /timeout expired|Connection terminated/i.test(message ?? '')
  );
}

/** Hides the password of a postgres:// URL for log lines. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * Creates the service's database when it does not exist yet. Connects to the target first, so a
 * role without access to the `postgres` maintenance database works when the database exists.
 */
export async function ensureDatabase(url: string, logger?: Logger): Promise<void> {
  const target = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await target.connect();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== INVALID_CATALOG_NAME) throw error;
  } finally {
    await target.end().catch(() => undefined);
  }
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    const name = databaseNameOf(url);
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    logger?.info({ database: name }, `created database ${name}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw error;
  } finally {
    await admin.end();
  }
}

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so two instances of a service
 * starting together never apply the same migration twice; each migration in its own transaction.
 */
export async function migrate(dataSource: DataSource, logger?: Logger): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext('omnibus:migrations'))`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) logger?.info({ migration: migration.name }, `applied migration ${migration.name}`);
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query(`SELECT pg_advisory_unlock(hashtext('omnibus:migrations'))`).catch(() => undefined);
    await lock.release();
  }
}

/** The connection pool: DATABASE_POOL_SIZE and DATABASE_CONNECT_TIMEOUT_MS (the defaults are the service settings'). */
export interface PoolSettings {
  poolSize: number;
  connectTimeoutMs: number;
}

/** The PostgreSQL options every service uses: its own database, migrations, never synchronize. */
export function postgresOptions(
  service: string,
  url: string,
  migrations: Migrations,
  logger?: Logger,
  pool: PoolSettings = { poolSize: 10, connectTimeoutMs: 3_000 },
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    applicationName: service,
    migrations,
    // Run by migrate() under a lock instead of TypeORM's unguarded migrationsRun.
    migrationsRun: false,
    synchronize: false,
    // pg-pool's connectionTimeoutMillis: the wait for a free pooled connection as well as for a new one.
    connectTimeoutMS: pool.connectTimeoutMs,
    poolSize: pool.poolSize,
    logging: false,
    // A pooled connection dropped by the server (restart, pg_terminate_backend) must not crash
    // the process: the pool discards it and the next query opens a fresh one.
    poolErrorHandler: (error: Error) => logger?.warn({ err: error }, 'database connection lost; the pool will reconnect'),
  };
}
