import type { ExchangeRequested } from '@omnibus/contracts';
import { webOrderRequest } from '../../test/orders';
import { replacementOrder, replacementPaymentPolicy } from './exchange-order';
import { buildOrder } from './order';
import { placeOrderRequestSchema } from './place-order-request';

const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
// The shirt in M, 34.99 with 2.80 tax on top (8 %), to be exchanged for L.
const original = buildOrder(
  placeOrderRequestSchema.parse(webOrderRequest({ lines: [{ sku: 'APP-10001', name: 'Linen shirt, M', quantity: '1', unitPrice: usd(3499), tax: usd(280), taxCode: 'US-CA' }] })),
  { orderId: 'original', acceptedAt: new Date('2026-05-01T10:00:00Z') },
);
const exchange = (total: number, credit = 3779): ExchangeRequested => ({
  exchangeId: 'ex-1',
  returnId: 'ret-1',
  replacementOrderId: 'replacement',
  rmaNumber: 'RMA-1',
  orderId: 'original',
  companyId: original.companyId,
  lines: [{ returnedLineId: '1', returnedSku: 'APP-10001', returnedQuantity: { milli: 1000 }, credit: usd(credit), sku: 'APP-10009', name: 'Linen shirt, L', quantity: { milli: 1000 }, unitPrice: usd(total), total: usd(total) }],
  credit: usd(credit),
  replacementTotal: usd(total),
  amountToCharge: usd(Math.max(0, total - credit)),
  amountToRefund: usd(Math.max(0, credit - total)),
  occurredAt: new Date(),
});

describe('the replacement order of an exchange', () => {
  it('is the original order again with the replacements as lines, the returned goods as its discount and the difference as its total', () => {
    const at = new Date('2026-05-10T10:00:00Z');
    const order = replacementOrder(original, exchange(4279), at);
    expect(order).toMatchObject({
      orderId: 'replacement',
      channelOrderRef: 'EXCH-RMA-1',
      channel: original.channel,
      customer: original.customer,
      shippingAddress: original.shippingAddress,
      paymentReference: original.paymentReference,
      pricesIncludeTax: true,
      acceptedAt: at,
      exchange: { exchangeId: 'ex-1', returnId: 'ret-1', originalOrderId: 'original', paidByReturn: usd(3779), charged: usd(500), refundedAtReceipt: usd(0) },
    });
    // Tax at the returned line's rate (280 of 3779): 4279 × 280 / 3779 = 317.05 → 317.
    expect(order.lines).toEqual([{ lineId: 'X1', sku: 'APP-10009', name: 'Linen shirt, L', quantity: { milli: 1000 }, unitPrice: usd(4279), discount: usd(0), tax: usd(317), taxCode: 'US-CA', total: usd(4279) }]);
    expect(order.totals).toEqual({ linesTotal: usd(4279), shipping: usd(0), orderDiscount: usd(3779), tax: usd(317), grandTotal: usd(500) });
    expect(replacementPaymentPolicy(order, 'authorise_then_capture')).toBe('authorise_then_capture');
  });

  it('a replacement at the same or a lower price costs nothing more and asks for no payment', () => {
    for (const total of [3779, 2999]) {
      const order = replacementOrder(original, exchange(total), new Date());
      expect(order.totals.grandTotal).toEqual(usd(0));
      expect(order.totals.orderDiscount).toEqual(usd(total));
      expect(replacementPaymentPolicy(order, 'authorise_then_capture')).toBe('prepaid');
    }
    expect(replacementOrder(original, exchange(2999), new Date()).exchange!.refundedAtReceipt).toEqual(usd(780));
    expect(replacementPaymentPolicy(original, 'pay_by_link')).toBe('pay_by_link');
  });
});
