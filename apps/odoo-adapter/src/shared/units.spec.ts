import { contentHash } from './content-hash';
import { moneyFromOdoo, moneyToOdoo, quantityFromOdoo, quantityToOdoo } from './units';

describe('money and quantities between Odoo floats and Omnibus integers', () => {
  it.each([
    [19.99, 'EUR', 1999],
    [1.005, 'EUR', 101],
    [0.1 + 0.2, 'USD', 30],
    [1500, 'JPY', 1500],
    [1.2345, 'KWD', 1235],
    [false, 'EUR', 0],
  ])('%p %s is %i minor units', (amount, currency, minor) => {
    expect(moneyFromOdoo(amount as number | false, currency)).toEqual({ amountMinor: minor, currency });
  });

  it('goes back to the float Odoo expects', () => {
    expect(moneyToOdoo({ amountMinor: 1999, currency: 'EUR' })).toBe(19.99);
    expect(moneyToOdoo({ amountMinor: 1235, currency: 'KWD' })).toBe(1.235);
    expect(quantityToOdoo({ milli: 2500 })).toBe(2.5);
    expect(quantityFromOdoo(0.125)).toEqual({ milli: 125 });
  });
});

describe('content hash', () => {
  it('ignores key order and undefined members', () => {
    expect(contentHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(contentHash({ b: { d: 'x', c: [1, 2], e: undefined }, a: 1 }));
  });

  it('changes with any visible value', () => {
    expect(contentHash({ onHand: { milli: 1000 } })).not.toBe(contentHash({ onHand: { milli: 1001 } }));
  });
});
