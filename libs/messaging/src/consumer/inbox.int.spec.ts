import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@omnibus/testing';
import { inboxMigrations } from '../migrations/inbox-migrations';
import { Inbox, purgeInbox } from './inbox';

describe('the inbox in PostgreSQL', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('inbox');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: inboxMigrations });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('claims new event ids once per consumer group and reports those already handled', async () => {
    const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
    const inventory = new Inbox('inventory');
    expect(await dataSource.transaction((m) => inventory.claim(m, [a, b]))).toEqual(new Set());
    expect(await dataSource.transaction((m) => inventory.claim(m, [b, c]))).toEqual(new Set([b]));
    // Another group has its own inbox.
    expect(await dataSource.transaction((m) => new Inbox('finance-posting').claim(m, [a, b, c]))).toEqual(new Set());
    // A rolled-back claim leaves nothing behind.
    const d = uuidv7();
    await expect(
      dataSource.transaction(async (m) => {
        await inventory.claim(m, [d]);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await dataSource.transaction((m) => inventory.contains(m, d))).toBe(false);
  });

  it('forgets what was handled before the retention, in slices', async () => {
    const old = Array.from({ length: 25 }, () => uuidv7());
    await dataSource.query(
      `INSERT INTO messaging_inbox (consumer_group, event_id, processed_at)
       SELECT 'returns', unnest($1::uuid[]), now() - interval '40 days'`,
      [old],
    );
    const recent = uuidv7();
    await dataSource.transaction((m) => new Inbox('returns').claim(m, [recent]));

    expect(await purgeInbox(dataSource, 35 * 24 * 3600 * 1000, 10)).toBe(25);
    const rows: Array<{ event_id: string }> = await dataSource.query(`SELECT event_id FROM messaging_inbox WHERE consumer_group = 'returns'`);
    expect(rows.map((row) => row.event_id)).toEqual([recent]);
  });
});
