/**
 * A relay whose send hangs on a paused broker must never publish after another relay took its shard
 * over. The broker is the test's own (paused with SIGSTOP, never the shared one), the second relay a
 * real child process.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { uniqueName, waitFor } from '@omnibus/testing';
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { appendToOutbox, OutboxRecord } from './append';
import { OutboxRelay, OutboxRelayOptions } from './relay';
import { shardOf } from './shard';
import { messagesInTopic, outboxTestDatabase, OutboxTestDatabase, recordingLogger, unpublishedCount } from './test/fixtures';
import { PrivateKafka, startPrivateKafka } from './test/private-kafka';

jest.setTimeout(240_000);

const repoRoot = path.resolve(__dirname, '../../..');
/** Short lease and deadline so the test is quick; the send deadline is at most half the lease. */
const relayOptions: Partial<OutboxRelayOptions> = {
  leaseTtlMs: 3000,
  sendTimeoutMs: 1000,
  pollIntervalMs: 200,
  maxConcurrentShards: 8,
  backoff: { initialDelayMs: 50, maxDelayMs: 300 },
};
/** kafkajs' own defaults otherwise (30 s request timeout, 5 retries): the relay must bound its sends itself. */
const kafkaConfig: Partial<KafkaConfig> = { connectionTimeout: 1000 };

/** One key per shard, so every shard has a batch in flight when the broker stops. */
const KEYS = Array.from({ length: 8 }, (_, shard) => {
  for (let i = 0; ; i++) if (shardOf(`order-${i}`) === shard) return `order-${i}`;
});

function appendSequence(db: OutboxTestDatabase, topic: string, from: number, to: number): Promise<void> {
  const records: OutboxRecord[] = [];
  for (let seq = from; seq <= to; seq++) {
    for (const key of KEYS) records.push({ topic, key, value: Buffer.from(String(seq)), headers: { ce_id: `${key}-${seq}` } });
  }
  return db.dataSource.transaction((manager) => appendToOutbox(manager, records));
}

function startChildRelay(url: string, brokers: string[], instanceId: string): { child: ChildProcess; lines: any[]; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      path.join(__dirname, 'test/relay-process.ts'),
      JSON.stringify({ url, brokers, instanceId, options: relayOptions, kafkaConfig }),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: any[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part));
  });
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return { child, lines, stderr: () => stderr };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Shards whose batch transaction is open, waiting for the broker (the lease check names the shard). */
async function shardsWithSendInFlight(db: OutboxTestDatabase): Promise<number[]> {
  const rows = await db.dataSource.query(
    `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND query LIKE '%WITH lease AS%'`,
  );
  return rows.map((row: { query: string }) => Number(/shard = (\d+) AND holder/.exec(row.query)![1]));
}

describe('a relay whose send hangs while another relay process takes its shards over', () => {
  let broker: PrivateKafka;
  let db: OutboxTestDatabase;
  beforeAll(async () => {
    broker = await startPrivateKafka();
    db = await outboxTestDatabase('outbox_takeover');
  });
  afterAll(async () => {
    await db?.close();
    await broker?.stop();
  });

  it('never publishes after the takeover: every event is on the topic exactly once, in key order', async () => {
    const kafka = new Kafka({ clientId: 'outbox-takeover-test', brokers: broker.brokers, logLevel: logLevel.NOTHING, ...kafkaConfig });
    const topic = uniqueName('outbox.takeover');
    const admin = kafka.admin();
    await admin.connect();
    // The broker-side half of the fence: a produce request older than the send deadline is refused.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'message.timestamp.before.max.ms', value: '1000' }] }],
    });
    await admin.disconnect();

    const log = recordingLogger();
    const first = new OutboxRelay({ ...relayOptions, dataSource: db.dataSource, kafka, instanceId: 'relay-1', logger: log, registry: new Registry() });
    await first.start();
    let second: ReturnType<typeof startChildRelay> | undefined;
    let paused = false;
    try {
      await appendSequence(db, topic, 1, 5);
      await waitFor(async () => (await unpublishedCount(db.dataSource)) === 0, { timeoutMs: 30_000, what: 'relay 1 to publish the first events' });

      broker.pause();
      paused = true;
      const pausedAt = Date.now();
      await appendSequence(db, topic, 6, 10);
      const inFlight = await waitFor(async () => {
        const shards = await shardsWithSendInFlight(db);
        return shards.length === 8 ? shards : undefined;
      }, { what: 'relay 1 to have a send in flight on every shard' });
      expect(inFlight.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

      second = startChildRelay(db.database.url, broker.brokers, 'relay-2');
      // Relay 2 joins, relay 1 gives back half of its shards — all of which had a send in flight.
      await waitFor(
        async () => {
          const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox_shard_leases WHERE holder = 'relay-2'`);
          return n === 4;
        },
        // Well within kafkajs' 30 s request timeout: relay 1 gives up its sends at its own deadline.
        { timeoutMs: 10_000, what: `relay 2 to take over 4 shards (child stderr: ${second.stderr()})` },
      );
      // Long past every deadline and lease: whatever relay 1 sent is stale by now.
      await waitFor(() => Date.now() - pausedAt > 6000, { timeoutMs: 10_000, what: 'a long pause' });
      broker.resume();
      paused = false;

      await appendSequence(db, topic, 11, 15);
      await waitFor(async () => (await unpublishedCount(db.dataSource)) === 0, { timeoutMs: 60_000, what: 'the outbox drained' });
      expect(second.lines.some((line) => line.event === 'published')).toBe(true);

      // Exactly once: the topic holds as many records as were appended, duplicates included.
      const total = KEYS.length * 15;
      expect(await messagesInTopic(kafka, topic)).toBe(total);
      const sequences = await readTopic(kafka, topic, total);
      for (const key of KEYS) expect(sequences.get(key)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    } finally {
      if (paused) broker.resume();
      await first.stop();
      if (second) await stopChild(second.child);
    }
  });
});

/** Every record of the topic, per key in partition order. */
async function readTopic(kafka: Kafka, topic: string, expected: number): Promise<Map<string, number[]>> {
  const consumer = kafka.consumer({ groupId: uniqueName('outbox-takeover-read'), maxWaitTimeInMs: 100 });
  const sequences = new Map<string, number[]>();
  let count = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = String(message.key);
        sequences.set(key, [...(sequences.get(key) ?? []), Number(String(message.value))]);
        count++;
      },
    });
    await waitFor(() => count >= expected, { timeoutMs: 30_000, what: `${expected} records read back` });
  } finally {
    await consumer.disconnect();
  }
  return sequences;
}
