import { Module } from '@nestjs/common';
import { defineService, KAFKA_CLIENT } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestTopics, testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { DataSource } from 'typeorm';
import { FramedJsonCodec } from '../../test/harness';
import { deadLetterTopicOf, redriveTopicFor, retryTierTopicsOf } from '../consumer/failure-routing';
import { inboxMigrations } from '../migrations/inbox-migrations';
import { connectEventTransport, EventTransportOptions } from './event-transport';

jest.setTimeout(60_000);

@Module({})
class NoRoutes {}

/** A real service (service kit, HTTP, database, Kafka) whose only consumer is configured by `consumer`. */
function serviceWithConsumer(name: string, topic: string, consumer: Partial<EventTransportOptions>) {
  return defineService({
    name,
    appModule: NoRoutes,
    migrations: inboxMigrations,
    configure: (app) => {
      connectEventTransport(app, {
        kafka: app.get(KAFKA_CLIENT),
        service: name,
        topics: [topic],
        dataSource: app.get(DataSource),
        decoder: new FramedJsonCodec(),
        inboxPurgeIntervalMs: 0,
        ...consumer,
        consumerConfig: { maxWaitTimeInMs: 100, ...consumer.consumerConfig },
      });
    },
  });
}

describe('readiness of a service with an event consumer', () => {
  const admin = testKafka('consumer-readiness-test').admin();
  const service = uniqueName('readiness');
  const topic = uniqueName('retail.orders');
  const topics = [topic, redriveTopicFor(service), ...retryTierTopicsOf(service, 3), deadLetterTopicOf(service)];
  let running: TestService | undefined;

  beforeAll(async () => {
    await admin.connect();
    await createTestTopics(admin, topics.map((name) => ({ topic: name, numPartitions: 1 })));
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  const ready = async () => {
    const response = await running!.request('/health/ready');
    return { status: response.status, body: (await response.json()) as { info?: Record<string, unknown>; error?: Record<string, { message?: string }> } };
  };

  it('names its running consumer among the ready parts', async () => {
    running = await startTestService(serviceWithConsumer(service, topic, {}));
    const { body } = await waitFor(async () => {
      const answer = await ready();
      return answer.status === 200 ? answer : undefined;
    }, { what: 'the service ready' });
    expect(body.info).toHaveProperty([`consumer:${service}`, 'status'], 'up');
  });

  it('says by name that its consumer crashed without restarting, while HTTP, database and Kafka are fine', async () => {
    // The broker refuses a session timeout below group.min.session.timeout.ms (6 s): joining the
    // group fails with a non-retriable error, and kafkajs gives the consumer up.
    running = await startTestService(serviceWithConsumer(service, topic, { groupId: `${service}.crashing`, consumerConfig: { sessionTimeout: 1_000, heartbeatInterval: 300 } }));
    const { status, body } = await waitFor(async () => {
      const answer = await ready();
      return answer.body.error?.[`consumer:${service}.crashing`] ? answer : undefined;
    }, { what: 'readiness naming the crashed consumer' });
    expect(status).toBe(503);
    expect(body.error?.[`consumer:${service}.crashing`]?.message).toMatch(/crashed and will not restart/);
    expect(body.info).toHaveProperty(['database', 'status'], 'up');
    expect((await running.request('/health/live')).status).toBe(200);
  });
});
