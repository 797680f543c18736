import { metricsRegistry } from '@omnibus/observability';
import { waitFor } from '@omnibus/testing';
import { createHarness, fix, Harness, reserveStock, StockReservationRequested } from '../../test/harness';
import { DependencyUnavailableError, envelopeHeaders, EventHandler, FailureHeader } from '..';

jest.setTimeout(60_000);

describe('EventConsumer against the real Kafka and PostgreSQL', () => {
  let harness: Harness;

  beforeEach(async () => {
    fix.deployed = false;
    harness = await createHarness();
  });

  afterEach(async () => {
    await harness.close();
  });

  it('reserves stock once per request, even when a request is delivered twice', async () => {
    const ids = await harness.publish(
      Array.from({ length: 30 }, (_, i) => ({ orderId: `order-${i % 5}`, sku: 'SKU-1', quantity: 1, sequence: i })),
    );
    // The first event published again (an upstream relay retry): same ce_id.
    const { headers } = envelopeHeaders(
      { topic: harness.topic, type: StockReservationRequested, key: 'order-0', payload: {}, id: ids[0] },
      'omnibus/test',
    );
    await harness.producer.send({
      topic: harness.topic,
      messages: [
        {
          key: 'order-0',
          value: await harness.codec.encode(harness.topic, StockReservationRequested, { orderId: 'order-0', sku: 'SKU-1', quantity: 1, sequence: 0 }),
          headers,
        },
      ],
    });
    await harness.consumer().start();

    const reservations = await waitFor(async () => {
      const rows = await harness.reservations();
      return rows.length >= 30 ? rows : undefined;
    }, { what: '30 reservations' });
    const inbox = await harness.dataSource.query(`SELECT count(*)::int AS n FROM messaging_inbox`);
    expect(inbox[0].n).toBe(30);
    expect(new Set(reservations.map((r) => r.eventId)).size).toBe(30);
    expect(reservations).toHaveLength(30);
    // Per order, reservations were made in publication order.
    for (let order = 0; order < 5; order++) {
      const sequences = reservations.filter((r) => r.orderId === `order-${order}`).map((r) => r.sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    }
  });

  it('sends a poison request to dead letters while the requests behind it keep flowing', async () => {
    await harness.publish([
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-404', quantity: 1, sequence: 2, poison: 'permanent' },
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 3 },
      { orderId: 'order-2', sku: 'SKU-1', quantity: 1, sequence: 1 },
    ]);
    await harness.consumer().start();

    const deadLetters = await waitFor(async () => {
      const records = await harness.deadLetters();
      return records.length === 1 ? records : undefined;
    }, { what: 'one dead letter' });
    await waitFor(async () => (await harness.reservations()).length === 3, { what: 'the other three reservations' });

    const reservations = await harness.reservations();
    expect(reservations.filter((r) => r.orderId === 'order-1').map((r) => r.sequence)).toEqual([1, 3]);
    const { headers, key } = deadLetters[0];
    expect(key).toBe('order-1');
    expect(headers[FailureHeader.originalTopic]).toBe(harness.topic);
    expect(headers[FailureHeader.consumerGroup]).toBe(harness.service);
    expect(headers[FailureHeader.errorMessage]).toBe('SKU SKU-404 does not exist');
    expect(headers[FailureHeader.errorClass]).toBe('Error');
    expect(headers[FailureHeader.errorKind]).toBe('transient');
    // 1 in the batch + 1 in place, then 1 more after the retry-topic round (+1 in place).
    expect(Number(headers[FailureHeader.attempts])).toBe(4);
    expect(headers[FailureHeader.retryRound]).toBe('1');
    expect(headers[FailureHeader.originalOffset]).toMatch(/^\d+$/);
    expect(Date.parse(headers[FailureHeader.firstFailureAt])).toBeLessThanOrEqual(Date.parse(headers[FailureHeader.lastFailureAt]));
    expect(headers.ce_type).toBe(StockReservationRequested);
  });

  it('in sequenced mode, parks later requests of the order behind the failed one and releases them in order once it succeeds', async () => {
    const sequenced = harness.consumer({
      handlers: [{ eventType: StockReservationRequested, sequenced: true, handle: reserveStock('consumer') as EventHandler }],
      retry: { inPlaceRetries: 0, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [1_500] },
    });
    await harness.publish([
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-2', quantity: 1, sequence: 2, poison: 'until-fixed' },
      { orderId: 'order-1', sku: 'SKU-3', quantity: 1, sequence: 3 },
      { orderId: 'order-2', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-4', quantity: 1, sequence: 4 },
    ]);
    await sequenced.start();

    await waitFor(async () => {
      const parked = await harness.dataSource.query(`SELECT count(*)::int AS n FROM messaging_parked_event`);
      return parked[0].n === 2;
    }, { what: 'two requests of order-1 parked' });
    const beforeFix = await harness.reservations();
    expect(beforeFix.map((r) => `${r.orderId}#${r.sequence}`).sort()).toEqual(['order-1#1', 'order-2#1']);

    fix.deployed = true; // the retry-topic round now succeeds, and the parked requests follow
    await waitFor(async () => (await harness.reservations()).length === 5, { what: 'all five reservations' });
    const order1 = (await harness.reservations()).filter((r) => r.orderId === 'order-1').map((r) => r.sequence);
    expect(order1).toEqual([1, 2, 3, 4]);
    await waitFor(async () => {
      const keys = await harness.dataSource.query(`SELECT count(*)::int AS n FROM messaging_parked_key`);
      return keys[0].n === 0;
    }, { what: 'order-1 unparked' });
  });

  it('keeps a request whose handler says the stock service is unavailable on its partition, then applies it', async () => {
    let available = false;
    const consumer = harness.consumer({
      handlers: [
        {
          eventType: StockReservationRequested,
          handle: async (event, context) => {
            if (!available) throw new DependencyUnavailableError('warehouse system unreachable');
            await reserveStock('consumer')(event as never, context);
          },
        },
      ],
      blockedBackoffMs: { initial: 100, max: 200 },
    });
    await harness.publish([{ orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 }]);
    await consumer.start();
    await waitFor(async () => {
      const metrics = await metricsRegistry.getSingleMetricAsString('omnibus_consumer_partition_pauses_total');
      return metrics.includes(harness.topic);
    }, { what: 'the partition paused' });
    available = true;
    await waitFor(async () => (await harness.reservations()).length === 1, { what: 'the reservation once available' });
    expect(await harness.deadLetters()).toHaveLength(0);
  });
});
