import { spawn } from 'node:child_process';
import path from 'node:path';
import { testKafka, uniqueName, waitFor } from '@omnibus/testing';
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
