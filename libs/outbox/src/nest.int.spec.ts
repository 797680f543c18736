import { Module } from '@nestjs/common';
import { defineService, KAFKA_CLIENT, ROOT_LOGGER } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { uniqueName, waitFor } from '@omnibus/testing';
import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { appendToOutbox } from './append';
import { shardOf } from './shard';
import { outboxMigrations } from './migrations';
import { OUTBOX_RELAY, OutboxRelayModule } from './nest';
import { OutboxRelay } from './relay';
import { consumeTopic } from './test/fixtures';

jest.setTimeout(60_000);

@Module({
  imports: [
    OutboxRelayModule.forRootAsync({
      inject: [DataSource, KAFKA_CLIENT, ROOT_LOGGER],
      useFactory: (dataSource: DataSource, kafka: Kafka, logger: Logger) => ({
        dataSource,
        kafka,
        logger: logger.child({ component: 'outbox-relay' }),
        instanceId: 'order-under-test',
        stallAlertMs: 1000,
        backoff: { initialDelayMs: 20, maxDelayMs: 100 },
      }),
    }),
  ],
})
class OrderModule {}

describe('the relay in a service-kit service', () => {
  let service: TestService;
  let closed = false;
  beforeAll(async () => {
    service = await startTestService(defineService({ name: 'order', appModule: OrderModule, migrations: outboxMigrations }));
  });
  afterAll(async () => {
    if (!closed) await service?.close();
    await service?.database.drop();
  });

  it('says on /health/ready, by name, which shard has not advanced, and is ready again once it does', async () => {
    const kafka = service.app.get<Kafka>(KAFKA_CLIENT);
    const missing = uniqueName('outbox.nest.missing');
    const key = 'order-stuck';
    await service.app.get(DataSource).transaction((manager) =>
      appendToOutbox(manager, [{ topic: missing, key, value: Buffer.from('waits'), headers: {} }]),
    );
    const down = await waitFor(
      async () => {
        const response = await service.request('/health/ready');
        return response.status === 503 ? ((await response.json()) as { error: Record<string, { status: string; message: string }> }) : undefined;
      },
      { what: '/health/ready to report the stalled shard' },
    );
    expect(down.error['outbox-relay'].status).toBe('down');
    expect(down.error['outbox-relay'].message).toMatch(
      new RegExp(`^shard ${shardOf(key)} has not advanced for \\d+ s, oldest unpublished event \\d+ s old; last error: `),
    );
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: missing }] });
      await waitFor(async () => (await service.request('/health/ready')).status === 200, { what: 'ready again' });
    } finally {
      await admin.deleteTopics({ topics: [missing] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('publishes what the service commits, reports on /metrics, and gives its shards back on shutdown', async () => {
    const relay = service.app.get<OutboxRelay>(OUTBOX_RELAY);
    expect(relay.heldShards).toHaveLength(8);
    const topic = uniqueName('outbox.nest');
    const consumer = await consumeTopic(service.app.get<Kafka>(KAFKA_CLIENT), topic);
    const dataSource = service.app.get(DataSource);
    try {
      await dataSource.transaction((manager) =>
        appendToOutbox(manager, [{ topic, key: 'order-1', value: Buffer.from('placed'), headers: {} }]),
      );
      await waitFor(() => consumer.received.length === 1, { what: 'the event' });
      const ready = await service.request('/health/ready');
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { info: object }).info).toMatchObject({ 'outbox-relay': { status: 'up' } });
      const metrics = await (await service.request('/metrics')).text();
      expect(metrics).toMatch(new RegExp(`^outbox_published_total\\{topic="${topic.replace(/\./g, '\\.')}",service="order"\\} 1$`, 'm'));
      expect(metrics).toMatch(/^outbox_shards_held\{service="order"\} 8$/m);
    } finally {
      await consumer.stop();
    }
    await service.close();
    closed = true;
    const client = new Client({ connectionString: service.database.url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS held FROM outbox_shard_leases WHERE holder IS NOT NULL`);
      expect(rows[0].held).toBe(0);
    } finally {
      await client.end();
    }
  });
});
