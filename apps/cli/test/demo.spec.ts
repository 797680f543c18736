import { CatalogueProduct, DEMO_SKUS, demoOrders, MAX_DEMO_ORDERS, toMinorUnits } from '../src/demo/demo-orders';
import { demoSettingsFromEnv } from '../src/demo/demo';
import { DEV_CARRIER_KEY, planParcels } from '../src/demo/warehouse';

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

describe("the demo's warehouse", () => {
  const reserved = (lineId: string, sku: string, quantity: string, locationId = 'wh-central') => ({ lineId, sku, quantity, location: { locationId } });

  it('ships the first line in parcel 1 and the rest in parcel 2, each from where its stock is reserved', () => {
    const order = {
      orderId: 'o-1',
      channelOrderRef: 'WEB-RUN-2',
      lines: [{ lineId: '1' }, { lineId: '2' }, { lineId: '3' }],
      reservation: { lines: [reserved('1', 'HOM-10003', '1'), reserved('2', 'ELC-10004', '1'), reserved('3', 'BTY-10005', '3')] },
    };
    expect(planParcels(order)).toEqual([
      { reference: 'SHIP-WEB-RUN-2-1', fromLocation: 'wh-central', lines: [{ line_id: '1', sku: 'HOM-10003', quantity: 1 }] },
      {
        reference: 'SHIP-WEB-RUN-2-2',
        fromLocation: 'wh-central',
        lines: [
          { line_id: '2', sku: 'ELC-10004', quantity: 1 },
          { line_id: '3', sku: 'BTY-10005', quantity: 3 },
        ],
      },
    ]);
  });

  it('ships a one-line order in one parcel, and a line held at two locations as a parcel from each', () => {
    const one = { orderId: 'o-2', channelOrderRef: 'APP-RUN-3', lines: [{ lineId: '1' }], reservation: { lines: [reserved('1', 'TOY-10006', '2')] } };
    expect(planParcels(one).map((parcel) => parcel.reference)).toEqual(['SHIP-APP-RUN-3-1']);
    const split = { ...one, reservation: { lines: [reserved('1', 'TOY-10006', '1', 'wh-east'), reserved('1', 'TOY-10006', '1', 'wh-west')] } };
    expect(planParcels(split).map((parcel) => [parcel.fromLocation, parcel.lines[0].quantity])).toEqual([
      ['wh-east', 1],
      ['wh-west', 1],
    ]);
  });

  it('refuses an order without a reservation, or a fraction of a unit', () => {
    expect(() => planParcels({ orderId: 'o-3', channelOrderRef: 'WEB-RUN-1', lines: [{ lineId: '1' }], reservation: null })).toThrow('WEB-RUN-1 has no stock reservation to ship from');
    expect(() => planParcels({ orderId: 'o-3', channelOrderRef: 'WEB-RUN-1', lines: [{ lineId: '1' }], reservation: { lines: [reserved('1', 'APP-10001', '1.5')] } })).toThrow(
      'WEB-RUN-1 line 1: a carrier ships whole units, not 1.5',
    );
  });
});

describe('the demo settings', () => {
  it("book with retail-sim's carrier at the operator contract's port, with its dev key unless RETAIL_SIM_CARRIER_KEY says otherwise", () => {
    const options = { orders: 1, timeoutMs: 1000, stock: false };
    expect(demoSettingsFromEnv({}, options).carrier).toEqual({ url: 'http://127.0.0.1:3010', key: DEV_CARRIER_KEY });
    expect(demoSettingsFromEnv({ RETAIL_SIM_PORT: '13010', RETAIL_SIM_CARRIER_KEY: 'ck_test_other' }, options).carrier).toEqual({ url: 'http://127.0.0.1:13010', key: 'ck_test_other' });
  });
});
