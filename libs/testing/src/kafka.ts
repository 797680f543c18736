import { randomBytes } from 'node:crypto';
import { Admin, Kafka, logLevel } from 'kafkajs';

/** Bootstrap servers of the real broker that `npm test` brings up. */
export function testBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
}

export function testKafka(clientId = 'omnibus-test'): Kafka {
  return new Kafka({ clientId, brokers: testBrokers(), logLevel: logLevel.NOTHING });
}

/** A topic name no other test uses, so test files can run in parallel against one broker. */
export function uniqueName(prefix: string): string {
  return `${prefix}.${randomBytes(4).toString('hex')}`;
}

/** Creates topics for a test (auto-creation is off on our broker) and returns them. */
export async function createTestTopics(
  admin: Admin,
  topics: Array<{ topic: string; numPartitions?: number }>,
): Promise<string[]> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map(({ topic, numPartitions = 1 }) => ({ topic, numPartitions, replicationFactor: 1 })),
  });
  return topics.map((t) => t.topic);
}
