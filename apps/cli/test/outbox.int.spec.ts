import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { appendToOutbox, outboxMigrations, shardOf } from '@omnibus/outbox';
import { createTestDatabase, TestDatabase } from '@omnibus/testing';
import { DataSource } from 'typeorm';

jest.setTimeout(60_000);

const bin = path.resolve(__dirname, '..', '..', '..', 'bin', 'omnibus');

async function omnibus(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(bin, args);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('omnibus outbox status', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('cli_outbox');
    dataSource = new DataSource({ type: 'postgres', url: database.url, migrations: outboxMigrations });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.transaction((manager) =>
      appendToOutbox(manager, ['order-1', 'order-2', 'order-3'].map((key) => ({ topic: 'retail.orders', key, value: Buffer.from(key), headers: {} }))),
    );
    await dataSource.query(`UPDATE outbox SET created_at = now() - interval '90 seconds'`);
    await dataSource.query(`INSERT INTO outbox_shard_leases (shard, holder, lease_until) SELECT s, 'order-7f9c', now() + interval '1 minute' FROM generate_series(0, 7) s`);
    await dataSource.query(`INSERT INTO outbox_relays (instance_id, alive_until) VALUES ('order-7f9c', now() + interval '1 minute')`);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('shows the backlog, the age of the oldest event, the relays and each shard\'s lease', async () => {
    const { code, stdout, stderr } = await omnibus(['outbox', 'status', '--database-url', database.url, '--shards']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`${database.name}\\s+${database.name}\\s+yes\\s+3\\s+(9\\d|1\\d\\d)\\.\\d s\\s+8/8\\s+order-7f9c`));
    const shard = shardOf('order-1');
    expect(stdout).toMatch(new RegExp(`^${database.name}\\s+${shard}\\s+order-7f9c\\s+in \\d+\\.\\d s\\s+[1-3]$`, 'm'));
  });

  it('exits 1 when an event waits longer than --max-age, for alerts', async () => {
    const { code, stderr } = await omnibus(['outbox', 'status', '--database-url', database.url, '--max-age', '60']);
    expect(code).toBe(1);
    expect(stderr).toBe(`omnibus: unpublished events older than 60 s in: ${database.name}\n`);
    expect((await omnibus(['outbox', 'status', '--database-url', database.url, '--max-age', '3600'])).code).toBe(0);
  });

  it('prints JSON for scripts', async () => {
    const { stdout } = await omnibus(['outbox', 'status', '--database-url', database.url, '--json']);
    const [outbox] = JSON.parse(stdout);
    expect(outbox.status.backlog).toBe(3);
    expect(outbox.status.shards).toHaveLength(8);
  });
});
