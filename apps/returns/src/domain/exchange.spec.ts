import { exchangeRefusal, owedByGoods, priceExchange, settleExchangedLines } from './exchange';
import type { PaidLine } from './paid-prices';
import { parsePolicies, policyInForce } from './policy';
import { refundForReceipt } from './refund';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const [policy] = parsePolicies({
  'p.yaml': `
policyId: test
versions:
  - version: 1
    effectiveFrom: '2026-01-01T00:00:00Z'
    windowDays: 30
    restockingFeePercent: 10
    exchanges: { allowed: true, reasons: [SIZE_OR_FIT] }
`,
});
const { version } = policyInForce([policy], { brand: 'acme', channelId: 'web', channelKind: 'WEB' }, new Date('2026-05-01'))!;
// 2 shirts for 53.23 (after the order discount): one unit costs 26.615 → the first 26.62, the second 26.61.
const paid: PaidLine[] = [{ lineId: '1', sku: 'SHIRT-M', orderedMilli: 2000, paid: eur(5323), paidTax: eur(850), taxCode: 'DE-VAT-19' }];
const wish = (unitPrice?: number, quantityMilli = 1000) => ({ lineId: '1', quantityMilli: 1000, reason: 'SIZE_OR_FIT' as const, exchangeFor: { sku: 'SHIRT-L', quantityMilli, ...(unitPrice === undefined ? {} : { unitPrice: eur(unitPrice) }) } });

describe('exchanges', () => {
  it('the policy decides: not offered, or only for some reasons', () => {
    expect(exchangeRefusal(version, { lineId: '1', reason: 'SIZE_OR_FIT' })).toBeUndefined();
    expect(exchangeRefusal(version, { lineId: '1', reason: 'DEFECTIVE' })).toMatch(/cannot be exchanged for reason DEFECTIVE/);
    const [closed] = parsePolicies({ 'c.yaml': "policyId: c\nversions:\n  - { version: 1, effectiveFrom: '2026-01-01T00:00:00Z', windowDays: 30 }\n" });
    expect(exchangeRefusal(closed.versions[0], { lineId: '1', reason: 'SIZE_OR_FIT' })).toMatch(/not offered/);
  });

  it('another size at the same price moves no money, not even a rounding cent', () => {
    const priced = priceExchange([wish()], paid, new Map(), 'EUR');
    expect(priced.lines[0]).toMatchObject({ credit: eur(2662), total: eur(2662), unitPrice: eur(2662) });
    expect(priced).toMatchObject({ amountToCharge: eur(0), amountToRefund: eur(0) });
    // The second unit of the line is the cheaper cent.
    expect(priceExchange([wish()], paid, new Map([['1', 1000]]), 'EUR').lines[0].credit).toEqual(eur(2661));
  });

  it('a dearer replacement charges the difference; a cheaper one refunds it', () => {
    expect(priceExchange([wish(2999)], paid, new Map(), 'EUR')).toMatchObject({ replacementTotal: eur(2999), amountToCharge: eur(337), amountToRefund: eur(0) });
    expect(priceExchange([wish(1999)], paid, new Map(), 'EUR')).toMatchObject({ replacementTotal: eur(1999), amountToCharge: eur(0), amountToRefund: eur(663) });
    expect(priceExchange([wish(1999, 2000)], paid, new Map(), 'EUR').replacementTotal).toEqual(eur(3998));
  });

  it('at receipt an exchanged line pays off its replacement first, without restocking fee; only the rest goes back', () => {
    const cheaper = priceExchange([wish(1999)], paid, new Map(), 'EUR');
    const refund = refundForReceipt(version, paid, [{ lineId: '1', units: [{ disposition: 'RESELLABLE', quantityMilli: 1000 }] }], new Map(), 'EUR', new Set(['1']));
    expect(refund.fees).toEqual(eur(0));
    const settled = settleExchangedLines(refund, new Map([['1', owedByGoods(cheaper.lines)[0]]]));
    expect(settled.refund.total).toEqual(eur(663));
    expect(settled.refund.lines[0].tax).toEqual(eur(Math.round((425 * 663) / 2662)));
    expect(settled.owedAfter.get('1')).toBe(0);

    const dearer = priceExchange([wish(2999)], paid, new Map(), 'EUR');
    expect(settleExchangedLines(refund, new Map([['1', owedByGoods(dearer.lines)[0]]])).refund.total).toEqual(eur(0));
  });
});
