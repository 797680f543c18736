import { Client } from 'pg';
import { createTestTopics, waitFor } from '@omnibus/testing';
import { createHarness, fix, Harness } from '../../test/harness';
import { createOperatorCli, OperatorCli } from '../../test/operator-cli';
import { envelopeHeaders, FailureHeader } from '..';

jest.setTimeout(120_000);

describe('dead letters: re-drive bookkeeping, refusals and streaming', () => {
  let harness: Harness;
  let cli: OperatorCli;

  const retryTopicRecords = async () =>
    (await harness.admin.fetchTopicOffsets(harness.retryTopic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);

  async function operationsSql(sql: string): Promise<void> {
    const client = new Client({ connectionString: cli.operations.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** A dead letter written straight to the topic, as another tool (or an old version) might have. */
  async function writeDeadLetter(orderId: string, partition: number, extraHeaders: Record<string, string> = {}, withGroup = true) {
    const payload = { orderId, sku: 'SKU-1', quantity: 1, sequence: 1 };
    const { headers } = envelopeHeaders({ topic: harness.topic, type: 'omnibus.test.StockReservationRequested', key: orderId, payload }, 'omnibus/test');
    const failure: Record<string, string> = {
      [FailureHeader.originalTopic]: harness.topic,
      [FailureHeader.originalPartition]: '0',
      [FailureHeader.originalOffset]: '0',
      [FailureHeader.errorClass]: 'Error',
      [FailureHeader.errorMessage]: `cannot reserve for ${orderId}`,
      [FailureHeader.errorKind]: 'permanent',
      [FailureHeader.attempts]: '1',
      [FailureHeader.deadLetteredAt]: new Date().toISOString(),
      ...extraHeaders,
    };
    if (withGroup) failure[FailureHeader.consumerGroup] = harness.service;
    await harness.producer.send({
      topic: harness.deadLetterTopic,
      acks: -1,
      messages: [{ key: orderId, partition, value: await harness.codec.encode(harness.topic, 'x', payload), headers: { ...headers, ...failure } }],
    });
  }

  beforeEach(async () => {
    fix.deployed = false;
    harness = await createHarness({ partitions: 2 });
    cli = await createOperatorCli();
  });

  afterEach(async () => {
    await harness.close();
    await cli.close();
  });

  it('a dead letter without its consumer-group header is refused with the reason, not sent and not marked re-driven', async () => {
    await writeDeadLetter('order-7', 0, {}, false);
    await writeDeadLetter('order-8', 1);

    const redrive = await cli.omnibus('dlq', 'redrive', '--service', harness.service, '--all', '--yes');
    expect(redrive.code).toBe(1);
    expect(redrive.stdout).toContain('re-drove 1 dead letter(s)');
    expect(redrive.stdout).toContain(`dead letter 0:0 of ${harness.deadLetterTopic} has no ${FailureHeader.consumerGroup} header`);
    expect(await retryTopicRecords()).toBe(1); // only order-8's

    const list = await cli.omnibus('dlq', 'list', '--service', harness.service);
    expect(list.stdout).toContain('order-7');
    expect(list.stdout).not.toContain('order-8');
    expect(list.stdout).toContain('1 dead letter(s)');
  });

  it('a re-drive is booked before it is sent: when the bookkeeping cannot be written nothing is sent, and the next re-drive delivers it once', async () => {
    await harness.consumer({ retry: { inPlaceRetries: 1, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [] } }).start();
    const [, poisonId] = await harness.publish([
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-2', quantity: 1, sequence: 2, poison: 'until-fixed' },
    ]);
    await waitFor(async () => (await harness.deadLetters()).length === 1, { what: 'the poison request dead-lettered' });
    fix.deployed = true;

    // The operations database refuses the bookkeeping (a real trigger in PostgreSQL, as a full disk or a revoked grant would).
    expect((await cli.omnibus('dlq', 'list', '--service', harness.service)).code).toBe(0); // creates the tables
    await operationsSql(`
      CREATE FUNCTION refuse_redrive() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'bookkeeping unavailable'; END $$;
      CREATE TRIGGER refuse_redrive BEFORE INSERT ON dead_letter_redrive FOR EACH ROW EXECUTE FUNCTION refuse_redrive();`);
    const failed = await cli.omnibus('dlq', 'redrive', '--service', harness.service, '--all', '--yes');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('bookkeeping unavailable');
    expect(await retryTopicRecords()).toBe(0);

    await operationsSql(`DROP TRIGGER refuse_redrive ON dead_letter_redrive`);
    const redrive = await cli.omnibus('dlq', 'redrive', '--service', harness.service, '--all', '--yes');
    expect(redrive).toMatchObject({ code: 0, stderr: '' });
    await waitFor(async () => (await harness.reservations()).some((r) => r.eventId === poisonId), { what: 'the re-driven request reserved' });
    expect(await retryTopicRecords()).toBe(1);
    expect((await cli.omnibus('dlq', 'list', '--service', harness.service)).stdout).toContain('0 dead letter(s)');
  });

  it('a re-drive whose send fails stays visible as pending and the next re-drive completes it', async () => {
    await writeDeadLetter('order-3', 0, { [FailureHeader.retryTopic]: `${harness.retryTopic}.gone` });

    const failed = await cli.omnibus('dlq', 'redrive', '--service', harness.service, '--all', '--yes');
    expect(failed.code).toBe(1);
    const list = await cli.omnibus('dlq', 'list', '--service', harness.service);
    expect(list.stdout).toMatch(/order-3.*pending \d{4}-/);
    expect(list.stdout).toContain('1 dead letter(s)');

    // The topic is back: the pending re-drive is sent once and booked as done.
    const gone = `${harness.retryTopic}.gone`;
    await createTestTopics(harness.admin, [{ topic: gone, numPartitions: 1 }]);
    try {
      expect((await cli.omnibus('dlq', 'redrive', '--service', harness.service, '--all', '--yes')).code).toBe(0);
      expect((await harness.admin.fetchTopicOffsets(gone))[0].high).toBe('1');
      expect((await cli.omnibus('dlq', 'list', '--service', harness.service)).stdout).toContain('0 dead letter(s)');
    } finally {
      await harness.admin.deleteTopics({ topics: [gone] }).catch(() => undefined);
    }
  });

  it('dlq list streams the topic partition by partition and stops at --limit; show reads one record by its id', async () => {
    for (let i = 0; i < 6; i++) await writeDeadLetter(`order-${i}`, i % 2);

    const limited = await cli.omnibus('dlq', 'list', '--service', harness.service, '--limit', '4');
    expect(limited.code).toBe(0);
    expect(limited.stdout).toContain('4 dead letter(s) (stopped at --limit 4');
    // Partition 0 is read first, in full (its three), then partition 1 until the limit.
    const ids = limited.stdout.split('\n').map((line) => /^(\d+:\d+)\s/.exec(line)?.[1]).filter(Boolean);
    expect(ids.sort()).toEqual(['0:0', '0:1', '0:2', '1:0']);

    const all = await cli.omnibus('dlq', 'list', '--service', harness.service, '--key', 'order-5');
    expect(all.stdout).toContain('1 dead letter(s)');
    expect(all.stdout).not.toContain('stopped at');

    const show = await cli.omnibus('dlq', 'show', '1:2', '--service', harness.service);
    expect(show).toMatchObject({ code: 0, stderr: '' });
    expect(show.stdout).toContain('key             order-5');
  });
});
