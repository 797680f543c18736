import { testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { Registry } from 'prom-client';
import { appendToOutbox, OutboxRecord } from './append';
import { OutboxRelay } from './relay';
import { shardOf } from './shard';
import { consumeTopic, countingProducers, messagesInTopic, outboxTestDatabase, OutboxTestDatabase, recordingLogger, unpublishedCount } from './test/fixtures';

jest.setTimeout(120_000);

describe('a record the broker refuses for good', () => {
  let db: OutboxTestDatabase;
  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_refused', 12);
  });
  afterAll(() => db.close());

  it('stalls only its own shard: the others keep publishing under load, each event once, on the same producer', async () => {
    const kafka = testKafka('outbox-refused-test');
    const healthyTopic = uniqueName('outbox.healthy');
    const smallTopic = uniqueName('outbox.small');
    const consumer = await consumeTopic(kafka, healthyTopic, 4);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: smallTopic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }],
    });
    await admin.disconnect();

    const stuckKey = 'order-oversized';
    const stuckShard = shardOf(stuckKey);
    const healthyKeys = Array.from({ length: 400 }, (_, i) => `order-${i}`).filter((key) => shardOf(key) !== stuckShard).slice(0, 70);
    const { kafka: counted, created } = countingProducers(kafka);
    const publishedIds: string[] = [];
    const log = recordingLogger();
    const relay = new OutboxRelay({
      dataSource: db.dataSource,
      kafka: counted,
      registry: new Registry(),
      logger: log,
      maxConcurrentShards: 8,
      backoff: { initialDelayMs: 20, maxDelayMs: 100 },
      stallAlertMs: 1500,
      onPublished: (batch) => batch.records.forEach((record) => publishedIds.push(record.headers.ce_id)),
    });
    await relay.start();
    try {
      await db.dataSource.transaction((manager) =>
        appendToOutbox(manager, [{ topic: smallTopic, key: stuckKey, value: Buffer.alloc(4000, 1), headers: { ce_id: 'oversized' } }]),
      );
      // Load on every other shard while the refused record keeps failing: 40 transactions of 70 events.
      let appended = 0;
      for (let round = 0; round < 40; round++) {
        const records: OutboxRecord[] = healthyKeys.map((key) => ({
          topic: healthyTopic,
          key,
          value: Buffer.from(String(round)),
          headers: { ce_id: `${key}-${round}` },
        }));
        await db.dataSource.transaction((manager) => appendToOutbox(manager, records));
        appended += records.length;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await waitFor(async () => (await unpublishedCount(db.dataSource)) === 1, { timeoutMs: 60_000, what: 'every healthy event published' });
      const [waiting] = await db.dataSource.query(`SELECT key FROM outbox WHERE published_at IS NULL`);
      expect(waiting.key).toBe(stuckKey);

      // No healthy batch was rolled back and sent again: each event once on the topic and once in onPublished.
      expect(await messagesInTopic(kafka, healthyTopic)).toBe(appended);
      expect(publishedIds).toHaveLength(appended);
      expect(new Set(publishedIds).size).toBe(appended);
      // The refusal never replaced the producer every shard shares.
      expect(created()).toBe(1);
      await waitFor(() => consumer.received.length === appended, { what: 'every healthy event consumed' });
      for (const key of healthyKeys) {
        const rounds = consumer.received.filter((event) => event.key === key).map((event) => Number(event.value));
        expect(rounds).toEqual(Array.from({ length: 40 }, (_, i) => i));
      }

      // Readiness names the stalled shard, with the reason.
      const health = await waitFor(() => (relay.health().up ? undefined : relay.health()), { what: 'health() to report the stall' });
      expect(health.message).toMatch(new RegExp(`^shard ${stuckShard} has not advanced for \\d+ s, oldest unpublished event \\d+ s old; last error: .+`));
      expect(health.message).not.toMatch(/;\s*shard/);
    } finally {
      await relay.stop();
      await consumer.stop();
      const cleanup = kafka.admin();
      await cleanup.connect();
      await cleanup.deleteTopics({ topics: [smallTopic] }).catch(() => undefined);
      await cleanup.disconnect();
    }
  });
});
