import { waitFor } from '@omnibus/testing';
import { createHarness, Harness, ReservationRequest } from '../../test/harness';

jest.setTimeout(90_000);

describe('two consumer instances during rebalances', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await createHarness({ partitions: 4 });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('keeps every order’s reservations in order and applies each once while an instance joins and another leaves', async () => {
    const orders = 24;
    let sequence = 0;
    const published: string[] = [];
    const wave = async (size: number) => {
      const requests: ReservationRequest[] = [];
      for (let i = 0; i < size; i++) {
        requests.push({ orderId: `order-${i % orders}`, sku: 'SKU-1', quantity: 1, sequence: sequence + i });
      }
      sequence += size;
      published.push(...(await harness.publish(requests)));
    };
    // A steady stream while instances come and go, so rebalances land between in-flight batches.
    let publishing = true;
    const stream = (async () => {
      while (publishing) {
        await wave(20);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const reservedCount = async () => (await harness.reservations()).length;
    // Small transactions make the rebalances land between many commits.
    const first = harness.consumer({ name: 'first', maxEventsPerTransaction: 10 });
    const second = harness.consumer({ name: 'second', maxEventsPerTransaction: 10 });

    await first.start();
    await waitFor(async () => (await reservedCount()) >= 200, { what: 'the first instance under way' });
    await second.start(); // joins mid-stream: partitions move
    await waitFor(async () => (await harness.reservations()).some((r) => r.reservedBy === 'second'), {
      what: 'the second instance reserving',
    });
    const beforeLeaving = await reservedCount();
    await first.stop(); // leaves mid-stream: its partitions move to the second
    await waitFor(async () => (await reservedCount()) >= beforeLeaving + 200, { what: 'the second instance alone' });
    publishing = false;
    await stream;

    const reservations = await waitFor(async () => {
      const rows = await harness.reservations();
      return rows.length >= published.length ? rows : undefined;
    }, { what: `${published.length} reservations`, timeoutMs: 60_000 });

    expect(reservations).toHaveLength(published.length);
    expect(new Set(reservations.map((r) => r.eventId)).size).toBe(published.length);
    for (let order = 0; order < orders; order++) {
      const sequences = reservations.filter((r) => r.orderId === `order-${order}`).map((r) => r.sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    }
    expect(new Set(reservations.map((r) => r.reservedBy))).toEqual(new Set(['first', 'second']));
  });
});
