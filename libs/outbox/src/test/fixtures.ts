import { createTestDatabase, createTestTopics, TestDatabase, uniqueName } from '@omnibus/testing';
import { Kafka } from 'kafkajs';
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

export interface ReceivedEvent {
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Creates a topic and consumes it from the beginning into `received`. */
export async function consumeTopic(
  kafka: Kafka,
  topic: string,
  numPartitions = 1,
): Promise<{ received: ReceivedEvent[]; stop(): Promise<void> }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTestTopics(admin, [{ topic, numPartitions }]);
  } finally {
    await admin.disconnect();
  }
  const received: ReceivedEvent[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('outbox-test'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
      received.push({ partition, offset: message.offset, key: String(message.key), value: String(message.value), headers });
    },
  });
  return { received, stop: () => consumer.disconnect() };
}

/** How many messages a topic holds (sum of high watermarks): what was really written, duplicates included. */
export async function messagesInTopic(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function unpublishedCount(dataSource: DataSource): Promise<number> {
  const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
  return n;
}

/** The real client, counting the producers the relay makes from it (each replacement is a new one). */
export function countingProducers(kafka: Kafka): { kafka: Kafka; created: () => number } {
  let created = 0;
  const counting = Object.create(kafka) as Kafka;
  counting.producer = (config) => {
    created++;
    return kafka.producer(config);
  };
  return { kafka: counting, created: () => created };
}
