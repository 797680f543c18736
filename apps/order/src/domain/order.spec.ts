import { OrderAccepted, OrderCancelled, OrderFlaggedForReview, OrderPlaced } from '@omnibus/contracts';
import { webOrderRequest } from '../../test/orders';
import { buildOrder } from './order';
import { orderAccepted, orderCancelled, orderFlaggedForReview, orderPlaced } from './order-messages';
import { orderView } from './order-view';
import { placeOrderRequestSchema } from './place-order-request';
import { extendedPrice, formatMoney } from './pricing';

const ids = { orderId: '0193a0c4-5b2a-7cc1-9a3e-2f1f3f1e0a01', acceptedAt: new Date('2026-03-11T09:41:13.000Z') };
const build = (overrides: Record<string, unknown> = {}) => buildOrder(placeOrderRequestSchema.parse(webOrderRequest(overrides)), ids);

describe('an accepted order', () => {
  it('prices its lines and totals in minor units: quantity × unit price − discount, plus tax unless included', () => {
    const order = build({
      lines: [
        { sku: 'APP-10001', name: 'Shirt', quantity: '2', unitPrice: { amountMinor: 3499, currency: 'USD' }, tax: { amountMinor: 525, currency: 'USD' } },
        { sku: 'FTW-10002', name: 'Runner', quantity: '1', unitPrice: { amountMinor: 8999, currency: 'USD' }, discount: { amountMinor: 1000, currency: 'USD' } },
      ],
      shipping: { amountMinor: 495, currency: 'USD' },
      orderDiscount: { amountMinor: 500, currency: 'USD' },
    });
    expect(order.lines.map((line) => [line.lineId, line.total.amountMinor])).toEqual([
      ['1', 6998 + 525],
      ['2', 7999],
    ]);
    expect(order.totals).toEqual({
      linesTotal: { amountMinor: 15522, currency: 'USD' },
      shipping: { amountMinor: 495, currency: 'USD' },
      orderDiscount: { amountMinor: 500, currency: 'USD' },
      tax: { amountMinor: 525, currency: 'USD' },
      grandTotal: { amountMinor: 15517, currency: 'USD' },
    });
  });

  it('rounds a fractional quantity half up to the cent, in integers', () => {
    expect(extendedPrice({ amountMinor: 199, currency: 'USD' }, { milli: 2500 })).toEqual({ amountMinor: 498, currency: 'USD' });
    expect(extendedPrice({ amountMinor: 9_007_199_254_740, currency: 'USD' }, { milli: 1000 }).amountMinor).toBe(9_007_199_254_740);
    expect(formatMoney({ amountMinor: 15517, currency: 'USD' })).toBe('USD 155.17');
    expect(formatMoney({ amountMinor: 1500, currency: 'JPY' })).toBe('JPY 1500');
  });

  it('bills the shipping address unless told otherwise, and delivers from warehouse or store by default', () => {
    const order = build();
    expect(order.billingAddress).toEqual(order.shippingAddress);
    expect(order.fulfilment).toEqual({
      mode: 'DELIVERY',
      pickupLocationId: null,
      allowedLocationTypes: ['WAREHOUSE', 'STORE'],
      allowSplitShipment: false,
      shippingMethod: 'standard',
      promisedBy: null,
    });
    expect(order.placedAt).toEqual(ids.acceptedAt);
  });

  it('produces OrderPlaced, OrderAccepted, OrderCancelled and OrderFlaggedForReview that fit their contracts', () => {
    const order = build({ placedAt: '2026-03-11T09:41:12+01:00' });
    expect(order.placedAt.toISOString()).toBe('2026-03-11T08:41:12.000Z');
    expect(OrderPlaced.validate(orderPlaced(order))).toEqual([]);
    expect(OrderAccepted.validate(orderAccepted(order))).toEqual([]);
    const cancelled = orderCancelled(order, { step: 'reserveStock', reason: 'OUT_OF_STOCK', detail: 'APP-10001 short' }, ids.acceptedAt);
    expect(OrderCancelled.validate(cancelled)).toEqual([]);
    expect(cancelled).toMatchObject({ reason: 'OUT_OF_STOCK', note: 'reserveStock: OUT_OF_STOCK: APP-10001 short', cancelledBy: 'saga' });
    expect(orderCancelled(order, { step: 'createSaleOrder', reason: 'ODOO_REJECTED' }, ids.acceptedAt).reason).toBe('OTHER');
    const item = { id: 'r1', sagaId: order.orderId, saga: 'order', step: 'reserveStock', phase: 'compensation' as const, reason: 'COMPENSATION_FAILED', openedAt: '', dueBy: '', allowedActions: [] };
    const flagged = orderFlaggedForReview(order, item, ids.acceptedAt);
    expect(OrderFlaggedForReview.validate(flagged)).toEqual([]);
    expect(flagged).toMatchObject({ reason: 'COMPENSATION_FAILED', failedStep: 'reserveStock' });
    expect(orderFlaggedForReview(order, { ...item, reason: 'SOMETHING_NEW' }, ids.acceptedAt).reason).toBe('OTHER');
  });

  it('shows quantities as decimal strings in the API', () => {
    const order = build({ lines: [{ sku: 'GRO-10008', name: 'Coffee beans', quantity: '0.25', unitPrice: { amountMinor: 2400, currency: 'USD' } }] });
    const view = orderView({
      order,
      statuses: { status: 'accepted', paymentStatus: 'pending', fulfilmentStatus: 'awaiting_stock' },
      saga: null,
      history: [{ status: 'accepted', at: ids.acceptedAt, detail: null }],
      timeline: [],
      reviews: [],
    });
    expect(view.lines[0]).toMatchObject({ lineId: '1', quantity: '0.25', total: { amountMinor: 600, currency: 'USD' } });
    expect(view.statusHistory).toEqual([{ status: 'accepted', at: '2026-03-11T09:41:13.000Z', detail: null }]);
  });
});
