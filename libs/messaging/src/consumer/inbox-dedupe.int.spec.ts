import { waitFor } from '@omnibus/testing';
import { createHarness, Harness, StockReservationRequested } from '../../test/harness';
import { envelopeHeaders } from '..';
import { consumerMetrics } from './metrics';

jest.setTimeout(60_000);

async function duplicatesSeen(group: string): Promise<number> {
  const { values } = await consumerMetrics.outcomes.get();
  return values.filter((v) => v.labels.consumer_group === group && v.labels.outcome === 'duplicate').reduce((sum, v) => sum + v.value, 0);
}

describe('the inbox across batches', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await createHarness();
  });

  afterEach(async () => {
    await harness.close();
  });

  it('acknowledges an event delivered again in a later batch without running its handler twice', async () => {
    const requests = Array.from({ length: 10 }, (_, i) => ({ orderId: `order-${i % 3}`, sku: 'SKU-1', quantity: 1, sequence: i }));
    const ids = await harness.publish(requests);
    await harness.consumer().start();
    await waitFor(async () => (await harness.reservations()).length === 10, { what: '10 reservations' });

    // Long after the first batch committed, the same events come again (a relay republishing
    // after a crash): other batches, other transactions, so only the inbox's ON CONFLICT can tell.
    const again = await Promise.all(
      requests.map(async (request, i) => {
        const { headers } = envelopeHeaders(
          { topic: harness.topic, type: StockReservationRequested, key: request.orderId, payload: request, id: ids[i] },
          'omnibus/test',
        );
        return { key: request.orderId, value: await harness.codec.encode(harness.topic, StockReservationRequested, request), headers };
      }),
    );
    await harness.producer.send({ topic: harness.topic, acks: -1, messages: again });

    await waitFor(async () => (await duplicatesSeen(harness.service)) === 10, { what: 'the 10 redeliveries acknowledged as duplicates' });
    const reservations = await harness.reservations();
    expect(reservations).toHaveLength(10);
    expect(new Set(reservations.map((r) => r.eventId))).toEqual(new Set(ids));
  });
});
