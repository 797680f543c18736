import { eventTypes, OrderPlaced, sampleOrderPlaced } from '@omnibus/contracts';
import { waitFor } from '@omnibus/testing';
import { createHarness, Harness } from '../../test/harness';
import { AvroEventCodec, AvroSerde, InMemorySchemaRegistry, SchemaRegistryClient } from '../serde';
import { envelopeHeaders, EventHandler } from '..';

jest.setTimeout(60_000);

describe('a schema registry that cannot be reached while events arrive', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await createHarness({ partitions: 1, name: 'billing' });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('holds the partition (nothing dead-lettered, nothing skipped) and handles every event once it is back', async () => {
    const registry = new InMemorySchemaRegistry();
    const producerCodec = new AvroEventCodec(
      new AvroSerde({ registry: new SchemaRegistryClient({ url: 'http://registry.test', fetch: registry.fetch }), autoRegister: true }),
    );
    let registryUp = false;
    let refused = 0;
    const flakyFetch: typeof fetch = async (input, init) => {
      if (!registryUp) {
        refused++;
        throw new TypeError('fetch failed: connect ECONNREFUSED registry.test:443');
      }
      return registry.fetch(input, init);
    };
    // The consumer's serde has no schema cached: its first record has to ask the registry.
    const consumerCodec = new AvroEventCodec(new AvroSerde({ registry: new SchemaRegistryClient({ url: 'http://registry.test', fetch: flakyFetch }) }));
    const handled: string[] = [];
    const recordOrder: EventHandler<OrderPlaced> = async (event) => {
      handled.push(event.payload.orderId);
    };
    const { topic } = harness;
    const orders = [1, 2, 3].map((n) => ({ ...sampleOrderPlaced(n), orderId: `order-${n}` }));
    await harness.producer.send({
      topic,
      messages: await Promise.all(
        orders.map(async (order) => ({
          key: order.orderId,
          value: await producerCodec.encode(topic, eventTypes.OrderPlaced, order),
          headers: envelopeHeaders({ topic, type: eventTypes.OrderPlaced, key: order.orderId, payload: {} }, 'omnibus/order').headers,
        })),
      ),
    });
    await harness
      .consumer({
        decoder: consumerCodec,
        handlers: [{ eventType: eventTypes.OrderPlaced, handle: recordOrder as EventHandler }],
        blockedBackoffMs: { initial: 100, max: 200 },
      })
      .start();

    await waitFor(() => refused >= 2, { what: 'the consumer asking the unreachable registry again' });
    expect(handled).toEqual([]);
    registryUp = true;
    await waitFor(() => handled.length === 3, { what: 'the three orders handled' });
    expect(handled).toEqual(orders.map((order) => order.orderId));
    expect(await harness.deadLetters()).toEqual([]);
  });
});
