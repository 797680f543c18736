import { randomBytes } from 'node:crypto';
import { Client, ClientConfig } from 'pg';

/** Connection settings for the PostgreSQL server tests use: DATABASE_URL / PG* or the local default. */
export function testServerConfig(database = 'postgres'): ClientConfig {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${database}`;
    return { connectionString: url.toString() };
  }
  return {
    host: process.env.PGHOST ?? '127.0.0.1',
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER ?? 'postgres',
    password: process.env.PGPASSWORD,
    database,
  };
}

export interface TestDatabase {
  name: string;
  /** pg/TypeORM connection settings for the new database. */
  config: ClientConfig;
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database on the real server; `drop()` removes it. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client(testServerConfig());
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const config = testServerConfig(name);
  const url = urlOf(config);
  return {
    name,
    config,
    url,
    async drop() {
      const client = new Client(testServerConfig());
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

function urlOf(config: ClientConfig): string {
  if (config.connectionString) return config.connectionString;
  const auth = config.password ? `${config.user}:${encodeURIComponent(String(config.password))}` : `${config.user}`;
  return `postgres://${auth}@${config.host}:${config.port}/${config.database}`;
}
