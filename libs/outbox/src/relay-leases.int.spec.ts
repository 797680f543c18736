import { testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { appendToOutbox } from './append';
import { OutboxRelay, OutboxRelayOptions } from './relay';
import { shardOf } from './shard';
import { outboxStatus } from './status';
import { consumeTopic, outboxTestDatabase, OutboxTestDatabase, recordingLogger, unpublishedCount } from './test/fixtures';

jest.setTimeout(60_000);

describe('shard leases', () => {
  let db: OutboxTestDatabase;
  const kafka = testKafka('outbox-leases-test');
  const relays: OutboxRelay[] = [];
  const relay = (instanceId: string, options: Partial<OutboxRelayOptions> = {}) => {
    const created = new OutboxRelay({ dataSource: db.dataSource, kafka, instanceId, leaseTtlMs: 2000, logger: recordingLogger(), ...options });
    relays.push(created);
    return created;
  };

  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_leases');
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });
  afterAll(() => db.close());

  it('are shared fairly by two relays, and the survivor takes all when one stops', async () => {
    const a = relay('relay-a');
    const b = relay('relay-b');
    await a.start();
    expect(a.heldShards).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await b.start();
    await waitFor(() => a.heldShards.length === 4 && b.heldShards.length === 4, { what: 'a 4/4 split' });
    expect([...a.heldShards, ...b.heldShards].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const status = await outboxStatus(db.dataSource);
    expect(status.liveRelays).toEqual(['relay-a', 'relay-b']);
    expect(status.shards.filter((s) => s.leaseHolder === 'relay-b').map((s) => s.shard)).toEqual(b.heldShards);

    await b.stop();
    await waitFor(() => a.heldShards.length === 8, { what: 'relay A to take every shard' });
    const after = await outboxStatus(db.dataSource);
    expect(after.shards.every((s) => s.leaseHolder === 'relay-a')).toBe(true);
    expect(after.liveRelays).toEqual(['relay-a']);
  });

  it('a relay whose lease was taken stops publishing that shard', async () => {
    const topic = uniqueName('outbox.leases');
    const consumer = await consumeTopic(kafka, topic);
    const a = relay('relay-a');
    await a.start();
    try {
      const key = 'order-taken-over';
      const shard = shardOf(key);
      // Another instance took the shard over (as after a long pause of relay A).
      await db.dataSource.query(
        `UPDATE outbox_shard_leases SET holder = 'relay-elsewhere', lease_until = now() + interval '1 hour' WHERE shard = $1`,
        [shard],
      );
      await db.dataSource.transaction((manager) =>
        appendToOutbox(manager, [
          { topic, key, value: Buffer.from('stays'), headers: {} },
          { topic, key: otherShardKey(shard), value: Buffer.from('published'), headers: {} },
        ]),
      );
      await waitFor(() => consumer.received.length === 1, { what: 'the event of the shard A still holds' });
      await waitFor(() => !a.heldShards.includes(shard), { what: 'relay A to drop the lost shard' });
      expect(consumer.received[0].value).toBe('published');
      await waitFor(async () => (await unpublishedCount(db.dataSource)) === 1, { what: 'the published event marked' });
      const [waiting] = await db.dataSource.query(`SELECT key FROM outbox WHERE published_at IS NULL`);
      expect(waiting.key).toBe(key);
    } finally {
      await consumer.stop();
      await db.dataSource.query(`UPDATE outbox_shard_leases SET holder = NULL, lease_until = NULL`);
    }
  });

  it('wakes on NOTIFY, and keeps doing so after its LISTEN connection is killed', async () => {
    const topic = uniqueName('outbox.notify');
    const consumer = await consumeTopic(kafka, topic);
    // A poll this long would fail the test: only notifications can deliver in time.
    const a = relay('relay-a', { pollIntervalMs: 600_000 });
    await a.start();
    try {
      await waitFor(() => a.heldShards.length === 8, { what: 'relay A to hold every shard' });
      const append = (value: string) =>
        db.dataSource.transaction((manager) => appendToOutbox(manager, [{ topic, key: value, value: Buffer.from(value), headers: {} }]));
      await append('before');
      await waitFor(() => consumer.received.length === 1, { what: 'the first event' });

      const killed = await db.dataSource.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      expect(killed).toHaveLength(1);
      await waitFor(
        async () =>
          (await db.dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`))
            .length === 1,
        { what: 'the LISTEN connection to come back' },
      );
      await append('after');
      await waitFor(() => consumer.received.length === 2, { what: 'the event appended after the reconnect' });
    } finally {
      await consumer.stop();
    }
  });

  it('refuses to start with a shard count other relays do not use', async () => {
    await expect(relay('relay-odd', { shardCount: 4 }).start()).rejects.toThrow(/configured with 4/);
  });
});

function otherShardKey(shard: number): string {
  for (let i = 0; ; i++) if (shardOf(`order-${i}`) !== shard) return `order-${i}`;
}
