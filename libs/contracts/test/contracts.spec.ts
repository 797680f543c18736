import {
  CreateSaleOrder,
  InvalidEventError,
  OrderPlaced,
  PostJournalEntry,
  StockPositionChanged,
  contractFor,
  contractsConsumedBy,
  contractsProducedBy,
  eventCatalogue,
  formatQuantity,
  money,
  quantity,
  sampleOrderPlaced,
  serviceTopics,
  topicCatalogue,
  topics,
} from '../src';

describe('event contracts', () => {
  it('name their topic, subject (TopicRecordNameStrategy), key and people', () => {
    expect(OrderPlaced.type).toBe('com.omnibus.order.OrderPlaced');
    expect(OrderPlaced.topic).toBe(topics.retailOrders);
    expect(OrderPlaced.subject).toBe('retail.orders-com.omnibus.order.OrderPlaced');
    expect(OrderPlaced.owner).toBe('order');
    expect(OrderPlaced.consumers).toContain('finance-posting');
    expect(OrderPlaced.keyOf(sampleOrderPlaced())).toBe(sampleOrderPlaced().orderId);
  });

  it('model several producers on one topic: each command type has its own owner', () => {
    expect([CreateSaleOrder.owner, PostJournalEntry.owner]).toEqual(['order', 'finance-posting']);
    expect(topicCatalogue.find((topic) => topic.topic === 'odoo.commands')?.producers).toEqual(['order', 'finance-posting', 'returns', 'inventory']);
    expect(StockPositionChanged.producers).toEqual(['inventory', 'odoo-adapter']);
    expect(contractsProducedBy('finance-posting').map((contract) => contract.name)).toEqual(
      expect.arrayContaining(['JournalEntryPrepared', 'PostJournalEntry']),
    );
    expect(contractsConsumedBy('odoo-adapter').every((contract) => contract.topic === 'odoo.commands')).toBe(true);
  });

  it('round-trip a value through the Avro body', () => {
    const order = sampleOrderPlaced(3);
    expect(OrderPlaced.fromAvro(OrderPlaced.toAvro(order))).toEqual(order);
  });

  it('name every bad field of an invalid value', () => {
    const order = { ...sampleOrderPlaced(1), brand: 7, totals: { ...sampleOrderPlaced(1).totals, tax: { amountMinor: 1.5, currency: 'EUR' } } };
    expect(OrderPlaced.validate(order as never)).toEqual([
      'brand: expected string, got 7',
      'totals.tax.amountMinor: expected long, got 1.5',
    ]);
    expect(() => OrderPlaced.toAvro(order as never)).toThrow(InvalidEventError);
  });

  it('are found by event type, and unknown types are undefined', () => {
    expect(contractFor('com.omnibus.order.OrderPlaced')).toBe(OrderPlaced);
    expect(contractFor('com.omnibus.order.Nope')).toBeUndefined();
    // Every record of the catalogue (ShipmentTrackingUpdated and PaymentLinkSent are the newest).
    expect(Object.keys(eventCatalogue)).toHaveLength(62);
  });

  it('come with the per-service retry and dead-letter topic names', () => {
    expect(serviceTopics.topicNames.order).toEqual({ retry: 'order.retry', deadLetter: 'order.dlq' });
  });
});

describe('money and quantities', () => {
  it('parse decimal quantities exactly at scale 3 and print them back', () => {
    expect(quantity('2.5')).toEqual({ milli: 2500 });
    expect(quantity('0.125')).toEqual({ milli: 125 });
    expect(quantity('-1.05')).toEqual({ milli: -1050 });
    expect(quantity(3)).toEqual({ milli: 3000 });
    expect(formatQuantity({ milli: 2500 })).toBe('2.5');
    expect(formatQuantity({ milli: -1050 })).toBe('-1.05');
    expect(formatQuantity({ milli: 3000 })).toBe('3');
  });

  it('refuse what cannot be represented exactly', () => {
    expect(() => quantity('0.0001')).toThrow(/at most 3 decimals/);
    expect(() => quantity(1.5)).toThrow(/whole units/);
    expect(() => money(19.99, 'EUR')).toThrow(/safe integer/);
    expect(() => money(1999, 'euro')).toThrow(/ISO 4217/);
    expect(money(1999, 'EUR')).toEqual({ amountMinor: 1999, currency: 'EUR' });
  });
});
