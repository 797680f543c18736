import { waitFor } from '@omnibus/testing';
import type { EntityManager } from 'typeorm';
import { createHarness, Harness, ReservationRequest, StockReservationRequested } from '../../test/harness';
import { DependencyUnavailableError, EventFailedInChunk, EventHandler, FailureHeader } from '..';

jest.setTimeout(60_000);

/**
 * A handler that hands its event over to be written once per chunk (context.beforeCommit), as
 * inventory's reservation chunks do: the rows land in one statement with the chunk's inbox records.
 */
function batchedReservations(failure: 'whole-chunk' | 'names-the-event' = 'whole-chunk'): { handler: EventHandler<ReservationRequest>; chunkSizes: number[]; down: { now: boolean; attempts: number } } {
  const down = { now: false, attempts: 0 };
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
        if (down.now) {
          down.attempts++;
          throw new DependencyUnavailableError('the stock service is down');
        }
        const poisoned = chunk.find(({ request }) => request.poison === 'permanent');
        if (poisoned && failure === 'names-the-event') throw new EventFailedInChunk(poisoned.id, new Error('SKU does not exist'));
        if (poisoned) throw new Error('SKU does not exist');
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
  return { handler, chunkSizes, down };
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

  it('work that names the event that failed fails only that one: the events before and after it run again as chunks', async () => {
    const { handler, chunkSizes } = batchedReservations('names-the-event');
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
    expect(deadLetter.headers[FailureHeader.errorMessage]).toContain('SKU does not exist');
    await waitFor(async () => ((await harness.reservations()).length === 11 ? true : undefined), { what: 'the 11 others reserved' });
    expect((await harness.reservations()).map((r) => r.sequence).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]);
    // Only the failing event ran alone: every other run held more than one event.
    const alone = chunkSizes.filter((size) => size === 1).length;
    const runsOfTheFailingOne = chunkSizes.length - chunkSizes.filter((size) => size > 1).length;
    expect(alone).toBe(runsOfTheFailingOne);
    // The first run held all twelve; then the seven before and the four after, each as one chunk.
    expect(chunkSizes.filter((size) => size > 1)).toEqual([12, 7, 4]);
  });

  it('a dependency down in the work blocks the partition (nothing dead-lettered) until it is back', async () => {
    const { handler, down } = batchedReservations();
    down.now = true;
    await harness.consumer({
      handlers: [{ eventType: StockReservationRequested, handle: handler as EventHandler }],
      retry: { inPlaceRetries: 1, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [] },
      blockedBackoffMs: { initial: 50, max: 200 },
      maxEventsPerTransaction: 500,
    }).start();
    const ids = await harness.publish(Array.from({ length: 10 }, (_, i) => ({ orderId: `order-${i}`, sku: 'SKU-1', quantity: 1, sequence: i })));
    // Paused and read again, never split up: the work of all ten ran again and again.
    await waitFor(() => (down.attempts >= 3 ? true : undefined), { what: 'the partition retried while blocked' });
    expect(await harness.dataSource.query(`SELECT 1 FROM messaging_inbox`)).toHaveLength(0);
    down.now = false;
    await waitFor(async () => ((await harness.reservations()).length === 10 ? true : undefined), { what: 'all 10 reserved once the dependency is back' });
    expect((await harness.reservations()).map((r) => r.eventId).sort()).toEqual([...ids].sort());
    expect(await harness.deadLetters()).toHaveLength(0);
  });
});
