import { CatalogueProduct, DEMO_SKUS, demoOrders, MAX_DEMO_ORDERS, toMinorUnits } from '../src/demo/demo-orders';

const catalogue: CatalogueProduct[] = DEMO_SKUS.map((sku, index) => ({ sku, name: `Product ${index + 1}`, listPrice: [19.99, 89.99, 4.99, 198.99, 12.5, 10.99][index] }));

describe('the demo orders', () => {
  it('sell products of the catalogue at their list price in cents, with 15 % sales tax per line', () => {
    const [first] = demoOrders(catalogue, 'RUN1', 1);
    expect(first.body.lines).toEqual([
      { sku: 'APP-10001', name: 'Product 1', quantity: '2', unitPrice: { amountMinor: 1999, currency: 'USD' }, tax: { amountMinor: 600, currency: 'USD' }, taxCode: 'US-SALES-15' },
      {
        sku: 'FTW-10002',
        name: 'Product 2',
        quantity: '1',
        unitPrice: { amountMinor: 8999, currency: 'USD' },
        discount: { amountMinor: 900, currency: 'USD' },
        tax: { amountMinor: 1215, currency: 'USD' },
        taxCode: 'US-SALES-15',
      },
    ]);
  });

  it('give every order of a run its own channel reference, and every shopper an address to deliver to', () => {
    const orders = demoOrders(catalogue, 'RUN2', MAX_DEMO_ORDERS);
    expect(new Set(orders.map((order) => order.body.channelOrderRef)).size).toBe(MAX_DEMO_ORDERS);
    expect(orders.map((order) => order.body.channelOrderRef)).toEqual(['WEB-RUN2-1', 'WEB-RUN2-2', 'APP-RUN2-3', 'WEB-RUN2-4', 'WEB-RUN2-5']);
    for (const order of orders) expect(order.body.shippingAddress).toMatchObject({ countryCode: 'US', name: order.shopper });
  });

  it('say which product Odoo lacks', () => {
    expect(() => demoOrders(catalogue.slice(1), 'RUN3', 1)).toThrow("Odoo has no product APP-10001 (the demo sells products of odoo-sim's seed)");
  });

  it('turn Odoo prices into cents without float drift', () => {
    expect([19.99, 0.29, 1.005, 198.99].map(toMinorUnits)).toEqual([1999, 29, 101, 19899]);
  });
});
