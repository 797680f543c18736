import { waitFor } from '@omnibus/testing';
import { createHarness, Harness, ReservationRequest, reserveStock, StockReservationRequested } from '../../test/harness';
import { EventHandler, FailureHeader } from '..';

jest.setTimeout(60_000);

describe('a handler that swallows a database error', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await createHarness({ partitions: 1 });
    await harness.dataSource.query(`CREATE TABLE gift_card (code text PRIMARY KEY)`);
    await harness.dataSource.query(`INSERT INTO gift_card (code) VALUES ('GC-TAKEN')`);
  });

  afterEach(async () => {
    await harness.close();
  });

  it('cannot let offsets move past events whose effects were rolled back: the others commit, the culprit is dead-lettered', async () => {
    const reserve = reserveStock('consumer');
    const handler: EventHandler<ReservationRequest> = async (event, context) => {
      await reserve(event, context);
      if (event.payload.sku === 'SKU-GIFT') {
        try {
          await context.manager.query(`INSERT INTO gift_card (code) VALUES ('GC-TAKEN')`);
        } catch {
          // "already issued, fine": the unique violation is caught, but it aborted the transaction.
        }
      }
    };
    await harness.consumer({
      handlers: [{ eventType: StockReservationRequested, handle: handler as EventHandler }],
      retry: { inPlaceRetries: 1, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [] },
      maxEventsPerTransaction: 500,
    }).start();

    // The culprit is the last record: it is the last event of whatever chunk it lands in, so no
    // later query of the same transaction gives the abort away.
    const requests = Array.from({ length: 20 }, (_, i) => ({ orderId: `order-${i % 4}`, sku: i === 19 ? 'SKU-GIFT' : 'SKU-1', quantity: 1, sequence: i }));
    const ids = await harness.publish(requests);

    const [deadLetter] = await waitFor(async () => {
      const records = await harness.deadLetters();
      return records.length === 1 ? records : undefined;
    }, { what: 'the culprit dead-lettered' });
    expect(deadLetter.headers.ce_id).toBe(ids[19]);
    expect(deadLetter.headers[FailureHeader.errorClass]).toBe('TransactionAbortedError');

    const reservations = await harness.reservations();
    expect(reservations.map((r) => r.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 19 }, (_, i) => i));
    const inbox: Array<{ event_id: string }> = await harness.dataSource.query(`SELECT event_id FROM messaging_inbox`);
    expect(new Set(inbox.map((row) => row.event_id))).toEqual(new Set(ids.slice(0, 19)));
  });
});
