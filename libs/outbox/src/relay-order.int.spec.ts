import { testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { appendToOutbox, OutboxRecord } from './append';
import { OutboxRelay, OutboxRelayOptions } from './relay';
import { consumeTopic, messagesInTopic, outboxTestDatabase, OutboxTestDatabase, recordingLogger, unpublishedCount } from './test/fixtures';

jest.setTimeout(60_000);

const WRITERS = 4;
const KEYS = 60;
const EVENTS_PER_KEY = 40;
const TOTAL = KEYS * EVENTS_PER_KEY;

describe('per-key order with several relays', () => {
  let db: OutboxTestDatabase;
  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_order', 16);
    // The aggregate each writer updates in the transaction that appends its event (as services do).
    await db.dataSource.query(`CREATE TABLE stock_level (sku text PRIMARY KEY, version int NOT NULL DEFAULT 0)`);
    await db.dataSource.query(`INSERT INTO stock_level (sku) SELECT 'sku-' || i FROM generate_series(0, ${KEYS - 1}) i`);
  });
  afterAll(() => db.close());

  let topic: string;

  /**
   * Every writer updates every SKU, concurrently with the others: each transaction bumps the version
   * of a few SKUs (which row-locks them, in a fixed order so writers never deadlock) and appends one
   * event per bump carrying the new version. So events of one SKU come from different writers, and
   * their order is the order in which the writers' transactions got the SKU's row lock.
   */
  async function write(writer: number, eventsPerKey: number): Promise<void> {
    const left = new Map<string, number>();
    for (let i = 0; i < KEYS; i++) left.set(`sku-${i}`, eventsPerKey);
    for (let round = 0; left.size > 0; round++) {
      const keys = [...left.keys()];
      const offset = (round * 7 + writer * 13) % keys.length;
      const chosen = [...keys.slice(offset), ...keys.slice(0, offset)].slice(0, 4).sort();
      await db.dataSource.transaction(async (manager) => {
        const records: OutboxRecord[] = [];
        for (const key of chosen) {
          const [[{ version }]] = await manager.query(`UPDATE stock_level SET version = version + 1 WHERE sku = $1 RETURNING version`, [key]);
          records.push({ topic, key, value: Buffer.from(String(version)), headers: { ce_id: `${key}-${version}` } });
          const remaining = left.get(key)! - 1;
          if (remaining === 0) left.delete(key);
          else left.set(key, remaining);
        }
        await appendToOutbox(manager, records);
      });
    }
  }

  const writeAll = (eventsPerKeyEach: number) =>
    Promise.all(Array.from({ length: WRITERS }, (_, writer) => write(writer, eventsPerKeyEach)));

  it('publishes a backlog committed before any relay ran in append order, batch after batch', async () => {
    const kafka = testKafka('outbox-order-backlog-test');
    topic = uniqueName('outbox.backlog');
    const consumer = await consumeTopic(kafka, topic, 4);
    // The whole backlog is there before the relay starts, so every batch is full and several
    // batches of one shard follow each other: taking rows in any other order than by id shows.
    const backlogKeys = 8;
    const perKey = 30;
    for (let version = 1; version <= perKey; version++) {
      await db.dataSource.transaction((manager) =>
        appendToOutbox(
          manager,
          Array.from({ length: backlogKeys }, (_, k) => ({ topic, key: `backlog-${k}`, value: Buffer.from(String(version)), headers: { ce_id: `backlog-${k}-${version}` } })),
        ),
      );
    }
    const relay = new OutboxRelay({ dataSource: db.dataSource, kafka, instanceId: 'relay-backlog', batchSize: 7, logger: recordingLogger() });
    await relay.start();
    try {
      await waitFor(() => consumer.received.length >= backlogKeys * perKey, { what: 'the backlog consumed' });
    } finally {
      await relay.stop();
      await consumer.stop();
    }
    const sequences = new Map<string, number[]>();
    for (const event of consumer.received) sequences.set(event.key, [...(sequences.get(event.key) ?? []), Number(event.value)]);
    expect(sequences.size).toBe(backlogKeys);
    for (const [, seqs] of sequences) expect(seqs).toEqual(Array.from({ length: perKey }, (_, i) => i + 1));
  });

  it('keeps every SKU\'s events in order, written concurrently by several writers, with two relays running, one of them replaced mid-stream', async () => {
    const kafka = testKafka('outbox-order-test');
    topic = uniqueName('outbox.order');
    const consumer = await consumeTopic(kafka, topic, 4);
    const publishedBy = new Map<string, number>();
    const relay = (instanceId: string) => {
      const options: OutboxRelayOptions = {
        dataSource: db.dataSource,
        kafka,
        instanceId,
        // Small batches, so a backlog spans several of them and batch order matters too.
        batchSize: 10,
        // A generous send deadline: a loaded machine must not turn slow acks into republished (counted) events.
        leaseTtlMs: 6000,
        sendTimeoutMs: 3000,
        logger: recordingLogger(),
        onPublished: (batch) => publishedBy.set(instanceId, (publishedBy.get(instanceId) ?? 0) + batch.records.length),
      };
      return new OutboxRelay(options);
    };
    const a = relay('relay-a');
    const b = relay('relay-b');
    const c = relay('relay-c');
    await Promise.all([a.start(), b.start()]);
    try {
      const firstHalf = writeAll(EVENTS_PER_KEY / WRITERS / 2);
      await waitFor(() => (publishedBy.get('relay-a') ?? 0) > 0 && (publishedBy.get('relay-b') ?? 0) > 0, {
        what: 'both relays to publish',
      });
      // Relay A leaves mid-stream (gracefully); C joins and must take half the shards from B.
      await a.stop();
      await c.start();
      await firstHalf;
      await waitFor(() => b.heldShards.length === 4 && c.heldShards.length === 4, { what: 'B and C to share the shards' });
      await writeAll(EVENTS_PER_KEY / WRITERS / 2);
      await waitFor(async () => (await unpublishedCount(db.dataSource)) === 0, { timeoutMs: 30_000, what: 'an empty outbox' });
      expect(await messagesInTopic(kafka, topic)).toBe(TOTAL);
      await waitFor(() => consumer.received.length === TOTAL, { what: 'every event consumed' });
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
      await consumer.stop();
    }
    expect(publishedBy.get('relay-c')).toBeGreaterThan(0);
    const sequences = new Map<string, number[]>();
    for (const event of consumer.received) {
      const seqs = sequences.get(event.key) ?? [];
      seqs.push(Number(event.value));
      sequences.set(event.key, seqs);
    }
    const expected = Array.from({ length: EVENTS_PER_KEY }, (_, i) => i + 1);
    expect(sequences.size).toBe(KEYS);
    for (const [, seqs] of sequences) expect(seqs).toEqual(expected);
  });
});
