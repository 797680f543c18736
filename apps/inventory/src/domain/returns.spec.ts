import { restockOf } from './returns';

const line = (sku: string, units: number, disposition: 'RESTOCK' | 'DAMAGED' | 'VENDOR_RETURN' | 'REFURBISH' | 'DESTROY' | 'OTHER') => ({ sku, quantity: { milli: units * 1000 }, disposition });

describe('restockOf', () => {
  it('puts back only the RESTOCK units, summed per SKU; the other dispositions move nothing', () => {
    const lines = [line('B', 1, 'RESTOCK'), line('A', 1, 'DAMAGED'), line('A', 2, 'RESTOCK'), line('B', 1, 'RESTOCK'), line('C', 1, 'VENDOR_RETURN'), line('D', 1, 'DESTROY'), line('E', 1, 'REFURBISH'), line('F', 1, 'OTHER')];
    expect(restockOf(lines, false)).toEqual({ apply: [{ sku: 'A', quantity: 2000 }, { sku: 'B', quantity: 2000 }], leftToOdoo: [] });
  });

  it("leaves the units to Odoo's count where Odoo reports the location's stock", () => {
    expect(restockOf([line('A', 1, 'RESTOCK'), line('A', 1, 'DAMAGED')], true)).toEqual({ apply: [], leftToOdoo: [{ sku: 'A', quantity: 1000 }] });
  });

  it('a disposition with nothing to restock changes nothing', () => {
    expect(restockOf([line('A', 3, 'DAMAGED')], false)).toEqual({ apply: [], leftToOdoo: [] });
  });
});
