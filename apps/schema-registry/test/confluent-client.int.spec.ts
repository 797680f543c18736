import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { RegistryUnderTest, startRegistry } from './registry-harness';

/** The real `@kafkajs/confluent-schema-registry` 3.9.0 client against our registry. */
describe('@kafkajs/confluent-schema-registry against the registry', () => {
  let r: RegistryUnderTest;
  let client: SchemaRegistry;

  const orderPlacedV1 = {
    type: 'record',
    name: 'OrderPlaced',
    namespace: 'retail.orders',
    fields: [
      { name: 'orderId', type: 'string' },
      { name: 'totalMinor', type: 'long' },
      { name: 'currency', type: 'string' },
    ],
  };
  const orderPlacedV2 = {
    ...orderPlacedV1,
    fields: [...orderPlacedV1.fields, { name: 'channel', type: { type: 'enum', name: 'Channel', symbols: ['WEB', 'STORE', 'UNKNOWN'], default: 'UNKNOWN' }, default: 'WEB' }],
  };
  const subject = 'retail.orders-value';

  beforeAll(async () => {
    r = await startRegistry('registry_client');
    client = new SchemaRegistry({ host: r.url, clientId: 'omnibus-test' });
  });

  afterAll(async () => {
    await r.stop();
  });

  it('registers a first schema: config 404, register, then the subject level is set', async () => {
    expect(await r.call('GET', `/config/${subject}`)).toMatchObject({ status: 404 });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderPlacedV1) }, { subject });
    expect(id).toBe(1);
    expect((await r.call('GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('registers the same schema again (config now set) and gets the same id', async () => {
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderPlacedV1) }, { subject });
    expect(id).toBe(1);
  });

  it('refuses, on the client side, a registration asking another level than the subject has', async () => {
    await expect(
      client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderPlacedV1) }, { subject, compatibility: COMPATIBILITY.FULL }),
    ).rejects.toThrow(/Compatibility does not match the configuration \(FULL != BACKWARD\)/);
  });

  it('encodes in the Confluent wire format and decodes, also with a client that has no cache', async () => {
    const order = { orderId: '0190f0e2-7a4b-7c1d-9e5f-000000000001', totalMinor: 12_995, currency: 'EUR' };
    const encoded = await client.encode(1, order);
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(1);
    expect(await client.decode(encoded)).toEqual(order);
    const freshClient = new SchemaRegistry({ host: r.url });
    expect(await freshClient.decode(encoded)).toEqual(order);
  });

  it('evolves the schema compatibly and lets a new reader decode old data with defaults', async () => {
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderPlacedV2) }, { subject });
    expect(id).toBe(2);
    const old = await client.encode(1, { orderId: 'o-1', totalMinor: 100, currency: 'GBP' });
    const decoded = await client.decode(old, { [SchemaType.AVRO]: { readerSchema: orderPlacedV2 as never } });
    expect(decoded).toEqual({ orderId: 'o-1', totalMinor: 100, currency: 'GBP', channel: 'WEB' });
  });

  it('surfaces a 409 naming the field when an evolution breaks compatibility', async () => {
    const breaking = { ...orderPlacedV2, fields: [...orderPlacedV2.fields, { name: 'loyaltyTier', type: 'string' }] };
    const attempt = client.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject });
    await expect(attempt).rejects.toMatchObject({ status: 409 });
    await expect(attempt).rejects.toThrow(/reader field 'OrderPlaced\.loyaltyTier' has no default/);
  });

  it('finds ids by subject version, latest and schema', async () => {
    expect(await client.getLatestSchemaId(subject)).toBe(2);
    expect(await client.getRegistryId(subject, 1)).toBe(1);
    expect(await client.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: JSON.stringify(orderPlacedV1) })).toBe(1);
    await expect(
      client.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'Nope', fields: [] }) }),
    ).rejects.toThrow(/Schema not found/);
  });

  it('registers under the record-name subject when no subject is given', async () => {
    const customer = { type: 'record', name: 'CustomerRegistered', namespace: 'retail.customers', fields: [{ name: 'customerId', type: 'string' }] };
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(customer) });
    expect((await r.call('GET', '/subjects/retail.customers.CustomerRegistered/versions/latest')).body).toMatchObject({ id, version: 1 });
  });

  it('resolves schema references when encoding and decoding', async () => {
    const money = { type: 'record', name: 'Money', namespace: 'retail.common', fields: [{ name: 'amountMinor', type: 'long' }, { name: 'currency', type: 'string' }] };
    await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(money) }, { subject: 'retail.common.Money' });
    const refund = { type: 'record', name: 'RefundIssued', namespace: 'retail.returns', fields: [{ name: 'refundId', type: 'string' }, { name: 'amount', type: 'retail.common.Money' }] };
    const { id } = await client.register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify(refund),
        references: [{ name: 'retail.common.Money', subject: 'retail.common.Money', version: 1 }],
      },
      { subject: 'retail.returns-value' },
    );
    const refundIssued = { refundId: 'r-1', amount: { amountMinor: 2_500, currency: 'EUR' } };
    const freshClient = new SchemaRegistry({ host: r.url });
    expect(await freshClient.decode(await client.encode(id, refundIssued))).toEqual(refundIssued);
  });
});
