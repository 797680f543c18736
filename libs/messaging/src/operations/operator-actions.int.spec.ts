import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createTestDatabase, testBrokers, TestDatabase, waitFor } from '@omnibus/testing';
import { createHarness, fix, Harness, reserveStock, StockReservationRequested } from '../../test/harness';
import { consumerMetrics, EventHandler, OperatorConsole, withOperatorConsole } from '..';

jest.setTimeout(120_000);

const bin = path.resolve(__dirname, '../../../../bin/omnibus');

describe('operator actions through `omnibus`', () => {
  let harness: Harness;
  let operations: TestDatabase;
  let home: string;
  let env: NodeJS.ProcessEnv;

  /** Runs the CLI as an operator would. */
  async function omnibus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(bin, args, { env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  async function auditRows(): Promise<Array<{ operator: string; action: string; outcome: string; summary: string; parameters: Record<string, unknown> }>> {
    const client = new Client({ connectionString: operations.url });
    await client.connect();
    try {
      return (await client.query(`SELECT operator, action, outcome, summary, parameters FROM operator_audit ORDER BY id`)).rows;
    } finally {
      await client.end();
    }
  }

  function withConsole<T>(work: (console: OperatorConsole) => Promise<T>): Promise<T> {
    return withOperatorConsole(work, {
      brokers: testBrokers(),
      operationsDatabaseUrl: operations.url,
      operator: 'erika',
      auditLogPath: path.join(home, 'logs', 'operator-audit.log'),
    });
  }

  async function outcomeCount(outcome: string): Promise<number> {
    const { values } = await consumerMetrics.outcomes.get();
    return values
      .filter((v) => v.labels.consumer_group === harness.service && v.labels.outcome === outcome)
      .reduce((sum, v) => sum + v.value, 0);
  }

  beforeEach(async () => {
    fix.deployed = false;
    harness = await createHarness({ partitions: 2 });
    operations = await createTestDatabase('operations');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-ops-'));
    env = { ...process.env, OMNIBUS_OPERATIONS_DATABASE_URL: operations.url, OMNIBUS_OPERATOR: 'erika', OMNIBUS_HOME: home };
  });

  afterEach(async () => {
    await harness.close();
    await operations.drop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('re-drives a dead letter after a fix: it is reserved once, and a second re-drive finds nothing to do', async () => {
    await harness.consumer({ retry: { inPlaceRetries: 1, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [] } }).start();
    const ids = await harness.publish([
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-2', quantity: 1, sequence: 2, poison: 'until-fixed' },
      { orderId: 'order-1', sku: 'SKU-3', quantity: 1, sequence: 3 },
      { orderId: 'order-2', sku: 'SKU-1', quantity: 1, sequence: 1 },
    ]);
    await waitFor(async () => (await harness.deadLetters()).length === 1, { what: 'the poison request dead-lettered' });
    await waitFor(async () => (await harness.reservations()).length === 3, { what: 'the other requests reserved' });

    const list = await omnibus('dlq', 'list', '--service', harness.service);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toContain(`cannot reserve SKU-2 yet`);
    expect(list.stdout).toContain('1 dead letter(s)');

    fix.deployed = true;
    const redrive = await omnibus('dlq', 'redrive', '--service', harness.service, '--key', 'order-1', '--yes');
    expect(redrive).toMatchObject({ code: 0, stderr: '' });
    expect(redrive.stdout).toContain(`re-drove 1 dead letter(s) of ${harness.deadLetterTopic} to ${harness.retryTopic}`);

    await waitFor(async () => (await harness.reservations()).length === 4, { what: 'the re-driven request reserved' });
    await withConsole(async (console) => {
      const again = await console.redrive({ service: harness.service, all: true }, async () => true);
      expect(again.summary).toBe(`nothing to re-drive in ${harness.deadLetterTopic}`);
      await expect(console.redrive({ service: harness.service }, async () => true)).rejects.toThrow('say which dead letters to re-drive');
    });

    const reservations = await harness.reservations();
    expect(reservations.filter((r) => r.eventId === ids[1])).toHaveLength(1);
    expect(await auditRows()).toEqual([
      expect.objectContaining({ operator: 'erika', action: 'dlq.list', outcome: 'succeeded' }),
      expect.objectContaining({ action: 'dlq.redrive', outcome: 'succeeded', parameters: { service: harness.service, key: 'order-1' } }),
      expect.objectContaining({ action: 'dlq.redrive', outcome: 'succeeded', summary: `nothing to re-drive in ${harness.deadLetterTopic}` }),
      expect.objectContaining({ action: 'dlq.redrive', outcome: 'failed' }),
    ]);
    const logLines = fs.readFileSync(path.join(home, 'logs', 'operator-audit.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(logLines.map((line) => `${line.operator} ${line.action} ${line.outcome}`)).toEqual([
      'erika dlq.list succeeded',
      'erika dlq.redrive succeeded',
      'erika dlq.redrive succeeded',
      'erika dlq.redrive failed',
    ]);
    // A refused confirmation is recorded too.
    await withConsole((console) => console.redrive({ service: harness.service, all: true, includeRedriven: true }, async () => false));
    expect((await auditRows()).at(-1)).toMatchObject({ action: 'dlq.redrive', outcome: 'cancelled' });
  });

  it('in sequenced mode, the re-driven request is reserved and the requests parked behind it follow in order', async () => {
    await harness
      .consumer({
        handlers: [{ eventType: StockReservationRequested, sequenced: true, handle: reserveStock('consumer') as EventHandler }],
        retry: { inPlaceRetries: 1, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [] },
      })
      .start();
    await harness.publish([
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-2', quantity: 1, sequence: 2, poison: 'until-fixed' },
      { orderId: 'order-1', sku: 'SKU-3', quantity: 1, sequence: 3 },
      { orderId: 'order-2', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-4', quantity: 1, sequence: 4 },
    ]);
    await waitFor(async () => (await harness.deadLetters()).length === 1, { what: 'the poison request dead-lettered' });
    await waitFor(async () => {
      const [{ n }] = await harness.dataSource.query(`SELECT count(*)::int AS n FROM messaging_parked_event`);
      return n === 2;
    }, { what: 'requests 3 and 4 of order-1 parked' });
    expect((await harness.reservations()).map((r) => `${r.orderId}#${r.sequence}`).sort()).toEqual(['order-1#1', 'order-2#1']);

    fix.deployed = true;
    const redrive = await withConsole((console) => console.redrive({ service: harness.service, all: true }, async () => true));
    expect(redrive.outcome).toBe('succeeded');

    await waitFor(async () => (await harness.reservations()).length === 5, { what: 'order-1 reserved in full' });
    expect((await harness.reservations()).filter((r) => r.orderId === 'order-1').map((r) => r.sequence)).toEqual([1, 2, 3, 4]);
    await waitFor(async () => {
      const [{ n }] = await harness.dataSource.query(`SELECT count(*)::int AS n FROM messaging_parked_key`);
      return n === 0;
    }, { what: 'order-1 no longer parked' });
  });

  it('replays a group to a time: the events are delivered again and no reservation is duplicated', async () => {
    const startedAt = new Date(Date.now() - 1_000);
    const consumer = harness.consumer();
    await consumer.start();
    await harness.publish(Array.from({ length: 12 }, (_, i) => ({ orderId: `order-${i % 3}`, sku: 'SKU-1', quantity: 1, sequence: i })));
    await waitFor(async () => (await harness.reservations()).length === 12, { what: '12 reservations' });

    const replayToStart = (console: OperatorConsole) =>
      console.replay({ groupId: harness.service, target: { kind: 'time', at: startedAt } }, async () => true);
    const whileRunning = await withConsole(replayToStart);
    expect(whileRunning.outcome).toBe('refused');
    expect(whileRunning.summary).toContain('running member(s)');
    expect(whileRunning.summary).toContain('Stop the service');

    await consumer.stop();
    const duplicatesBefore = await outcomeCount('duplicate');
    const replay = await omnibus('replay', '--group', harness.service, '--to-time', startedAt.toISOString(), '--yes');
    expect(replay).toMatchObject({ code: 0, stderr: '' });
    expect(replay.stdout).toContain(`moved ${harness.service} to ${startedAt.toISOString()} on 1 topic(s): 12 record(s) will be delivered again`);

    await harness.consumer({ name: 'after-replay' }).start();
    await waitFor(async () => (await outcomeCount('duplicate')) - duplicatesBefore === 12, { what: '12 redeliveries absorbed by the inbox' });
    const reservations = await harness.reservations();
    expect(reservations).toHaveLength(12);
    expect(reservations.every((r) => r.reservedBy === 'consumer')).toBe(true);

    await withConsole(async (console) => {
      const lag = await console.lag({ groups: [harness.service] });
      expect(lag.value.filter((row) => row.topic === harness.topic).map((row) => row.lag)).toEqual([0, 0]);
      const audit = await console.auditLog({ limit: 10 });
      expect(audit.map((entry) => `${entry.operator} ${entry.action} ${entry.outcome}`)).toEqual([
        'erika lag succeeded',
        'erika replay succeeded',
        'erika replay refused',
      ]);
    });
  });
});
