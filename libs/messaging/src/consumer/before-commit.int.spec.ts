import { waitFor } from '@omnibus/testing';
import type { EntityManager } from 'typeorm';
import { createHarness, Harness, ReservationRequest, StockReservationRequested } from '../../test/harness';
import { EventHandler, FailureHeader } from '..';

jest.setTimeout(60_000);

/**
 * A handler that hands its event over to be written once per chunk (context.beforeCommit), as
 * inventory's reservation chunks do: the rows land in one statement with the chunk's inbox records.
 */
function batchedReservations(): { handler: EventHandler<ReservationRequest>; chunkSizes: number[] } {
  const chunkSizes: number[] = [];
  const pending = new WeakMap<EntityManager, Array<{ id: string; request: ReservationRequest }>>();
  const handler: EventHandler<ReservationRequest> = async (event, context) => {
    let items = pending.get(context.manager);
    if (!items) {
      const chunk: Array<{ id: string; request: ReservationRequest }> = (items = []);
      pending.set(context.manager, chunk);
      const write = async () => {
        chunkSizes.push(chunk.length);
        // One statement for the chunk; a poisoned request makes the whole statement fail.
        if (chunk.some(({ request }) => request.poison === 'permanent')) throw new Error('SKU does not exist');
        await context.manager.query(
          `INSERT INTO stock_reservation (event_id, order_id, sku, quantity, sequence, reserved_by)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[])`,
          [chunk.map((c) => c.id), chunk.map((c) => c.request.orderId), chunk.map((c) => c.request.sku), chunk.map((c) => c.request.quantity), chunk.map((c) => c.request.sequence), chunk.map(() => 'chunk')],
        );
      };
      context.beforeCommit(write);
      context.beforeCommit(write); // registered twice in one chunk: runs once
    }
    items.push({ id: event.id, request: event.payload });
  };
  return { handler, chunkSizes };
}

describe('work once per chunk (context.beforeCommit)', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await createHarness({ partitions: 1 });
  });

  afterEach(async () => {
    await harness.close();
  });

  it('runs once after the chunk’s handlers and commits with its inbox records', async () => {
    const { handler, chunkSizes } = batchedReservations();
    await harness.consumer({ handlers: [{ eventType: StockReservationRequested, handle: handler as EventHandler }], maxEventsPerTransaction: 500 }).start();
    const ids = await harness.publish(Array.from({ length: 30 }, (_, i) => ({ orderId: `order-${i % 3}`, sku: 'SKU-1', quantity: 1, sequence: i })));

    await waitFor(async () => ((await harness.reservations()).length === 30 ? true : undefined), { what: '30 reservations' });
    const reservations = await harness.reservations();
    expect(reservations.map((r) => r.eventId).sort()).toEqual([...ids].sort());
    // Fewer writes than events: the work ran per chunk, each event's row written exactly once.
    expect(chunkSizes.reduce((sum, n) => sum + n, 0)).toBe(30);
    expect(chunkSizes.length).toBeLessThan(30);
    const inbox: Array<{ event_id: string }> = await harness.dataSource.query(`SELECT event_id FROM messaging_inbox`);
    expect(new Set(inbox.map((row) => row.event_id))).toEqual(new Set(ids));
  });

  it('a failure fails the chunk: its events run again one by one, the one that fails alone is dead-lettered, the others commit', async () => {
    const { handler } = batchedReservations();
    await harness.consumer({
      handlers: [{ eventType: StockReservationRequested, handle: handler as EventHandler }],
      retry: { inPlaceRetries: 1, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [] },
      maxEventsPerTransaction: 500,
    }).start();
    const requests: ReservationRequest[] = Array.from({ length: 12 }, (_, i) => ({ orderId: `order-${i}`, sku: 'SKU-1', quantity: 1, sequence: i, ...(i === 7 ? { poison: 'permanent' as const } : {}) }));
    const ids = await harness.publish(requests);

    const [deadLetter] = await waitFor(async () => {
      const records = await harness.deadLetters();
      return records.length === 1 ? records : undefined;
    }, { what: 'the failing event dead-lettered' });
    expect(deadLetter.headers.ce_id).toBe(ids[7]);
    await waitFor(async () => ((await harness.reservations()).length === 11 ? true : undefined), { what: 'the 11 others reserved' });
    const reservations = await harness.reservations();
    expect(reservations.map((r) => r.sequence).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]);
    expect(deadLetter.headers[FailureHeader.errorMessage]).toContain('SKU does not exist');
  });
});
