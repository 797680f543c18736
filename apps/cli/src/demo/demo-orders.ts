/**
 * The orders the demo posts: what three real customers of a US retailer might buy through the web
 * shop and the mobile app, for products of Odoo's catalogue (odoo-sim's seed), at Odoo's list prices.
 */

/** A product as the demo read it from Odoo. */
export interface CatalogueProduct {
  sku: string;
  name: string;
  /** Odoo's list price (a float in the company currency). */
  listPrice: number;
}

/** SKUs of odoo-sim's seed the demo sells (products 1-6: apparel, footwear, home, electronics, beauty, toys). */
export const DEMO_SKUS = ['APP-10001', 'FTW-10002', 'HOM-10003', 'ELC-10004', 'BTY-10005', 'TOY-10006'] as const;

const CURRENCY = 'USD';
/** odoo-sim's seed sells everything with one 15 % sales tax; the demo's channel charges the same. */
const SALES_TAX_PERCENT = 15;

interface Shopper {
  name: string;
  email: string;
  phone: string;
  address: { line1: string; line2?: string; city: string; postalCode: string; region: string };
}

const SHOPPERS: Shopper[] = [
  { name: 'Jordan Avery', email: 'jordan.avery@example.com', phone: '+14155550123', address: { line1: '1200 Market Street', line2: 'Apt 5B', city: 'San Francisco', postalCode: '94102', region: 'US-CA' } },
  { name: 'Priya Raman', email: 'priya.raman@example.com', phone: '+15125550188', address: { line1: '401 Congress Avenue', city: 'Austin', postalCode: '78701', region: 'US-TX' } },
  { name: 'Marcus Chen', email: 'marcus.chen@example.com', phone: '+17185550142', address: { line1: '85 Jay Street', city: 'Brooklyn', postalCode: '11201', region: 'US-NY' } },
  { name: 'Sofia Moreno', email: 'sofia.moreno@example.com', phone: '+13125550177', address: { line1: '233 South Wacker Drive', city: 'Chicago', postalCode: '60606', region: 'US-IL' } },
  { name: 'Ethan Brooks', email: 'ethan.brooks@example.com', phone: '+12065550111', address: { line1: '400 Broad Street', city: 'Seattle', postalCode: '98109', region: 'US-WA' } },
];

/** Which products each order takes (index into DEMO_SKUS) and how many. */
const BASKETS: Array<Array<{ product: number; quantity: number; discountPercent?: number }>> = [
  [{ product: 0, quantity: 2 }, { product: 1, quantity: 1, discountPercent: 10 }],
  [{ product: 2, quantity: 1 }, { product: 3, quantity: 1 }, { product: 4, quantity: 3 }],
  // Five, not two: 2 × 10.99 with its tax rounded to the cent is a 15.01 % rate, which the odoo-adapter
  // (matching the channel's rate to Odoo's taxes within a hundredth of a percent) refuses.
  [{ product: 5, quantity: 5 }],
  [{ product: 1, quantity: 1 }, { product: 4, quantity: 1 }],
  [{ product: 3, quantity: 2 }, { product: 0, quantity: 1 }],
];

export const MAX_DEMO_ORDERS = BASKETS.length;

export interface DemoOrder {
  /** For the printout: who ordered, through which channel. */
  shopper: string;
  channelId: string;
  body: Record<string, unknown>;
}

/** Odoo floats to minor units, rounded at the cent (19.99 * 100 is 1998.9999… in binary). */
export function toMinorUnits(amount: number): number {
  return Math.round(Number((amount * 100).toFixed(4)));
}

/**
 * `count` order bodies for POST /orders. `run` makes the channel order references unique per demo
 * run (a channel cannot place the same reference twice).
 */
export function demoOrders(products: CatalogueProduct[], run: string, count: number): DemoOrder[] {
  const bySku = new Map(products.map((product) => [product.sku, product]));
  return BASKETS.slice(0, count).map((basket, index) => {
    const shopper = SHOPPERS[index];
    const viaApp = index % 3 === 2;
    const channel = viaApp ? { channelId: 'mobile-us', kind: 'MOBILE_APP' } : { channelId: 'web-us', kind: 'WEB' };
    const address = { name: shopper.name, ...shopper.address, countryCode: 'US', phone: shopper.phone, email: shopper.email };
    const lines = basket.map(({ product, quantity, discountPercent }) => {
      const sku = DEMO_SKUS[product];
      const found = bySku.get(sku);
      if (!found) throw new Error(`Odoo has no product ${sku} (the demo sells products of odoo-sim's seed)`);
      const unitPrice = toMinorUnits(found.listPrice);
      const discount = discountPercent ? Math.round((unitPrice * quantity * discountPercent) / 100) : 0;
      const tax = Math.round(((unitPrice * quantity - discount) * SALES_TAX_PERCENT) / 100);
      return {
        sku,
        name: found.name,
        quantity: String(quantity),
        unitPrice: { amountMinor: unitPrice, currency: CURRENCY },
        ...(discount > 0 ? { discount: { amountMinor: discount, currency: CURRENCY } } : {}),
        tax: { amountMinor: tax, currency: CURRENCY },
        taxCode: `US-SALES-${SALES_TAX_PERCENT}`,
      };
    });
    return {
      shopper: shopper.name,
      channelId: channel.channelId,
      body: {
        channelOrderRef: `${viaApp ? 'APP' : 'WEB'}-${run}-${index + 1}`,
        channel,
        brand: 'omnibus',
        companyId: 'omnibus-retail',
        currency: CURRENCY,
        customer: { customerId: null, name: shopper.name, email: shopper.email, phone: shopper.phone },
        shippingAddress: address,
        lines,
        shipping: { amountMinor: index === 1 ? 0 : 695, currency: CURRENCY },
        pricesIncludeTax: false,
        fulfilment: { mode: 'DELIVERY', shippingMethod: index === 1 ? 'express' : 'standard' },
        paymentReference: `pi_demo_${run}_${index + 1}`,
        notes: index === 0 ? 'Please leave the parcel with the concierge.' : null,
      },
    };
  });
}
