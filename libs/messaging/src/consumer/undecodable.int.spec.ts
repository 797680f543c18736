import { eventTypes, OrderPlaced, sampleOrderPlaced } from '@omnibus/contracts';
import { waitFor } from '@omnibus/testing';
import { createHarness, Harness } from '../../test/harness';
import { AvroEventCodec, AvroSerde, InMemorySchemaRegistry, SchemaRegistryClient } from '../serde';
import { envelopeHeaders, EventHandler, FailureHeader } from '..';

jest.setTimeout(60_000);

describe('records the Avro serde cannot read (now or ever)', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await createHarness({ partitions: 1, name: 'inventory' });
  });

  afterEach(async () => {
    await harness.close();
  });

  it('go straight to dead letters with the reason, while readable orders are handled', async () => {
    const registry = new InMemorySchemaRegistry();
    const codec = new AvroEventCodec(
      new AvroSerde({ registry: new SchemaRegistryClient({ url: 'http://registry.test', fetch: registry.fetch }), autoRegister: true }),
    );
    const handled: string[] = [];
    const recordOrder: EventHandler<OrderPlaced> = async (event) => {
      handled.push(event.payload.orderId);
    };
    const { topic } = harness;
    const headers = (orderId: string) =>
      envelopeHeaders({ topic, type: eventTypes.OrderPlaced, key: orderId, payload: {} }, 'omnibus/order').headers;
    const order = sampleOrderPlaced(2);
    const readable = await codec.encode(topic, eventTypes.OrderPlaced, order);
    const unknownSchema = Buffer.from(readable);
    unknownSchema.writeInt32BE(4242, 1);
    await harness.producer.send({
      topic,
      messages: [
        { key: 'bad-bytes', value: Buffer.from('{"orderId":"not avro"}'), headers: headers('bad-bytes') },
        { key: 'unknown-schema', value: unknownSchema, headers: headers('unknown-schema') },
        { key: 'truncated', value: readable.subarray(0, readable.length - 3), headers: headers('truncated') },
        { key: 'no-envelope', value: readable, headers: { ce_type: eventTypes.OrderPlaced } },
        { key: order.orderId, value: readable, headers: headers(order.orderId) },
      ],
    });
    await harness
      .consumer({ decoder: codec, handlers: [{ eventType: eventTypes.OrderPlaced, handle: recordOrder as EventHandler }] })
      .start();

    const deadLetters = await waitFor(async () => {
      const records = await harness.deadLetters();
      return records.length === 4 ? records : undefined;
    }, { what: 'four dead letters' });
    const reason = Object.fromEntries(
      deadLetters.map(({ key, headers: h }) => [key, `${h[FailureHeader.errorKind]} ${h[FailureHeader.errorClass]}: ${h[FailureHeader.errorMessage]}`]),
    );
    expect(reason['bad-bytes']).toMatch(/^undecodable UndecodableEventError: /);
    expect(reason['unknown-schema']).toBe('undecodable UnknownSchemaIdError: schema id 4242 is not in the schema registry');
    expect(reason['truncated']).toMatch(/^undecodable UndecodableEventError: .*(truncated|trailing|corrupt)/);
    expect(reason['no-envelope']).toBe('undecodable MalformedEnvelopeError: missing ce_id header');
    for (const { headers: h } of deadLetters) {
      expect(h[FailureHeader.attempts]).toBe('1');
      expect(h[FailureHeader.retryRound]).toBe('0');
      expect(h[FailureHeader.originalTopic]).toBe(topic);
    }
    await waitFor(() => handled.length === 1, { what: 'the readable order handled' });
    expect(handled).toEqual([order.orderId]);
  });

  it('with the schema registry unreachable, hold the partition (nothing dead-lettered, nothing skipped) until it is back', async () => {
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
