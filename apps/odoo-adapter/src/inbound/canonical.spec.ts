import { customerIdOf, customerUpserted, listPriceChanged, OdooProduct, OdooQuant, pricesOfItem, productKind, productUpserted, stockPositions } from './canonical';

const now = new Date('2024-05-01T10:00:05Z');

const product = (overrides: Partial<OdooProduct> = {}): OdooProduct => ({
  id: 12,
  default_code: 'SKU-12',
  name: 'Runner',
  display_name: 'Runner (42, black)',
  description_sale: false,
  barcode: '4006381333931',
  categ_id: [3, 'All / Shoes'],
  type: 'consu',
  is_storable: true,
  uom_id: [1, 'Units'],
  weight: 0.85,
  lst_price: 89.9,
  standard_price: 31.005,
  active: true,
  company_id: [1, 'Omnibus Retail'],
  write_date: '2024-05-01 10:00:00',
  ...overrides,
});

describe('products', () => {
  it.each([
    [{ type: 'product' }, 'STORABLE'], // 16–17
    [{ type: 'consu', detailed_type: 'product' }, 'STORABLE'], // 16–17 detailed_type
    [{ type: 'consu', is_storable: true }, 'STORABLE'], // 18+
    [{ type: 'consu', is_storable: false }, 'CONSUMABLE'],
    [{ type: 'consu' }, 'CONSUMABLE'],
    [{ type: 'service' }, 'SERVICE'],
    [{ type: 'combo' }, 'OTHER'],
  ])('%j is %s', (fields, kind) => {
    expect(productKind(fields as Parameters<typeof productKind>[0])).toBe(kind);
  });

  it('becomes ProductUpserted with money in minor units and weight in grams', () => {
    expect(productUpserted(product(), { currency: 'EUR', brand: 'acme', now })).toEqual({
      sku: 'SKU-12',
      name: 'Runner (42, black)',
      description: null,
      brand: 'acme',
      category: 'All / Shoes',
      barcode: '4006381333931',
      kind: 'STORABLE',
      unitOfMeasure: 'Units',
      weightGrams: 850,
      attributes: {},
      listPrice: { amountMinor: 8990, currency: 'EUR' },
      standardCost: { amountMinor: 3101, currency: 'EUR' },
      active: true,
      odooProductId: 12,
      sourceUpdatedAt: new Date('2024-05-01T10:00:00Z'),
      occurredAt: now,
    });
  });

  it('is skipped without an internal reference (no SKU to key it by)', () => {
    expect(productUpserted(product({ default_code: false }), { currency: 'EUR', brand: null, now })).toBeUndefined();
  });

  it("publishes the product's own price on the default price list", () => {
    expect(listPriceChanged(product({ lst_price: 19.99 }), { priceListId: 'default', channelId: null, taxIncluded: true, currency: 'JPY' }, now)).toMatchObject({
      sku: 'SKU-12',
      price: { amountMinor: 20, currency: 'JPY' },
      minQuantity: { milli: 1000 },
      taxIncluded: true,
    });
  });
});

describe('price list items', () => {
  const item = {
    id: 5,
    pricelist_id: [2, 'EU Retail'] as [number, string],
    applied_on: '0_product_variant',
    product_id: [12, 'Runner'] as [number, string],
    compute_price: 'fixed',
    fixed_price: 79.5,
    min_quantity: 3,
    date_start: '2024-06-01 00:00:00',
    date_end: false as const,
    currency_id: [1, 'EUR'] as [number, string],
    write_date: '2024-05-01 10:00:00',
  };
  const priceList = { priceListId: 'eu-retail', channelId: 'web-eu', taxIncluded: true, currency: 'EUR' };

  it('a fixed price becomes PriceChanged with tier and validity', () => {
    expect(pricesOfItem(item, ['SKU-12'], priceList, now)).toEqual([
      {
        sku: 'SKU-12',
        priceListId: 'eu-retail',
        channelId: 'web-eu',
        price: { amountMinor: 7950, currency: 'EUR' },
        compareAtPrice: null,
        taxIncluded: true,
        minQuantity: { milli: 3000 },
        validFrom: new Date('2024-06-01T00:00:00Z'),
        validUntil: null,
        occurredAt: now,
      },
    ]);
  });

  it('percentage and formula items are left to Odoo', () => {
    expect(pricesOfItem({ ...item, compute_price: 'percentage' }, ['SKU-12'], priceList, now)).toEqual([]);
  });
});

describe('customers', () => {
  it('keeps our customer id from ref, derives one for Odoo-born partners', () => {
    expect(customerIdOf({ id: 7, ref: 'cus-1' })).toBe('cus-1');
    expect(customerIdOf({ id: 7, ref: false })).toBe('odoo-partner-7');
  });

  it('maps address, locale and falsy Odoo values', () => {
    const customer = customerUpserted(
      { id: 7, name: 'Ada Lovelace', ref: 'cus-1', email: 'ada@example.com', phone: false, mobile: '+4930123', vat: false, lang: 'de_DE', street: 'Hauptstr. 1', street2: false, city: 'Berlin', zip: '10115', country_id: [57, 'Germany'], active: true, write_date: '2024-05-01 10:00:00' },
      { countryCodes: new Map([[57, 'DE']]), now },
    );
    expect(customer).toMatchObject({ customerId: 'cus-1', phone: '+4930123', locale: 'de-DE', vatNumber: null, billingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', countryCode: 'DE' } });
  });
});

describe('stock positions', () => {
  const quant = (id: number, productId: number, locationId: number, quantity: number, writeDate = '2024-05-01 10:00:00'): OdooQuant => ({
    id,
    product_id: [productId, `P${productId}`],
    location_id: [locationId, `L${locationId}`],
    quantity,
    write_date: writeDate,
  });
  const roots = new Map([
    [10, { locationId: 'wh-hamburg', locationType: 'WAREHOUSE' as const }],
    [11, { locationId: 'wh-hamburg', locationType: 'WAREHOUSE' as const }], // a shelf below WH/Stock
    [20, { locationId: 'store-berlin', locationType: 'STORE' as const }],
  ]);

  it('sums quants per product and mapped location (shelves, lots), ignoring unmapped locations', () => {
    const positions = stockPositions([quant(1, 5, 10, 2.5), quant(2, 5, 11, 1), quant(3, 5, 20, 4, '2024-05-01 10:00:03'), quant(4, 5, 99, 100)], (id) => roots.get(id));
    expect(positions.map(({ productId, location, onHandMilli, quantIds }) => ({ productId, location: location.locationId, onHandMilli, quantIds }))).toEqual([
      { productId: 5, location: 'wh-hamburg', onHandMilli: 3500, quantIds: [1, 2] },
      { productId: 5, location: 'store-berlin', onHandMilli: 4000, quantIds: [3] },
    ]);
  });

  it('observes a position at its latest quant change', () => {
    const [position] = stockPositions([quant(1, 5, 10, 1, '2024-05-01 10:00:00'), quant(2, 5, 11, 1, '2024-05-01 10:00:09')], (id) => roots.get(id));
    expect(position.observedAt).toEqual(new Date('2024-05-01T10:00:09Z'));
  });
});
