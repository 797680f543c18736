import { waitFor } from '@omnibus/testing';
import { createHarness, Harness, ReservationRequest, reserveStock } from '../../test/harness';
import { EventHandler, FailureHeader, PermanentError, redriveHeaders, toDeadLetter } from '..';
import { consumerMetrics } from './metrics';

jest.setTimeout(60_000);

/** How many events of this group went to a retry topic so far. */
async function retriesScheduled(group: string): Promise<number> {
  const { values } = await consumerMetrics.outcomes.get();
  return values
    .filter((v) => v.labels.consumer_group === group && v.labels.outcome === 'retry_scheduled')
    .reduce((sum, v) => sum + v.value, 0);
}

describe('retry tiers and re-drives never wait behind a longer delay', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await createHarness({ partitions: 1 });
  });

  afterEach(async () => {
    await harness.close();
  });

  it('handles a short-tier retry and a re-drive while a long-tier retry of the same key waits its delay', async () => {
    // sequence 1: always fails (ends up on the 60 s tier); 2: fails until it comes from a retry
    // topic; 3: fails until the "fix" (then is re-driven from its dead letter).
    let fixedThird = false;
    const reserve = reserveStock('consumer');
    const handler: EventHandler<ReservationRequest> = async (event, context) => {
      const { sequence } = event.payload;
      if (sequence === 1) throw new Error('Odoo answered 503');
      if (sequence === 2 && event.headers[FailureHeader.retryRound] === undefined) throw new Error('timeout on the first try');
      if (sequence === 3 && !fixedThird) throw new PermanentError('unknown SKU');
      await reserve(event, context);
    };
    const consumer = harness.consumer({
      handlers: [{ eventType: 'omnibus.test.StockReservationRequested', handle: handler as EventHandler }],
      // Tier 1: 300 ms; tier 2: a minute (the "15 minutes" of production, shortened).
      retry: { inPlaceRetries: 1, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [300, 60_000] },
    });
    await consumer.start();

    // The same key everywhere: with one retry topic, all would share its partition.
    await harness.publish([{ orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 }]);
    // Round 1 (300 ms) failed too: the event now waits a minute on the long tier.
    await waitFor(async () => (await retriesScheduled(harness.service)) >= 2, { what: 'the first event handed to the long tier' });

    await harness.publish([{ orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 3 }]);
    const [deadLetter] = await waitFor(async () => {
      const records = await harness.deadLetters();
      return records.length === 1 ? records : undefined;
    }, { what: 'the third event dead-lettered' });
    fixedThird = true;
    // What `omnibus dlq redrive` sends, to the topic the dead letter names.
    const dl = toDeadLetter(harness.deadLetterTopic, { partition: 0, offset: '0', timestamp: String(Date.now()), ...deadLetter });
    expect(dl.retryTopic).toBe(harness.retryTopic);
    await harness.producer.send({
      topic: dl.retryTopic,
      acks: -1,
      messages: [{ key: dl.key, value: dl.value, headers: redriveHeaders(dl, 'test-operator', new Date()) }],
    });

    await harness.publish([{ orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 2 }]);

    // Well inside the long tier's minute: the short retry and the re-drive are done.
    const reservations = await waitFor(async () => {
      const rows = await harness.reservations();
      return rows.length >= 2 ? rows : undefined;
    }, { what: 'the short-tier retry and the re-drive handled', timeoutMs: 25_000 });
    expect(reservations.map((r) => r.sequence).sort()).toEqual([2, 3]);
    // The long-tier retry is still waiting: nothing dead-lettered it or ran it early.
    expect(await harness.deadLetters()).toHaveLength(1);
  });
});
