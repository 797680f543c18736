import { waitFor } from '@omnibus/testing';
import { createHarness, Harness, ReservationRequest, reserveStock, StockReservationRequested } from '../../test/harness';
import { EventHandler, FailureHeader } from '..';

jest.setTimeout(60_000);

describe('a query that always times out', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await createHarness({ partitions: 1 });
  });

  afterEach(async () => {
    await harness.close();
  });

  it('goes through its retries to the dead letters instead of stalling the partition as if the database were down', async () => {
    const reserve = reserveStock('consumer');
    const handler: EventHandler<ReservationRequest> = async (event, context) => {
      if (event.payload.sku === 'SKU-SLOW') {
        // A poison query: this event's report scans far more than the statement timeout allows.
        await context.manager.query(`SET LOCAL statement_timeout = '50ms'`);
        await context.manager.query(`SELECT pg_sleep(2)`);
      }
      await reserve(event, context);
    };
    await harness.consumer({
      handlers: [{ eventType: StockReservationRequested, handle: handler as EventHandler }],
      retry: { inPlaceRetries: 2, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [200] },
    }).start();

    const ids = await harness.publish([
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-SLOW', quantity: 1, sequence: 2 },
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 3 },
    ]);

    const [deadLetter] = await waitFor(async () => {
      const records = await harness.deadLetters();
      return records.length === 1 ? records : undefined;
    }, { what: 'the poison query dead-lettered', timeoutMs: 25_000 });
    expect(deadLetter.headers.ce_id).toBe(ids[1]);
    expect(deadLetter.headers[FailureHeader.errorKind]).toBe('transient');
    expect(deadLetter.headers[FailureHeader.errorMessage]).toMatch(/statement timeout/);
    expect(deadLetter.headers[FailureHeader.retryRound]).toBe('1');
    await waitFor(async () => (await harness.reservations()).length === 2, { what: 'the events around it reserved' });
    expect((await harness.reservations()).map((r) => r.sequence)).toEqual([1, 3]);
  });
});
