import { placeOrderRequestSchema } from './place-order-request';
import { webOrderRequest } from '../../test/orders';

function issuesOf(body: unknown): Array<{ path: string; message: string }> {
  const result = placeOrderRequestSchema.safeParse(body);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('the POST /orders body', () => {
  it('accepts a typical web order and reads quantities exactly, in thousandths', () => {
    const body = webOrderRequest({ lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '2.5', unitPrice: { amountMinor: 1999, currency: 'USD' } }] });
    const parsed = placeOrderRequestSchema.parse(body);
    expect(parsed.lines[0].quantity).toEqual({ milli: 2500 });
    expect(parsed.lines[0].discount).toBeNull();
    expect(parsed.placedAt).toBeNull();
  });

  it('takes whole quantities as numbers but refuses fractions that JSON numbers cannot hold exactly', () => {
    expect(issuesOf(webOrderRequest({ lines: [{ sku: 'A', name: 'A', quantity: 3, unitPrice: { amountMinor: 100, currency: 'USD' } }] }))).toEqual([]);
    expect(issuesOf(webOrderRequest({ lines: [{ sku: 'A', name: 'A', quantity: 0.1, unitPrice: { amountMinor: 100, currency: 'USD' } }] }))).toEqual([
      { path: 'lines.0.quantity', message: 'send fractional quantities as a decimal string, e.g. "0.1"' },
    ]);
  });

  it('names every bad field by its path', () => {
    const body = webOrderRequest({
      lines: [
        { sku: '', name: 'Shirt', quantity: '1.2345', unitPrice: { amountMinor: 19.99, currency: 'usd' } },
        { sku: 'B', name: 'Belt', quantity: '-1', unitPrice: { amountMinor: 500, currency: 'USD' } },
      ],
    });
    expect(issuesOf(body)).toEqual([
      { path: 'lines.0.sku', message: 'must not be empty' },
      { path: 'lines.0.quantity', message: 'must be a decimal quantity with at most 3 decimals, e.g. "2" or "2.5"' },
      { path: 'lines.0.unitPrice.amountMinor', message: 'must be a whole number of minor units (cents), e.g. 1999 for 19.99' },
      { path: 'lines.0.unitPrice.currency', message: 'must be an ISO 4217 code in upper case, e.g. EUR' },
      { path: 'lines.1.quantity', message: 'must be positive' },
    ]);
  });

  it('refuses currencies that are not ISO 4217 and money in another currency than the order', () => {
    expect(issuesOf(webOrderRequest({ currency: 'ABC' }))).toEqual([{ path: 'currency', message: 'is not an ISO 4217 currency' }]);
    expect(issuesOf(webOrderRequest({ shipping: { amountMinor: 495, currency: 'EUR' } }))).toEqual([
      { path: 'shipping.currency', message: 'EUR differs from the order currency USD' },
    ]);
  });

  it('needs an address to deliver to, and a store for click & collect', () => {
    expect(issuesOf(webOrderRequest({ shippingAddress: null }))).toEqual([
      { path: 'billingAddress', message: 'is required when there is no shippingAddress' },
      { path: 'shippingAddress', message: 'is required for delivery' },
    ]);
    expect(issuesOf(webOrderRequest({ fulfilment: { mode: 'CLICK_AND_COLLECT' } }))).toEqual([
      { path: 'fulfilment.pickupLocationId', message: 'is required for CLICK_AND_COLLECT' },
    ]);
  });

  it('refuses line ids used twice and discounts worth more than what they discount', () => {
    const body = webOrderRequest({
      lines: [
        { lineId: 'L1', sku: 'A', name: 'A', quantity: '1', unitPrice: { amountMinor: 500, currency: 'USD' }, discount: { amountMinor: 501, currency: 'USD' } },
        { lineId: 'L1', sku: 'B', name: 'B', quantity: '1', unitPrice: { amountMinor: 500, currency: 'USD' } },
      ],
    });
    expect(issuesOf(body)).toEqual([
      { path: 'lines.1.lineId', message: 'line id L1 is used twice' },
      { path: 'lines.0.discount', message: 'is more than the line is worth (quantity × unitPrice)' },
    ]);
  });

  it('requires the channel to say whether prices include tax', () => {
    const body = webOrderRequest();
    delete body.pricesIncludeTax;
    expect(issuesOf(body)).toEqual([{ path: 'pricesIncludeTax', message: 'is required: true when unit prices include tax' }]);
  });
});
