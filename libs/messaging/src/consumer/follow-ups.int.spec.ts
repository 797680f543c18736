import { waitFor } from '@omnibus/testing';
import { createHarness, FramedJsonCodec, Harness, ReservationRequest, reserveStock, StockReservationRequested } from '../../test/harness';
import { EventHandler, EventOutbox, PermanentError } from '..';

jest.setTimeout(60_000);

describe('follow-up events of a handler', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await createHarness({ partitions: 1 });
  });

  afterEach(async () => {
    await harness.close();
  });

  it('are staged only if the handler’s transaction commits: a handler failing after emit leaves no follow-up behind', async () => {
    const reserve = reserveStock('consumer');
    const handler: EventHandler<ReservationRequest> = async (event, context) => {
      await reserve(event, context);
      await context.emit({ topic: 'retail.reservations', type: 'omnibus.test.StockReserved', key: event.payload.orderId, payload: { sequence: event.payload.sequence } });
      if (event.payload.sku === 'SKU-404') throw new PermanentError('SKU-404 does not exist');
    };
    await harness.consumer({
      handlers: [{ eventType: StockReservationRequested, handle: handler as EventHandler }],
      outbox: new EventOutbox({ source: 'omnibus/inventory', encoder: new FramedJsonCodec() }),
    }).start();
    await harness.publish([
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-404', quantity: 1, sequence: 2 },
    ]);

    await waitFor(async () => (await harness.deadLetters()).length === 1, { what: 'the failing request dead-lettered' });
    const staged: Array<{ key: string }> = await harness.dataSource.query(`SELECT key FROM outbox`);
    expect(staged).toHaveLength(1);
    expect((await harness.reservations()).map((r) => r.sequence)).toEqual([1]);
  });
});
