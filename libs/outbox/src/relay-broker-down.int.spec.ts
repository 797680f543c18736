import { createServer } from 'node:net';
import { createTestTopics, testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { appendToOutbox } from './append';
import { OutboxRelay } from './relay';
import { shardOf } from './shard';
import { outboxStatus } from './status';
import { consumeTopic, countingProducers, messagesInTopic, outboxTestDatabase, OutboxTestDatabase, recordingLogger, unpublishedCount } from './test/fixtures';

jest.setTimeout(60_000);

/** A Kafka client for a port where nothing listens: every connect is refused. */
async function unreachableKafka(): Promise<Kafka> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return new Kafka({
    clientId: 'outbox-unreachable',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 300,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
  });
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await registry.getMetricsAsJSON()).flatMap((metric: any) =>
    metric.values.map((v: any) => ({ ...v, metricName: v.metricName ?? metric.name })),
  );
  const value = values.find(
    (v: any) => v.metricName === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return value?.value ?? 0;
}

describe('the broker unreachable', () => {
  let db: OutboxTestDatabase;
  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_broker_down');
  });
  afterAll(() => db.close());

  it('keeps events in the outbox without crashing, and a relay with the broker publishes them', async () => {
    const topic = uniqueName('outbox.down');
    const kafka = testKafka('outbox-broker-down-test');
    const consumer = await consumeTopic(kafka, topic, 2);
    const registry = new Registry();
    const downLog = recordingLogger();
    const down = new OutboxRelay({
      dataSource: db.dataSource,
      kafka: await unreachableKafka(),
      instanceId: 'relay-without-broker',
      registry,
      logger: downLog,
      metricsIntervalMs: 50,
      backoff: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    await down.start();
    try {
      await db.dataSource.transaction((manager) =>
        appendToOutbox(
          manager,
          Array.from({ length: 20 }, (_, i) => ({ topic, key: `sku-${i}`, value: Buffer.from(String(i)), headers: {} })),
        ),
      );
      await waitFor(async () => (await metricValue(registry, 'outbox_publish_failures_total')) >= 5, { what: 'repeated publish failures' });
      await waitFor(async () => (await metricValue(registry, 'outbox_backlog')) === 20, { what: 'the backlog gauge' });
      expect(await unpublishedCount(db.dataSource)).toBe(20);
      expect(down.heldShards).toHaveLength(8);
      // Logged once when the state changed, not once per failed attempt.
      expect(downLog.lines.filter((line) => /cannot publish to Kafka/.test(line.message))).toHaveLength(1);
      const status = await outboxStatus(db.dataSource);
      expect(status.backlog).toBe(20);
      expect(status.oldestUnpublishedAgeMs).toBeGreaterThanOrEqual(0);
      expect(new Set(status.shards.map((s) => s.leaseHolder))).toEqual(new Set(['relay-without-broker']));
    } finally {
      await down.stop();
    }

    const upLog = recordingLogger();
    const up = new OutboxRelay({ dataSource: db.dataSource, kafka, instanceId: 'relay-with-broker', registry, logger: upLog });
    await up.start();
    try {
      await waitFor(async () => (await unpublishedCount(db.dataSource)) === 0, { what: 'the outbox drained' });
      expect(await messagesInTopic(kafka, topic)).toBe(20);
      await waitFor(() => consumer.received.length === 20, { what: 'all 20 events consumed' });
      expect(new Set(consumer.received.map((e) => e.key)).size).toBe(20);
      await waitFor(async () => (await metricValue(registry, 'outbox_published_total', { topic })) === 20, {
        what: 'the published counter',
      });
      expect(await metricValue(registry, 'outbox_publish_latency_seconds_count')).toBe(20);
      expect(upLog.lines.filter((line) => line.level !== 'info')).toEqual([]);
    } finally {
      await up.stop();
      await consumer.stop();
    }
  });
});

describe('a topic that does not exist', () => {
  let db: OutboxTestDatabase;
  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_missing_topic');
  });
  afterAll(() => db.close());

  it('stalls only its shard, with one log line and the producer kept, until the topic is created', async () => {
    const kafka = testKafka('outbox-missing-topic-test');
    const counted = countingProducers(kafka);
    const existing = uniqueName('outbox.exists');
    const missing = uniqueName('outbox.missing');
    const consumer = await consumeTopic(kafka, existing);
    const registry = new Registry();
    const log = recordingLogger();
    const relay = new OutboxRelay({
      dataSource: db.dataSource,
      kafka: counted.kafka,
      registry,
      logger: log,
      producerRetry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
      backoff: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    await relay.start();
    try {
      const stuckKey = 'sku-stuck';
      const flowingKey = otherShardKey(stuckKey);
      await db.dataSource.transaction((manager) =>
        appendToOutbox(manager, [
          { topic: missing, key: stuckKey, value: Buffer.from('waits'), headers: {} },
          { topic: existing, key: flowingKey, value: Buffer.from('flows'), headers: {} },
        ]),
      );
      await waitFor(() => consumer.received.length === 1, { what: 'the event of the healthy shard' });
      await waitFor(async () => (await metricValue(registry, 'outbox_publish_failures_total')) >= 3, { what: 'repeated failures' });
      const [waiting] = await db.dataSource.query(`SELECT topic FROM outbox WHERE published_at IS NULL`);
      expect(waiting.topic).toBe(missing);
      const warnings = log.lines.filter((line) => line.level !== 'info');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].details).toMatchObject({ topics: [missing] });
      // The other shards' producer was never replaced for this shard's refusal.
      expect(counted.created()).toBe(1);

      const admin = kafka.admin();
      await admin.connect();
      await createTestTopics(admin, [{ topic: missing }]);
      await admin.disconnect();
      await waitFor(async () => (await unpublishedCount(db.dataSource)) === 0, { what: 'the stalled event published' });
      await waitFor(() => log.lines.some((line) => /publishing resumed/.test(line.message)), { what: 'the recovery logged' });
    } finally {
      await relay.stop();
      await consumer.stop();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [missing] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

describe('purging by retention', () => {
  let db: OutboxTestDatabase;
  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_purge');
  });
  afterAll(() => db.close());

  it('deletes only published rows older than the retention, in batches', async () => {
    // Nothing gets published during this test (no broker), so the unpublished rows stay unpublished.
    const relay = new OutboxRelay({
      dataSource: db.dataSource,
      kafka: await unreachableKafka(),
      logger: recordingLogger(),
      retention: { keepPublishedMs: 24 * 3600_000, purgeIntervalMs: 3600_000, purgeBatchSize: 2 },
      backoff: { initialDelayMs: 1000, maxDelayMs: 1000 },
    });
    await relay.start();
    try {
      const row = (label: string, createdAgo: string, publishedAgo: string | null) =>
        db.dataSource.query(
          `INSERT INTO outbox (shard, topic, key, value, created_at, published_at)
           VALUES ($1, 'retail.orders', $2, '\\x00', now() - $3::interval, now() - $4::interval)`,
          [label.length % 8, label, createdAgo, publishedAgo],
        );
      for (let i = 0; i < 5; i++) await row(`published-long-ago-${i}`, '3 days', '2 days');
      await row('published-recently', '2 hours', '1 hour');
      await row('published-just-under-retention', '2 days', '23 hours');
      await row('unpublished-old', '3 days', null);

      expect(await relay.purgePublished()).toBe(5);
      const left = await db.dataSource.query(`SELECT key FROM outbox ORDER BY key`);
      expect(left.map((r: { key: string }) => r.key)).toEqual([
        'published-just-under-retention',
        'published-recently',
        'unpublished-old',
      ]);
    } finally {
      await relay.stop();
    }
  });
});

function otherShardKey(key: string): string {
  for (let i = 0; ; i++) if (shardOf(`sku-${i}`) !== shardOf(key)) return `sku-${i}`;
}
