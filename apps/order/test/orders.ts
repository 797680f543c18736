import type { PaymentAuthorized } from '@omnibus/contracts';

/** Request bodies of POST /orders for tests: a US web order for SKUs of the odoo-sim seed. */
export function webOrderRequest(overrides: Record<string, unknown> = {}): Record<string, any> {
  const address = {
    name: 'Jordan Avery',
    line1: '1200 Market Street',
    line2: 'Apt 5B',
    city: 'San Francisco',
    postalCode: '94102',
    region: 'US-CA',
    countryCode: 'US',
    phone: '+14155550123',
    email: 'jordan.avery@example.com',
  };
  return {
    channelOrderRef: `WEB-${Math.floor(Math.random() * 1e9)}`,
    channel: { channelId: 'web-us', kind: 'WEB' },
    brand: 'omnibus',
    companyId: 'omnibus-retail',
    currency: 'USD',
    customer: { customerId: null, name: 'Jordan Avery', email: 'jordan.avery@example.com', phone: '+14155550123' },
    shippingAddress: address,
    lines: [
      { sku: 'APP-10001', name: 'Linen shirt, M, white', quantity: '2', unitPrice: { amountMinor: 3499, currency: 'USD' } },
      { sku: 'FTW-10002', name: 'Trail runner, 42', quantity: '1', unitPrice: { amountMinor: 8999, currency: 'USD' }, discount: { amountMinor: 1000, currency: 'USD' } },
    ],
    shipping: { amountMinor: 495, currency: 'USD' },
    pricesIncludeTax: false,
    fulfilment: { mode: 'DELIVERY', shippingMethod: 'standard' },
    paymentReference: 'pi_3Qdemo000000000001',
    ...overrides,
  };
}

/** The gateway connector's PaymentAuthorized for an order (retail-sim's first intent id). */
export function paymentAuthorized(order: { orderId: string; companyId: string; totals: { grandTotal: PaymentAuthorized['amount'] } }, paymentId: string, occurredAt: Date): PaymentAuthorized {
  return {
    paymentId,
    orderId: order.orderId,
    companyId: order.companyId,
    gateway: 'retail-sim',
    gatewayReference: 'pi_sim_00000001',
    method: 'CARD',
    amount: order.totals.grandTotal,
    expiresAt: null,
    occurredAt,
  };
}
