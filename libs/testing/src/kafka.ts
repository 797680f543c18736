import { randomBytes } from 'node:crypto';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { waitFor } from './wait';

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

/**
 * Creates topics for a test (auto-creation is off on our broker), waits until every partition has a
 * leader, and returns the names. (kafkajs' own `waitForLeaders` gives up when a freshly started broker
 * briefly answers "does not host this topic-partition", so we wait ourselves.)
 */
export async function createTestTopics(
  admin: Admin,
  topics: Array<{ topic: string; numPartitions?: number }>,
): Promise<string[]> {
  await admin.createTopics({
    waitForLeaders: false,
    topics: topics.map(({ topic, numPartitions = 1 }) => ({ topic, numPartitions, replicationFactor: 1 })),
  });
  const names = topics.map((t) => t.topic);
  await waitFor(
    async () => {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      return topics.every(({ topic, numPartitions = 1 }) => {
        const partitions = found.find((t) => t.name === topic)?.partitions ?? [];
        return partitions.length === numPartitions && partitions.every((p) => p.leader >= 0);
      });
    },
    { timeoutMs: 20_000, what: `leaders for ${names.join(', ')}` },
  );
  return names;
}
