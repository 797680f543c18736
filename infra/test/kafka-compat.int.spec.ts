/**
 * Proof that our pin works together: Apache Kafka 4.3.1 (KRaft, infra/kafka) and kafkajs 2.2.4.
 * Every feature Omnibus relies on is exercised against the real broker: admin, idempotent produce,
 * consumer-group rebalancing, commit and resume, transactions with sendOffsets.
 */
import { Admin, ConfigResourceTypes, Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { createTestTopics, testKafka, uniqueName, waitFor } from '@omnibus/testing';

jest.setTimeout(60_000);

const kafka: Kafka = testKafka('kafka-compat');
let admin: Admin;
const clients: Array<Producer | Consumer> = [];

function consumer(groupId: string, options: { readUncommitted?: boolean } = {}): Consumer {
  const c = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
    readUncommitted: options.readUncommitted ?? false,
  });
  clients.push(c);
  return c;
}

function producer(options: Parameters<Kafka['producer']>[0] = {}): Producer {
  const p = kafka.producer(options);
  clients.push(p);
  return p;
}

/** Runs a consumer from the beginning of `topic`, collecting messages until `until` holds for them. */
async function readUntil(
  c: Consumer,
  topic: string,
  until: (messages: EachMessagePayload['message'][]) => boolean,
  what: string,
): Promise<EachMessagePayload['message'][]> {
  const seen: EachMessagePayload['message'][] = [];
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({ eachMessage: async ({ message }) => void seen.push(message) });
  await waitFor(() => until(seen), { timeoutMs: 20_000, what });
  return seen;
}

const values = (messages: EachMessagePayload['message'][]) => messages.map((m) => m.value?.toString());

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.disconnect().catch(() => undefined)));
});

afterAll(async () => {
  await admin.disconnect();
});

it('admin creates a topic with partitions and configs, and describes it', async () => {
  const topic = uniqueName('compat.admin');
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
  });
  expect(created).toBe(true);

  const metadata = await waitFor(
    async () => {
      const found = await admin.fetchTopicMetadata({ topics: [topic] });
      return found.topics[0].partitions.every((p) => p.leader >= 0) ? found : undefined;
    },
    { what: 'a leader for every partition' },
  );
  expect(metadata.topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
  });
  expect(configs.resources[0].configEntries[0].configValue).toBe('3600000');
  // Creating it again is not an error, just "already there".
  expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).toBe(false);
  await admin.deleteTopics({ topics: [topic] });
});

it('an idempotent producer delivers every message once, in order per key', async () => {
  const [topic] = await createTestTopics(admin, [{ topic: uniqueName('compat.idempotent'), numPartitions: 3 }]);
  const p = producer({ idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  const keys = ['sku-1', 'sku-2', 'sku-3', 'sku-4'];
  for (let round = 0; round < 5; round++) {
    const metadata = await p.send({
      topic,
      acks: -1,
      messages: keys.map((key) => ({ key, value: `${key}#${round}` })),
    });
    expect(metadata.every((m) => m.errorCode === 0)).toBe(true);
  }

  const messages = await readUntil(consumer(uniqueName('compat-idem')), topic, (seen) => seen.length >= 20, '20 messages');
  expect(messages).toHaveLength(20);
  for (const key of keys) {
    const forKey = messages.filter((m) => m.key?.toString() === key).map((m) => m.value?.toString());
    expect(forKey).toEqual([0, 1, 2, 3, 4].map((round) => `${key}#${round}`));
  }
});

it('a consumer group rebalances partitions onto a second member and back when it leaves', async () => {
  const [topic] = await createTestTopics(admin, [{ topic: uniqueName('compat.rebalance'), numPartitions: 4 }]);
  const groupId = uniqueName('compat-rebalance');
  const assignment: Record<'a' | 'b', number[]> = { a: [], b: [] };

  const member = async (name: 'a' | 'b') => {
    const c = consumer(groupId);
    c.on(c.events.GROUP_JOIN, (event) => {
      assignment[name] = [...(event.payload.memberAssignment[topic] ?? [])].sort();
    });
    await c.connect();
    await c.subscribe({ topic });
    await c.run({ eachMessage: async () => undefined });
    return c;
  };

  await member('a');
  await waitFor(() => assignment.a.length === 4, { timeoutMs: 20_000, what: 'member a to own all 4 partitions' });

  const b = await member('b');
  await waitFor(
    () =>
      assignment.a.length > 0 &&
      assignment.b.length > 0 &&
      [...assignment.a, ...assignment.b].sort().join() === '0,1,2,3',
    { timeoutMs: 20_000, what: 'the 4 partitions to be shared by a and b' },
  );

  await b.disconnect(); // LeaveGroup: the broker rebalances at once, without waiting for a session timeout
  await waitFor(() => assignment.a.length === 4, { timeoutMs: 20_000, what: 'member a to own all 4 partitions again' });
  expect(assignment.a).toEqual([0, 1, 2, 3]);

  const described = await admin.describeGroups([groupId]);
  expect(described.groups[0].members).toHaveLength(1);
});

it('a new consumer in the group resumes after the last committed offset', async () => {
  const [topic] = await createTestTopics(admin, [{ topic: uniqueName('compat.resume') }]);
  const groupId = uniqueName('compat-resume');
  const p = producer();
  await p.connect();
  await p.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `order-${i}` })) });

  // The first consumer handles everything but commits only up to order-4 (next offset to read: 5).
  const first = consumer(groupId);
  await first.connect();
  await first.subscribe({ topic, fromBeginning: true });
  const handled: string[] = [];
  await first.run({
    autoCommit: false,
    eachMessage: async ({ message, partition }) => {
      handled.push(message.value!.toString());
      if (message.offset === '4') await first.commitOffsets([{ topic, partition, offset: '5' }]);
    },
  });
  await waitFor(() => handled.length === 10, { what: 'the first consumer to see 10 messages' });
  await first.disconnect();

  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  expect(committed.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '5' })]);

  const resumed = await readUntil(consumer(groupId), topic, (seen) => seen.length >= 5, 'the rest of the messages');
  expect(resumed[0].offset).toBe('5');
  expect(values(resumed)).toEqual(['order-5', 'order-6', 'order-7', 'order-8', 'order-9']);
});

it('a transaction commits produced messages and consumer offsets together; an aborted one stays invisible', async () => {
  const [input, output] = await createTestTopics(admin, [
    { topic: uniqueName('compat.tx-in') },
    { topic: uniqueName('compat.tx-out') },
  ]);
  const groupId = uniqueName('compat-tx');
  const plain = producer();
  await plain.connect();
  await plain.send({ topic: input, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });

  const inputs = await readUntil(consumer(groupId), input, (seen) => seen.length >= 3, 'three inputs');

  const transactional = producer({ transactionalId: uniqueName('compat-tx-producer'), idempotent: true, maxInFlightRequests: 1 });
  await transactional.connect();

  // consume-transform-produce: outputs and the group's input offset commit atomically
  const committed = await transactional.transaction();
  await committed.send({ topic: output, messages: inputs.map((m) => ({ value: `processed ${m.value}` })) });
  await committed.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '3' }] }] });
  await committed.commit();

  const aborted = await transactional.transaction();
  await aborted.send({ topic: output, messages: [{ value: 'aborted' }] });
  await aborted.abort();

  const last = await transactional.transaction();
  await last.send({ topic: output, messages: [{ value: 'sentinel' }] });
  await last.commit();

  const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
  expect(offsets.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);

  // Everything before the sentinel has been read once the sentinel is seen (one partition, in order).
  const sawSentinel = (seen: EachMessagePayload['message'][]) => values(seen).includes('sentinel');
  const readCommitted = await readUntil(consumer(uniqueName('compat-rc')), output, sawSentinel, 'the sentinel (read committed)');
  expect(values(readCommitted)).toEqual(['processed a', 'processed b', 'processed c', 'sentinel']);

  const readUncommitted = await readUntil(
    consumer(uniqueName('compat-ru'), { readUncommitted: true }),
    output,
    sawSentinel,
    'the sentinel (read uncommitted)',
  );
  expect(values(readUncommitted)).toEqual(['processed a', 'processed b', 'processed c', 'aborted', 'sentinel']);
});
