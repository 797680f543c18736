import {
  CustomerUpserted,
  EventContract,
  InvalidEventError,
  OrderPlaced,
  defineContract,
  sampleOrderPlaced,
} from '@omnibus/contracts';
import { DECODE_LATER } from '../codec';
import { AvroSerde } from './avro-serde';
import { AvroEventCodec } from './event-codec';
import { IncompatibleSchemaError, UndecodableEventError, UnknownSchemaIdError, UnregisteredSchemaError } from './errors';
import { InMemorySchemaRegistry } from './in-memory-registry';
import { registerProducedSchemas } from './registration';
import { SchemaRegistryClient } from './registry-client';

function setUp(readers?: EventContract<any>[], autoRegister = true) {
  const memory = new InMemorySchemaRegistry();
  const registry = new SchemaRegistryClient({ url: 'http://registry.test', fetch: memory.fetch });
  return { memory, registry, serde: new AvroSerde({ registry, readers, autoRegister }) };
}

/** OrderPlaced as a later version would write it: a new optional field and a new channel kind. */
function orderPlacedV2(): EventContract<any> {
  const schema = structuredClone(OrderPlaced.schema) as any;
  schema.fields.splice(schema.fields.length - 1, 0, {
    name: 'giftWrap',
    type: 'boolean',
    doc: 'True when the customer asked for gift wrapping.',
    default: false,
  });
  const channel = schema.fields.find((field: any) => field.name === 'channel').type;
  const kind = channel.fields.find((field: any) => field.name === 'kind').type;
  kind.symbols = [...kind.symbols.slice(0, -1), 'KIOSK', 'OTHER'];
  return defineContract({ ...OrderPlaced }, schema);
}

describe('Avro serde (Confluent wire format)', () => {
  it('frames the body as magic byte 0, a big-endian schema id, then Avro binary', async () => {
    const { memory, serde } = setUp();
    memory.register('other-subject', { type: 'record', name: 'Filler', namespace: 'x', fields: [] });
    const order = sampleOrderPlaced();
    const message = await serde.encode(OrderPlaced, order);
    expect(message[0]).toBe(0);
    expect(message.readInt32BE(1)).toBe(2);
    expect(message.subarray(5)).toEqual(OrderPlaced.toAvro(order));
  });

  it('round-trips a 10-line order exactly, dates and non-ASCII text included', async () => {
    const { serde } = setUp();
    const order = sampleOrderPlaced();
    order.notes = 'Bitte beim Nachbarn abgeben – Größe 42 🎁';
    const decoded = await serde.decode(await serde.encode(OrderPlaced, order));
    expect(decoded.type).toBe('com.omnibus.order.OrderPlaced');
    expect(decoded.contract).toBe(OrderPlaced);
    expect(decoded.value).toEqual(order);
    expect((decoded.value as OrderPlaced).placedAt).toBeInstanceOf(Date);
  });

  it('makes no registry call in steady state, for encoding or decoding', async () => {
    const { registry, serde } = setUp();
    const order = sampleOrderPlaced();
    await serde.decode(await serde.encode(OrderPlaced, order));
    const callsAfterWarmUp = registry.requestCount;
    for (let i = 0; i < 500; i++) await serde.decode(await serde.encode(OrderPlaced, order));
    expect(registry.requestCount).toBe(callsAfterWarmUp);
  });

  it('lets a consumer built on v1 read events written with v2, unknown enum symbols falling back to the default', async () => {
    const v2 = orderPlacedV2();
    const producer = setUp([v2]);
    const order = { ...sampleOrderPlaced(), giftWrap: true, channel: { channelId: 'kiosk-7', kind: 'KIOSK' } };
    const message = await producer.serde.encode(v2, order);

    const v1Consumer = new AvroSerde({ registry: producer.registry, readers: [OrderPlaced] });
    const decoded = await v1Consumer.decode(message);
    expect(decoded.contract).toBe(OrderPlaced);
    expect(decoded.value).not.toHaveProperty('giftWrap');
    expect((decoded.value as OrderPlaced).channel.kind).toBe('OTHER');
    expect((decoded.value as OrderPlaced).orderId).toBe(order.orderId);
  });

  it('lets a consumer built on v2 read v1 events, with the new field at its default', async () => {
    const v2 = orderPlacedV2();
    const { registry, serde } = setUp([OrderPlaced]);
    const message = await serde.encode(OrderPlaced, sampleOrderPlaced());
    const v2Consumer = new AvroSerde({ registry, readers: [v2] });
    const value = await v2Consumer.decodeAs(v2, message);
    expect(value.giftWrap).toBe(false);
    expect(value.lines).toHaveLength(10);
  });

  it('reports a writer the reader cannot resolve as IncompatibleSchemaError, naming the field', async () => {
    const schema = structuredClone(OrderPlaced.schema) as any;
    schema.fields.push({ name: 'loyaltyTier', type: 'string', doc: 'Loyalty tier, added without a default.' });
    const strictReader = defineContract<any, string>({ ...OrderPlaced }, schema);
    const { registry, serde } = setUp();
    const message = await serde.encode(OrderPlaced, sampleOrderPlaced());
    const consumer = new AvroSerde({ registry, readers: [strictReader] });
    const failure = consumer.decodeAs(strictReader, message);
    await expect(failure).rejects.toBeInstanceOf(IncompatibleSchemaError);
    await expect(failure).rejects.toThrow(/loyaltyTier/);
    await expect(consumer.decodeAs(CustomerUpserted, message)).rejects.toBeInstanceOf(IncompatibleSchemaError);
  });

  describe('gives UndecodableEventError, never a crash, for bytes that are not a readable event', () => {
    const { registry, serde } = setUp();
    const order = sampleOrderPlaced();
    let good: Buffer;
    beforeAll(async () => {
      good = await serde.encode(OrderPlaced, order);
    });
    /** The same event with one byte of its body replaced: the union index of shippingAddress. */
    const corruptUnionIndex = () => {
      const withNull = OrderPlaced.toAvro({ ...order, shippingAddress: null });
      const body = good.subarray(5);
      const at = [...body].findIndex((byte, index) => byte !== withNull[index]);
      const bytes = Buffer.from(good);
      bytes[5 + at] = 0x7f; // zig-zag -64: a branch the union does not have
      return bytes;
    };
    it.each<[string, () => Buffer]>([
      ['an empty value', () => Buffer.alloc(0)],
      ['a value shorter than the header', () => Buffer.from([0, 0, 0])],
      ['a wrong magic byte', () => Buffer.concat([Buffer.from([1]), good.subarray(1)])],
      ['JSON instead of Avro', () => Buffer.from('{"orderId":"o-1"}')],
      ['a truncated body', () => good.subarray(0, good.length - 7)],
      ['trailing bytes', () => Buffer.concat([good, Buffer.from([1, 2, 3])])],
      ['a corrupt union index', corruptUnionIndex],
    ])('%s', async (_label, bytes) => {
      await expect(serde.decode(bytes())).rejects.toBeInstanceOf(UndecodableEventError);
      await expect(new AvroSerde({ registry }).decodeAs(OrderPlaced, bytes())).rejects.toBeInstanceOf(UndecodableEventError);
    });
  });

  it('gives UnknownSchemaIdError for an id the registry does not know', async () => {
    const { serde } = setUp();
    const message = Buffer.concat([Buffer.from([0, 0, 0, 0x30, 0x39]), OrderPlaced.toAvro(sampleOrderPlaced())]);
    await expect(serde.decode(message)).rejects.toEqual(new UnknownSchemaIdError(12345));
  });

  it('refuses to encode a value that does not fit the schema, naming the bad fields', async () => {
    const { serde } = setUp();
    const order = { ...sampleOrderPlaced(), placedAt: '2025-03-11' } as unknown as OrderPlaced;
    order.lines[2].quantity = { milli: 1.5 };
    const failure = serde.encode(OrderPlaced, order);
    await expect(failure).rejects.toBeInstanceOf(InvalidEventError);
    await expect(failure).rejects.toThrow(/lines\.2\.quantity\.milli.*placedAt|placedAt.*lines\.2\.quantity\.milli/s);
  });

  it('does not register on the fly unless told to: producers register at start-up', async () => {
    const { registry } = setUp();
    const serde = new AvroSerde({ registry });
    await expect(serde.encode(OrderPlaced, sampleOrderPlaced())).rejects.toBeInstanceOf(UnregisteredSchemaError);
  });

  it('reads an event type it has no contract for with the writer schema', async () => {
    const { registry, serde } = setUp();
    const message = await serde.encode(OrderPlaced, sampleOrderPlaced());
    const decoded = await new AvroSerde({ registry, readers: [CustomerUpserted] }).decode(message);
    expect(decoded.contract).toBeUndefined();
    expect(decoded.type).toBe('com.omnibus.order.OrderPlaced');
    expect((decoded.value as { orderId: string }).orderId).toBe(sampleOrderPlaced().orderId);
  });
});

describe('registering the schemas a service produces', () => {
  it("registers the order service's subjects at the catalogue's level, then encodes without any lookup", async () => {
    const { registry } = setUp();
    const serde = new AvroSerde({ registry });
    const registered = await registerProducedSchemas(registry, 'order', { serde });
    const subjects = registered.map((entry) => entry.subject);
    expect(subjects).toContain('retail.orders-com.omnibus.order.OrderPlaced');
    expect(subjects).toContain('odoo.commands-com.omnibus.odoo.CreateSaleOrder');
    expect(subjects).not.toContain('odoo.commands-com.omnibus.odoo.PostJournalEntry');
    expect(await registry.getCompatibility('retail.orders-com.omnibus.order.OrderPlaced')).toBe(OrderPlaced.compatibility);

    const calls = registry.requestCount;
    await serde.encode(OrderPlaced, sampleOrderPlaced());
    expect(registry.requestCount).toBe(calls);
  });

  it('stops start-up with IncompatibleSchemaError when the registry refuses a schema', async () => {
    const { registry } = setUp();
    await registerProducedSchemas(registry, 'order', { contracts: [OrderPlaced] });
    const schema = structuredClone(OrderPlaced.schema) as any;
    schema.fields.push({ name: 'loyaltyTier', type: 'string', doc: 'No default: breaks FULL_TRANSITIVE.' });
    const careless = defineContract<any, string>({ ...OrderPlaced }, schema);
    const failure = registerProducedSchemas(registry, 'order', { contracts: [careless] });
    await expect(failure).rejects.toBeInstanceOf(IncompatibleSchemaError);
    await expect(failure).rejects.toThrow(/loyaltyTier/);
  });
});

describe('AvroEventCodec (the messaging runtime codec)', () => {
  it('encodes by event type and topic, and decodes by the announced type', async () => {
    const { serde } = setUp();
    const codec = new AvroEventCodec(serde);
    const order = sampleOrderPlaced();
    const value = await codec.encode('retail.orders-test', OrderPlaced.type, order);
    expect(serde.schemaIdOf(OrderPlaced, 'retail.orders-test')).toBe(value.readInt32BE(1));
    expect(await codec.decode('retail.orders-test', OrderPlaced.type, value)).toEqual(order);
    await expect(codec.decode('retail.orders-test', CustomerUpserted.type, value)).rejects.toBeInstanceOf(IncompatibleSchemaError);
  });

  it('decodes at once (decodeNow) only once the writer schema is known, and throws what decode rejects with', async () => {
    const { registry, serde } = setUp();
    const value = await new AvroEventCodec(serde).encode('retail.orders-test', OrderPlaced.type, sampleOrderPlaced());
    const consumer = new AvroEventCodec(new AvroSerde({ registry }));
    expect(consumer.decodeNow('retail.orders-test', OrderPlaced.type, value)).toBe(DECODE_LATER);
    const decoded = await consumer.decode('retail.orders-test', OrderPlaced.type, value);
    expect(consumer.decodeNow('retail.orders-test', OrderPlaced.type, value)).toEqual(decoded);
    expect(() => consumer.decodeNow('retail.orders-test', OrderPlaced.type, value.subarray(0, value.length - 7))).toThrow(UndecodableEventError);
    expect(() => consumer.decodeNow('retail.orders-test', OrderPlaced.type, Buffer.from('{}'))).toThrow(UndecodableEventError);
    // No contract for the type: always through decode (the writer schema picks the reader).
    expect(consumer.decodeNow('retail.orders-test', 'com.omnibus.unknown.Thing', value)).toBe(DECODE_LATER);
  });
});
