import { AvailabilityChanged, OrderCancelled, OrderConfirmed, OrderPlaced, ReturnRefunded, sampleOrderPlaced, ShipmentDispatched, StockReserved } from '@omnibus/contracts';
import { decimal, mappedEventTypes, publicEventOf, webhookBodyOf } from './public-events';

const at = new Date('2026-12-06T10:00:00.000Z');

describe('public webhook payloads (version 1)', () => {
  it('order.placed carries the order without the customer’s personal data', () => {
    const placed = sampleOrderPlaced(2);
    const event = publicEventOf(OrderPlaced.type, placed)!;
    expect(event).toMatchObject({ type: 'order.placed', aggregate: { kind: 'order', id: placed.orderId }, channelId: 'web-de' });
    expect(event.data).toMatchObject({ orderId: placed.orderId, channelOrderRef: 'WEB-DE-1004711', channel: { id: 'web-de', kind: 'WEB' }, brand: 'acme' });
    expect((event.data.lines as unknown[])[0]).toEqual({ lineId: 'L1', sku: 'SKU-100200', name: expect.any(String), quantity: '1', unitPrice: { amountMinor: 8999, currency: 'EUR' }, discount: { amountMinor: 500, currency: 'EUR' }, tax: { amountMinor: 1437, currency: 'EUR' } });
    const text = JSON.stringify(event.data);
    for (const personal of ['Erika', 'erika@example.com', 'Heidestraße', '+49221']) expect(text).not.toContain(personal);
  });

  it('order.confirmed and order.cancelled; an operator’s id is not shown to partners', () => {
    const confirmed: OrderConfirmed = { orderId: 'o-1', channelOrderRef: 'W-1', channel: { channelId: 'web-us', kind: 'WEB' }, companyId: 'acme', reservationId: 'r-1', paymentId: 'p-1', grandTotal: { amountMinor: 1250, currency: 'USD' }, occurredAt: at };
    expect(publicEventOf(OrderConfirmed.type, confirmed)).toEqual({
      type: 'order.confirmed',
      aggregate: { kind: 'order', id: 'o-1' },
      occurredAt: at,
      channelId: 'web-us',
      data: { orderId: 'o-1', channelOrderRef: 'W-1', channel: { id: 'web-us', kind: 'WEB' }, grandTotal: { amountMinor: 1250, currency: 'USD' } },
    });
    const cancelled = (cancelledBy: string | null): OrderCancelled => ({ orderId: 'o-1', companyId: 'acme', reason: 'OPERATOR', note: 'internal note', cancelledBy, occurredAt: at });
    expect(publicEventOf(OrderCancelled.type, cancelled('operator:alice'))!.data).toEqual({ orderId: 'o-1', reason: 'OPERATOR', cancelledBy: 'operator' });
    expect(publicEventOf(OrderCancelled.type, cancelled('customer'))!.data.cancelledBy).toBe('customer');
  });

  it('order.shipped comes from a dispatched shipment, in the order’s lane, without the delivery address', () => {
    const shipped: ShipmentDispatched = {
      shipmentId: 's-1', orderId: 'o-1', companyId: 'acme', fromLocation: { locationId: 'wh-1', locationType: 'WAREHOUSE' } as never,
      lines: [{ lineId: 'L1', sku: 'A', quantity: { milli: 2000 }, unitCost: null }], finalShipment: true, carrier: 'dhl', trackingNumber: 'TN1', trackingUrl: null,
      shipTo: { name: 'Someone', line1: 'Street 1' } as never, occurredAt: at,
    };
    const event = publicEventOf(ShipmentDispatched.type, shipped)!;
    expect(event).toMatchObject({ type: 'order.shipped', aggregate: { kind: 'order', id: 'o-1' } });
    expect(event.data).toEqual({ orderId: 'o-1', shipmentId: 's-1', carrier: 'dhl', trackingNumber: 'TN1', trackingUrl: null, finalShipment: true, lines: [{ lineId: 'L1', sku: 'A', quantity: '2' }] });
  });

  it('inventory.availability_changed goes in the SKU’s lane with decimal quantities', () => {
    const changed: AvailabilityChanged = { sku: 'SKU-1', totalAvailable: { milli: 12500 }, channels: [{ channelId: 'web-us', availableToPromise: { milli: 10000 } }], locations: [], oldestObservationAt: at, occurredAt: at };
    expect(publicEventOf(AvailabilityChanged.type, changed)).toMatchObject({ type: 'inventory.availability_changed', aggregate: { kind: 'sku', id: 'SKU-1' }, data: { totalAvailable: '12.5', channels: [{ channelId: 'web-us', availableToPromise: '10' }] } });
  });

  it('return.refunded carries the amounts per line', () => {
    const refunded: ReturnRefunded = { returnId: 'ret-1', orderId: 'o-1', companyId: 'acme', refundId: 'rf-1', lines: [{ lineId: 'L1', sku: 'A', quantity: { milli: 1000 }, amount: { amountMinor: 500, currency: 'EUR' }, tax: { amountMinor: 80, currency: 'EUR' }, taxCode: null }], shippingRefund: { amountMinor: 0, currency: 'EUR' }, total: { amountMinor: 500, currency: 'EUR' }, occurredAt: at };
    expect(publicEventOf(ReturnRefunded.type, refunded)).toMatchObject({ type: 'return.refunded', aggregate: { kind: 'return', id: 'ret-1' }, data: { refundId: 'rf-1', total: { amountMinor: 500, currency: 'EUR' } } });
  });

  it('events partners are not told about map to nothing', () => {
    expect(publicEventOf(StockReserved.type, {})).toBeNull();
    expect(mappedEventTypes()).not.toContain(StockReserved.type);
    expect(mappedEventTypes()).toContain(OrderPlaced.type);
  });

  it('the body wraps the data with its id, version, sequence and the previous delivery’s id', () => {
    const event = publicEventOf(OrderCancelled.type, { orderId: 'o-1', companyId: 'acme', reason: 'CUSTOMER_REQUEST', note: null, cancelledBy: 'customer', occurredAt: at })!;
    expect(JSON.parse(webhookBodyOf(event, { id: 'msg_2', sequence: 2, previousId: 'msg_1' }))).toEqual({
      id: 'msg_2', type: 'order.cancelled', version: 1, occurredAt: '2026-12-06T10:00:00.000Z', sequence: 2, previousId: 'msg_1', aggregate: { kind: 'order', id: 'o-1' },
      data: { orderId: 'o-1', reason: 'CUSTOMER_REQUEST', cancelledBy: 'customer' },
    });
  });

  it('quantities are exact decimal strings', () => {
    expect([1500, 2000, 1, -250, 0, 123456].map((milli) => decimal({ milli }))).toEqual(['1.5', '2', '0.001', '-0.25', '0', '123.456']);
  });
});
