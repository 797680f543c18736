import { join } from 'node:path';
import { parse } from 'yaml';
import { findRepositoryRoot, generateAsyncApi, loadRepository, readSchemaSource } from '../src/tooling';

describe('the AsyncAPI document of the event catalogue', () => {
  const repository = loadRepository(readSchemaSource(join(findRepositoryRoot(__dirname), 'schemas')));
  const document = parse(generateAsyncApi(repository));

  it('is AsyncAPI 3.0 with one channel per catalogue topic, addressed by the topic name', () => {
    expect(document.asyncapi).toBe('3.0.0');
    const addresses = Object.values(document.channels).map((channel: any) => channel.address);
    expect(addresses).toEqual(repository.catalogue.topics.map((topic) => topic.topic));
    expect(document.channels['retail-orders'].bindings.kafka).toMatchObject({ topic: 'retail.orders', partitions: 6 });
  });

  it('embeds each event type with its full Avro schema, its key and its registry subject', () => {
    const placed = document.components.messages['com.omnibus.order.OrderPlaced'];
    const assembled = repository.events.find((event) => event.event.type === 'com.omnibus.order.OrderPlaced')!;
    expect(placed.payload).toEqual({ schemaFormat: 'application/vnd.apache.avro+json;version=1.9.0', schema: assembled.schema });
    expect(placed.bindings.kafka.key.description).toContain('orderId');
    expect(placed['x-subject']).toBe('retail.orders-com.omnibus.order.OrderPlaced');
    expect(placed.headers.properties.ce_type).toEqual({ type: 'string', const: 'com.omnibus.order.OrderPlaced' });
    expect(Object.keys(document.components.messages).sort()).toEqual(repository.catalogue.events.map((event) => event.type).sort());
  });

  it('has an operation per service and topic: what the service sends and what it receives', () => {
    const sends = document.operations['order-sends-retail-orders'];
    expect(sends).toMatchObject({ action: 'send', channel: { $ref: '#/channels/retail-orders' } });
    expect(sends.messages).toHaveLength(7);
    const inventoryReceives = document.operations['inventory-receives-retail-orders'];
    expect(inventoryReceives.action).toBe('receive');
    // inventory decodes only the events that name it as consumer, not every event of the topic
    expect(inventoryReceives.messages.map((m: { $ref: string }) => m.$ref.split('/').pop()).sort()).toEqual(
      ['OrderAccepted', 'OrderCancelled', 'OrderConfirmed', 'OrderLineSubstituted'],
    );
    // the adapter publishes stock changes on inventory's topic too
    expect(document.operations['odoo-adapter-sends-retail-inventory'].messages).toEqual([
      { $ref: '#/channels/retail-inventory/messages/StockPositionChanged' },
    ]);
  });
});
