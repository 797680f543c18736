import { createTestDatabase, TestDatabase } from '@omnibus/testing';
import { DataSource } from 'typeorm';
import { OutboxLogger } from '../logger';
import { outboxMigrations } from '../migrations';

export interface OutboxTestDatabase {
  database: TestDatabase;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** A fresh database with the outbox migrations applied, as a service's DataSource would have it. */
export async function outboxTestDatabase(prefix = 'outbox', poolSize = 10): Promise<OutboxTestDatabase> {
  const database = await createTestDatabase(prefix);
  const dataSource = new DataSource({
    type: 'postgres',
    url: database.url,
    migrations: outboxMigrations,
    synchronize: false,
    extra: { max: poolSize },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    database,
    dataSource,
    async close() {
      await dataSource.destroy().catch(() => undefined);
      await database.drop();
    },
  };
}

/** Collects relay log lines so tests can assert on them and keep the output quiet. */
export function recordingLogger(): OutboxLogger & { lines: Array<{ level: string; message: string; details: object }> } {
  const lines: Array<{ level: string; message: string; details: object }> = [];
  const at = (level: string) => (details: object, message: string) => void lines.push({ level, message, details });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
