import { inSpan, startTracing } from '@omnibus/observability';
import { testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { SpanKind } from '@opentelemetry/api';
import { Kafka } from 'kafkajs';
import { appendToOutbox, OutboxError } from './append';
import { OutboxRelay } from './relay';
import { shardOf } from './shard';
import { consumeTopic, outboxTestDatabase, OutboxTestDatabase, recordingLogger } from './test/fixtures';

jest.setTimeout(60_000);

describe('appendToOutbox', () => {
  let db: OutboxTestDatabase;
  let kafka: Kafka;

  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_append');
    kafka = testKafka('outbox-append-test');
  });
  afterAll(async () => {
    await db.close();
  });

  it('stores the records of a committed transaction, sharded by key, with an event id', async () => {
    await db.dataSource.transaction(async (manager) => {
      await appendToOutbox(manager, [
        { topic: 'retail.orders', key: 'order-1', value: Buffer.from([0, 1, 2]), headers: { ce_type: 'OrderPlaced' } },
        { topic: 'retail.orders', key: 'order-2', value: Buffer.from('x'), headers: { ce_id: 'given-id' } },
      ]);
    });
    const rows = await db.dataSource.query(`SELECT * FROM outbox ORDER BY id`);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ topic: 'retail.orders', key: 'order-1', shard: shardOf('order-1'), published_at: null });
    expect(Buffer.compare(rows[0].value, Buffer.from([0, 1, 2]))).toBe(0);
    expect(rows[0].headers.ce_type).toBe('OrderPlaced');
    expect(rows[0].headers.ce_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(rows[1].headers.ce_id).toBe('given-id');
  });

  it('leaves nothing behind when the transaction rolls back', async () => {
    const before = await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox`);
    await expect(
      db.dataSource.transaction(async (manager) => {
        await appendToOutbox(manager, [{ topic: 't', key: 'k', value: Buffer.from('v'), headers: {} }]);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const after = await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('refuses a manager outside a transaction and malformed records', async () => {
    await expect(
      appendToOutbox(db.dataSource.manager, [{ topic: 't', key: 'k', value: Buffer.from('v'), headers: {} }]),
    ).rejects.toThrow(OutboxError);
    await expect(
      db.dataSource.transaction((manager) =>
        appendToOutbox(manager, [{ topic: 't', key: '', value: Buffer.from('v'), headers: {} }]),
      ),
    ).rejects.toThrow(/non-empty key/);
    await expect(
      db.dataSource.transaction((manager) =>
        appendToOutbox(manager, [{ topic: 't', key: 'k', value: Buffer.alloc(2_000_000), headers: {} }]),
      ),
    ).rejects.toThrow(/over the 1000000-byte limit/);
  });

  it('is published by a relay once committed', async () => {
    const topic = uniqueName('outbox.append');
    const consumer = await consumeTopic(kafka, topic, 2);
    const relay = new OutboxRelay({ dataSource: db.dataSource, kafka, logger: recordingLogger(), leaseTtlMs: 3000 });
    await relay.start();
    try {
      await db.dataSource.transaction((manager) =>
        appendToOutbox(manager, [{ topic, key: 'sku-1', value: Buffer.from('stock 5'), headers: { ce_id: 'e-1' } }]),
      );
      await waitFor(() => consumer.received.length >= 1, { what: 'the event on Kafka' });
      expect(consumer.received).toMatchObject([{ key: 'sku-1', value: 'stock 5', headers: { ce_id: 'e-1' } }]);
      // Marked published right after the broker's ack.
      await waitFor(
        async () => (await db.dataSource.query(`SELECT 1 FROM outbox WHERE topic = $1 AND published_at IS NOT NULL`, [topic])).length === 1,
        { what: 'the row marked published' },
      );
    } finally {
      await relay.stop();
      await consumer.stop();
    }
  });
});

describe('large batches', () => {
  it('are split into produce requests the broker accepts (its limit is 1 MiB per partition batch)', async () => {
    const db = await outboxTestDatabase('outbox_large');
    const kafka = testKafka('outbox-large-test');
    const topic = uniqueName('outbox.large');
    const consumer = await consumeTopic(kafka, topic, 1);
    const relay = new OutboxRelay({ dataSource: db.dataSource, kafka, logger: recordingLogger(), batchSize: 3000 });
    try {
      // 3 MB for one partition, read by the relay as a single batch.
      await db.dataSource.transaction((manager) =>
        appendToOutbox(
          manager,
          Array.from({ length: 3000 }, (_, i) => ({ topic, key: 'sku-1', value: Buffer.alloc(1000, i % 256), headers: { seq: String(i) } })),
        ),
      );
      await relay.start();
      await waitFor(() => consumer.received.length === 3000, { what: '3000 events' });
      expect(consumer.received.map((event) => Number(event.headers.seq))).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    } finally {
      await relay.stop();
      await consumer.stop();
      await db.close();
    }
  });
});

describe('tracing through the outbox', () => {
  it('carries the producing trace to Kafka and links the relay\'s send span (kind CLIENT) to it', async () => {
    const tracing = startTracing({ serviceName: 'outbox-test', exporter: 'memory' });
    const db = await outboxTestDatabase('outbox_tracing');
    const kafka = testKafka('outbox-tracing-test');
    const topic = uniqueName('outbox.tracing');
    const consumer = await consumeTopic(kafka, topic);
    const relay = new OutboxRelay({ dataSource: db.dataSource, kafka, logger: recordingLogger(), leaseTtlMs: 3000 });
    await relay.start();
    try {
      const producing = await inSpan('POST /orders', { kind: SpanKind.SERVER }, async (span) => {
        await db.dataSource.transaction((manager) =>
          appendToOutbox(manager, [{ topic, key: 'order-7', value: Buffer.from('placed'), headers: {} }]),
        );
        return span.spanContext();
      });
      await waitFor(() => consumer.received.length === 1, { what: 'the event' });
      expect(consumer.received[0].headers.traceparent).toBe(`00-${producing.traceId}-${producing.spanId}-01`);
      const publish = await waitFor(
        () => tracing.memoryExporter!.getFinishedSpans().find((span) => span.name === `send ${topic}`),
        { what: 'the send span' },
      );
      // A batch send of messages created elsewhere: "send", kind CLIENT, per the messaging conventions.
      expect(publish.kind).toBe(SpanKind.CLIENT);
      expect(publish.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.operation.name': 'send',
        'messaging.operation.type': 'send',
        'messaging.destination.name': topic,
        'messaging.batch.message_count': 1,
      });
      expect(publish.links.map((link) => link.context.spanId)).toEqual([producing.spanId]);
    } finally {
      await relay.stop();
      await consumer.stop();
      await db.close();
      await tracing.shutdown();
    }
  });
});
