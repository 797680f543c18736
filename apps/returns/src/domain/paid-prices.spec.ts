import type { OrderLine } from '@omnibus/contracts';
import { apportion, scaled } from './money';
import { paidFor, paidLines, unitPricePaid } from './paid-prices';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const line = (lineId: string, milli: number, total: number, tax: number): OrderLine => ({
  lineId,
  sku: `SKU-${lineId}`,
  name: lineId,
  quantity: { milli },
  unitPrice: eur(Math.round((total * 1000) / milli)),
  discount: eur(0),
  tax: eur(tax),
  taxCode: 'DE-VAT-19',
  total: eur(total),
});
const totals = (orderDiscount: number) => ({ linesTotal: eur(0), shipping: eur(0), orderDiscount: eur(orderDiscount), tax: eur(0), grandTotal: eur(0) });

describe('apportion', () => {
  it('shares add up to the amount exactly, the left-over cents going to the largest remainders', () => {
    expect(apportion(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(apportion(1000, [3333, 3333, 3334])).toEqual([333, 333, 334]);
    expect(apportion(7, [0, 0])).toEqual([0, 0]);
  });
  it('rounds half up when scaling', () => {
    expect(scaled(5, 1, 2)).toBe(3);
    expect(scaled(4, 1, 3)).toBe(1);
  });
});

describe('what the customer paid per line', () => {
  it('takes the order discount off the lines in proportion to their totals, with the tax it carries', () => {
    const lines = paidLines({ currency: 'EUR', lines: [line('1', 2000, 5990, 956), line('2', 1000, 2990, 477)], totals: totals(1000) });
    // 1000 × 5990 / 8980 = 667.04 → 667, 1000 × 2990 / 8980 = 332.96 → 333 (the larger remainder gets the cent)
    expect(lines.map((l) => l.paid.amountMinor)).toEqual([5990 - 667, 2990 - 333]);
    // tax share: 667 × 956 / 5990 = 106.45 → 106; 333 × 477 / 2990 = 53.12 → 53
    expect(lines.map((l) => l.paidTax.amountMinor)).toEqual([956 - 106, 477 - 53]);
  });

  it('a discount beyond what the lines are worth is the shipping’s, not theirs', () => {
    const [only] = paidLines({ currency: 'EUR', lines: [line('1', 1000, 500, 80)], totals: totals(900) });
    expect(only.paid.amountMinor).toBe(0);
  });

  it('units returned in several parts add up to exactly what the line cost', () => {
    const [paid] = paidLines({ currency: 'EUR', lines: [line('1', 3000, 1000, 160)], totals: totals(0) });
    const parts = [paidFor(paid, 0, 1000), paidFor(paid, 1000, 2000), paidFor(paid, 2000, 3000)];
    expect(parts.map((part) => part.amount.amountMinor)).toEqual([333, 334, 333]);
    expect(parts.reduce((sum, part) => sum + part.amount.amountMinor, 0)).toBe(1000);
    expect(parts.reduce((sum, part) => sum + part.tax.amountMinor, 0)).toBe(160);
    expect(unitPricePaid(paid)).toEqual(eur(333));
  });
});
