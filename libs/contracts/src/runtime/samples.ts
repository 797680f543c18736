import type { OrderPlaced } from '../generated/events';
import { money, quantity } from './values';

/** Sample data for tests and benchmarks: a typical web order: 10 lines, both addresses, EUR prices including VAT. */
export function sampleOrderPlaced(lineCount = 10): OrderPlaced {
  const address = {
    name: 'Erika Mustermann',
    company: null,
    line1: 'Heidestraße 17',
    line2: '3. OG',
    city: 'Köln',
    postalCode: '51147',
    region: null,
    countryCode: 'DE',
    phone: '+492211234567',
    email: 'erika@example.com',
  };
  const lines = Array.from({ length: lineCount }, (_, index) => ({
    lineId: `L${index + 1}`,
    sku: `SKU-${100200 + index}`,
    name: `Running shoe Aero ${index + 1}, size 42, black`,
    quantity: quantity(1 + (index % 3)),
    unitPrice: money(8999, 'EUR'),
    discount: money(index % 2 === 0 ? 500 : 0, 'EUR'),
    tax: money(1437, 'EUR'),
    taxCode: 'DE-VAT-19',
    total: money(8499, 'EUR'),
  }));
  return {
    orderId: '0192f3a4-6c1e-7c4b-9a55-3f1e2d7c8b90',
    channelOrderRef: 'WEB-DE-1004711',
    channel: { channelId: 'web-de', kind: 'WEB' },
    brand: 'acme',
    companyId: 'acme-de',
    customer: { customerId: 'C-88123', name: 'Erika Mustermann', email: 'erika@example.com', phone: null },
    billingAddress: address,
    shippingAddress: { ...address, line2: null },
    lines,
    totals: {
      linesTotal: money(84990, 'EUR'),
      shipping: money(495, 'EUR'),
      orderDiscount: money(0, 'EUR'),
      tax: money(13649, 'EUR'),
      grandTotal: money(85485, 'EUR'),
    },
    pricesIncludeTax: true,
    fulfilment: {
      mode: 'DELIVERY',
      pickupLocationId: null,
      allowedLocationTypes: ['WAREHOUSE', 'STORE', 'DROPSHIP'],
      allowSplitShipment: true,
      shippingMethod: 'standard',
      promisedBy: new Date('2025-03-14T18:00:00Z'),
    },
    paymentReference: 'pi_3PqRsT2eZvKYlo2C1x9y8z7w',
    notes: null,
    placedAt: new Date('2025-03-11T09:41:12.345Z'),
    occurredAt: new Date('2025-03-11T09:41:12.512Z'),
  };
}
