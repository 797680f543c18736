import { spawn } from 'node:child_process';
import path from 'node:path';
import { testBrokers, testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { appendToOutbox } from './append';
import { OutboxRelay } from './relay';
import {
  consumeTopic,
  messagesInTopic,
  outboxTestDatabase,
  OutboxTestDatabase,
  recordingLogger,
  unpublishedCount,
} from './test/fixtures';

jest.setTimeout(60_000);

const repoRoot = path.resolve(__dirname, '../../..');

function appendThenCrash(url: string, topic: string, count: number): Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, 'test/append-then-crash.ts'), url, topic, String(count)],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ signal, stdout, stderr }));
  });
}

describe('a service killed between the database commit and the publish', () => {
  let db: OutboxTestDatabase;
  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_crash');
  });
  afterAll(() => db.close());

  it('has its committed events published exactly once by the next relay', async () => {
    const kafka = testKafka('outbox-crash-test');
    const topic = uniqueName('outbox.crash');
    const consumer = await consumeTopic(kafka, topic, 3);
    try {
      const crashed = await appendThenCrash(db.database.url, topic, 5);
      expect(crashed.stderr).toBe('');
      expect(crashed.stdout).toContain('committed');
      expect(crashed.signal).toBe('SIGKILL');
      expect(await unpublishedCount(db.dataSource)).toBe(5);
      expect(await messagesInTopic(kafka, topic)).toBe(0);

      const relay = new OutboxRelay({ dataSource: db.dataSource, kafka, logger: recordingLogger(), leaseTtlMs: 3000 });
      await relay.start();
      try {
        await waitFor(async () => (await unpublishedCount(db.dataSource)) === 0, { what: 'the relay to publish the outbox' });
        // Marked only after the broker's ack, so the topic is final now: each event exactly once.
        expect(await messagesInTopic(kafka, topic)).toBe(5);
        await waitFor(() => consumer.received.length === 5, { what: 'the five events' });
        expect(consumer.received.map((event) => event.headers.ce_id).sort()).toEqual(
          ['crash-0', 'crash-1', 'crash-2', 'crash-3', 'crash-4'],
        );
      } finally {
        await relay.stop();
      }
    } finally {
      await consumer.stop();
    }
  });
});

function relayThatDiesBeforeCommit(url: string): Promise<{ signal: NodeJS.Signals | null; lines: any[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const options = { leaseTtlMs: 2000, pollIntervalMs: 100, batchSize: 10 };
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        path.join(__dirname, 'test/relay-process.ts'),
        JSON.stringify({ url, brokers: testBrokers(), instanceId: 'relay-dies', options, dieBeforeCommit: true }),
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      resolve({ signal, stderr, lines: stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)) }),
    );
  });
}

describe('a relay killed between the broker\'s ack and its commit', () => {
  let db: OutboxTestDatabase;
  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_ack_crash');
  });
  afterAll(() => db.close());

  it('loses nothing: the next relay publishes the batch again, and deduped by ce_id every event is there once, in key order', async () => {
    const kafka = testKafka('outbox-ack-crash-test');
    const topic = uniqueName('outbox.ackcrash');
    const consumer = await consumeTopic(kafka, topic, 2);
    try {
      // One key, so the whole outbox is one shard and the killed batch is its first 10 events.
      await db.dataSource.transaction((manager) =>
        appendToOutbox(
          manager,
          Array.from({ length: 25 }, (_, i) => ({ topic, key: 'order-1', value: Buffer.from(String(i)), headers: { ce_id: `order-1-${i}` } })),
        ),
      );
      const died = await relayThatDiesBeforeCommit(db.database.url);
      expect(died.stderr).toBe('');
      expect(died.signal).toBe('SIGKILL');
      expect(died.lines.some((line) => line.event === 'dying')).toBe(true);
      expect(died.lines.some((line) => line.event === 'published')).toBe(false);
      // Acked but not marked: on the topic, and still unpublished in the outbox.
      await waitFor(async () => (await messagesInTopic(kafka, topic)) === 10, { what: 'the acked batch on the topic' });
      expect(await unpublishedCount(db.dataSource)).toBe(25);

      const relay = new OutboxRelay({ dataSource: db.dataSource, kafka, logger: recordingLogger(), leaseTtlMs: 2000 });
      await relay.start();
      try {
        // The dead relay's lease expires, then the next relay republishes from the first unmarked row.
        await waitFor(async () => (await unpublishedCount(db.dataSource)) === 0, { what: 'the next relay to publish everything' });
        expect(await messagesInTopic(kafka, topic)).toBe(35);
        await waitFor(() => consumer.received.length === 35, { what: 'all 35 records' });
        const values = consumer.received.map((event) => Number(event.value));
        expect(values).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 25 }, (_, i) => i)]);
        const firstSeen = [...new Map(consumer.received.map((event) => [event.headers.ce_id, Number(event.value)])).values()];
        expect(firstSeen).toEqual(Array.from({ length: 25 }, (_, i) => i));
      } finally {
        await relay.stop();
      }
    } finally {
      await consumer.stop();
    }
  });
});
