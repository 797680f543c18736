import { parsePolicies, policyInForce } from './policy';
import { refundForReceipt } from './refund';
import { decideReturn, ReturnFacts } from './return-decision';
import { shippedLines } from './return-quantities';
import type { PaidLine } from './paid-prices';
import { canDecide, canReceive, refundStatusOf } from './return-status';
import { checkReceipt, dispositionLines, pickingLines, receiptStatus, receivedLines } from './receipt';

const [policy] = parsePolicies({
  'p.yaml': `
policyId: test
versions:
  - version: 1
    effectiveFrom: '2026-01-01T00:00:00Z'
    windowDays: 30
    nonReturnable: { categories: { hygiene: [HYG-] } }
    refusedConditions: [WRONG_ITEM]
    reasonsNeedingInspection: [DEFECTIVE]
    restockingFeePercent: 10
    refundedDispositions: [RESELLABLE, DAMAGED]
    tiers: { gold: { windowDays: 90 } }
`,
});
const inForce = policyInForce([policy], { brand: 'acme', channelId: 'web', channelKind: 'WEB' }, new Date('2026-05-01'))!;
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const paid: PaidLine[] = [
  { lineId: '1', sku: 'APP-1', orderedMilli: 2000, paid: eur(5323), paidTax: eur(850), taxCode: 'DE-VAT-19' },
  { lineId: '2', sku: 'HYG-1', orderedMilli: 1000, paid: eur(500), paidTax: eur(80), taxCode: null },
];
const delivered = new Date('2026-05-01T10:00:00Z');
const facts = (overrides: Partial<ReturnFacts> = {}): ReturnFacts => ({
  requestedAt: new Date('2026-05-10T10:00:00Z'),
  lines: [{ lineId: '1', quantityMilli: 2000, reason: 'SIZE_OR_FIT', condition: 'AS_NEW' }],
  paidLines: paid,
  shipped: shippedLines([
    { lines: [{ lineId: '1', quantityMilli: 1000 }], dispatchedAt: new Date('2026-04-28'), deliveredAt: new Date('2026-04-29') },
    { lines: [{ lineId: '1', quantityMilli: 1000 }, { lineId: '2', quantityMilli: 1000 }], dispatchedAt: new Date('2026-04-30'), deliveredAt: delivered },
  ]),
  heldMilli: new Map(),
  refundedMilli: new Map(),
  customerTier: null,
  ...overrides,
});

describe('judging a return request', () => {
  it('authorises what was shipped, within the window, with the refund due once received (fee off)', () => {
    const decision = decideReturn(inForce, facts());
    expect(decision).toMatchObject({ outcome: 'authorized', lines: [{ lineId: '1', sku: 'APP-1', quantityMilli: 2000, refundAmount: eur(5323 - 532) }] });
  });

  it('the window runs from the latest delivery of the parcels that carried the line', () => {
    expect(decideReturn(inForce, facts({ requestedAt: new Date('2026-05-31T09:59:00Z') })).outcome).toBe('authorized');
    expect(decideReturn(inForce, facts({ requestedAt: new Date('2026-05-31T10:01:00Z') }))).toMatchObject({ outcome: 'rejected', rule: 'window' });
    expect(decideReturn(inForce, facts({ requestedAt: new Date('2026-06-30T00:00:00Z'), customerTier: 'gold' })).outcome).toBe('authorized');
  });

  it('refuses a non-returnable item, more than was shipped, units another return holds, a refused condition', () => {
    expect(decideReturn(inForce, facts({ lines: [{ lineId: '2', quantityMilli: 1000, reason: 'OTHER', condition: 'AS_NEW' }] }))).toMatchObject({ outcome: 'rejected', rule: 'non-returnable', reason: expect.stringContaining('hygiene') });
    expect(decideReturn(inForce, facts({ lines: [{ lineId: '1', quantityMilli: 3000, reason: 'OTHER', condition: 'AS_NEW' }] }))).toMatchObject({ outcome: 'rejected', rule: 'more-than-shipped' });
    expect(decideReturn(inForce, facts({ heldMilli: new Map([['1', 1000]]) }))).toMatchObject({ outcome: 'rejected', rule: 'already-returned', reason: expect.stringContaining('1 left to return') });
    expect(decideReturn(inForce, facts({ lines: [{ lineId: '1', quantityMilli: 1000, reason: 'WRONG_ITEM', condition: 'WRONG_ITEM' }] }))).toMatchObject({ outcome: 'rejected', rule: 'condition' });
    expect(decideReturn(inForce, facts({ lines: [{ lineId: '9', quantityMilli: 1000, reason: 'OTHER', condition: 'AS_NEW' }] }))).toMatchObject({ outcome: 'rejected', rule: 'unknown-line' });
  });

  it('a reason that needs an inspection sends the request to review', () => {
    expect(decideReturn(inForce, facts({ lines: [{ lineId: '1', quantityMilli: 1000, reason: 'DEFECTIVE', condition: 'DEFECTIVE' }] })).outcome).toBe('review');
  });
});

describe('the refund of a receipt', () => {
  it('refunds the accepted units at what they cost, less the fee; missing and unrefunded dispositions get nothing', () => {
    const refund = refundForReceipt(
      inForce.version,
      paid,
      [{ lineId: '1', units: [{ disposition: 'RESELLABLE', quantityMilli: 1000 }, { disposition: 'MISSING', quantityMilli: 1000 }] }],
      new Map(),
      'EUR',
    );
    // one unit of 53.23 → 26.62 (half up), fee 2.66 → 23.96; tax 8.50 / 2 = 4.25, fee 0.43 (half up) → 3.82
    expect(refund.lines).toEqual([{ lineId: '1', sku: 'APP-1', quantity: { milli: 1000 }, amount: eur(2396), tax: eur(382), taxCode: 'DE-VAT-19' }]);
    expect(refund.total).toEqual(eur(2396));
    expect(refund.fees).toEqual(eur(266));
    const second = refundForReceipt(inForce.version, paid, [{ lineId: '1', units: [{ disposition: 'DAMAGED', quantityMilli: 1000 }] }], new Map([['1', 1000]]), 'EUR');
    // the second unit costs what is left: 53.23 − 26.62 = 26.61, fee 2.66
    expect(second.total).toEqual(eur(2661 - 266));
    expect(refundForReceipt(inForce.version, paid, [{ lineId: '1', units: [{ disposition: 'VENDOR_RETURN', quantityMilli: 1000 }] }], new Map(), 'EUR').lines).toEqual([]);
  });
});

describe('receipts', () => {
  const authorized = [{ lineId: '1', sku: 'APP-1', quantityMilli: 2000 }];
  const lines = [{ lineId: '1', sku: 'APP-1', units: [{ disposition: 'RESELLABLE' as const, quantityMilli: 1000, condition: null }, { disposition: 'DAMAGED' as const, quantityMilli: 1000, condition: null }] }];

  it('takes at most what is outstanding on the return', () => {
    expect(checkReceipt(authorized, new Map(), lines)).toEqual({ ok: true });
    expect(checkReceipt(authorized, new Map([['1', 1000]]), lines)).toMatchObject({ ok: false, rule: 'more-than-authorised' });
    expect(checkReceipt(authorized, new Map(), [{ lineId: '2', units: lines[0].units }])).toMatchObject({ ok: false, rule: 'not-authorised' });
    expect(checkReceipt(authorized, new Map(), [{ lineId: '1', units: [{ disposition: 'MISSING', quantityMilli: 1000, condition: null }] }])).toMatchObject({ ok: false, rule: 'nothing-received' });
  });

  it('restocks only resellable units and scraps the rest of what arrived', () => {
    expect(dispositionLines(lines).map((line) => [line.disposition, line.quantity.milli])).toEqual([['RESTOCK', 1000], ['DAMAGED', 1000]]);
    expect(pickingLines(lines)).toEqual({ lines: [{ lineId: '1', sku: 'APP-1', quantity: { milli: 2000 } }], scrapLines: [{ lineId: '1', sku: 'APP-1', quantity: { milli: 1000 } }] });
    expect(receivedLines(lines).map((line) => line.condition)).toEqual(['AS_NEW', 'DAMAGED']);
    expect(receiptStatus(authorized, new Map([['1', 1000]]))).toBe('partially_received');
    expect(receiptStatus(authorized, new Map([['1', 2000]]))).toBe('received');
  });
});

describe('the return status', () => {
  it('only an authorised return takes receipts; only one in review takes a decision, the same one twice is done', () => {
    expect(canReceive('authorized').ok).toBe(true);
    expect(canReceive('review')).toMatchObject({ ok: false, message: expect.stringContaining('review') });
    expect(canDecide('review', 'approve')).toEqual({ ok: true });
    expect(canDecide('authorized', 'approve')).toEqual({ ok: true, already: true });
    expect(canDecide('rejected', 'approve').ok).toBe(false);
    expect(refundStatusOf([{ status: 'issued' }, { status: 'pending' }])).toBe('pending');
    expect(refundStatusOf([{ status: 'issued' }])).toBe('refunded');
  });
});
