import path from 'node:path';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { postingId } from './posting-id';
import { cogsOnShipment, creditNoteOnReturn, DraftEntry, OrderFacts, paymentCapture, refundPayment, returnDisposition, revenueOnShipment, share, substituteLine } from './postings';
import { loadRuleBook, RuleBook } from './rule-book';

const RULES = path.join(__dirname, '..', '..', 'rules', 'posting-rules.yaml');
const book = loadRuleBook(RULES);
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const at = Date.parse('2026-11-27T10:00:00Z');

// Two lines: 2 × 50.00 + 8.00 tax = 108.00 and 3 × 10.00 + 2.40 tax = 32.40; shipping 5.00 incl. 0.40 tax.
const order: OrderFacts = {
  orderId: 'o-1',
  channelOrderRef: 'WEB-1001',
  companyId: 'omnibus-retail',
  brand: 'acme',
  channel: 'web-us',
  currency: 'USD',
  lines: [
    { lineId: 'l1', sku: 'APP-1', orderedMilli: 2000, totalMinor: 10800, taxMinor: 800 },
    { lineId: 'l2', sku: 'FTW-2', orderedMilli: 3000, totalMinor: 3240, taxMinor: 240 },
  ],
  linesTotalMinor: 14040,
  taxTotalMinor: 1080,
  grandTotalMinor: 14540,
};
const shipment = (shipmentId: string, lines: Array<[string, string, number, number?]>, finalShipment: boolean) =>
  ({
    shipmentId,
    orderId: 'o-1',
    companyId: 'omnibus-retail',
    lines: lines.map(([lineId, sku, milli, cost]) => ({ lineId, sku, quantity: { milli }, unitCost: cost === undefined ? null : usd(cost) })),
    finalShipment,
    occurredAt: at,
  }) as never;
const lines = (entry: DraftEntry) => entry.lines.map((line) => [line.accountCode, line.debitMinor, line.creditMinor]);
const balanced = (entry: DraftEntry) => entry.lines.reduce((sum, line) => sum + line.debitMinor - line.creditMinor, 0) === 0;

describe('posting rules', () => {
  it.each([
    [0, 1000, 3000, 3240, 1080],
    [1000, 2000, 3000, 3240, 1080],
    [2000, 3000, 3000, 3240, 1080],
    [0, 3000, 3000, 3240, 3240],
    [0, 1, 3, 100, 33],
  ])('a line shipped from %i to %i of %i gets its cumulative share of %i: %i', (before, after, ordered, amount, expected) => {
    expect(share(amount, before, after, ordered)).toBe(expected);
  });

  it('two partial shipments recognise exactly the grand total: lines by quantity, the charges with the final one', () => {
    const first = revenueOnShipment(book, order, shipment('s1', [['l1', 'APP-1', 1000], ['l2', 'FTW-2', 1000]], false), new Map()).entries[0];
    const second = revenueOnShipment(book, order, shipment('s2', [['l1', 'APP-1', 1000], ['l2', 'FTW-2', 2000]], true), new Map([['l1', 1000], ['l2', 1000]])).entries[0];
    expect(lines(first)).toEqual([['121000', 6480, 0], ['400000', 0, 6000], ['251000', 0, 480]]);
    expect(lines(second)).toEqual([['121000', 8060, 0], ['400000', 0, 7000], ['400000', 0, 460], ['251000', 0, 600]]);
    expect(first.lines[0].debitMinor + second.lines[0].debitMinor).toBe(order.grandTotalMinor);
    expect([first, second].every(balanced)).toBe(true);
    expect(first).toMatchObject({ posting: 'revenue-on-shipment', ruleVersion: 'retail-2026.1', journal: 'INV', accountingDate: '2026-11-27', source: { kind: 'SHIPMENT', id: 's1', orderId: 'o-1' } });
  });

  it('an order discount larger than shipping is debited to revenue on the final shipment', () => {
    const discounted = { ...order, grandTotalMinor: 13540 }; // 10.00 voucher against 5.00 shipping
    const entry = revenueOnShipment(book, discounted, shipment('s1', [['l1', 'APP-1', 2000], ['l2', 'FTW-2', 3000]], true), new Map()).entries[0];
    expect(lines(entry)).toEqual([['121000', 13540, 0], ['400000', 540, 0], ['400000', 0, 13000], ['251000', 0, 1080]]);
    expect(balanced(entry)).toBe(true);
  });

  it.each([
    ['payment clearing on capture', () => paymentCapture(book, order, { captureId: 'c1', gatewayReference: 'ch_1', amount: usd(6480), occurredAt: at } as never), 'BNK1', [['101403', 6480, 0], ['121000', 0, 6480]]],
    ['refund of a return out of clearing', () => refundPayment(book, order, { refundId: 'r1', returnId: 'ret1', gatewayReference: 're_1', amount: usd(5400), occurredAt: at } as never), 'BNK1', [['121000', 5400, 0], ['101403', 0, 5400]]],
    ['the saga\'s own refund (no return)', () => refundPayment(book, order, { refundId: 'r2', returnId: null, gatewayReference: 're_2', amount: usd(700), occurredAt: at } as never), 'BNK1', [['121000', 700, 0], ['101403', 0, 700]]],
    [
      'credit note of a refunded return (line and shipping)',
      () => creditNoteOnReturn(book, order, { returnId: 'ret1', lines: [{ lineId: 'l1', sku: 'APP-1', quantity: { milli: 1000 }, amount: usd(5400), tax: usd(400) }], shippingRefund: usd(500), total: usd(5900), occurredAt: at } as never),
      'INV',
      [['400000', 5000, 0], ['400000', 500, 0], ['251000', 400, 0], ['121000', 0, 5900]],
    ],
    ['cost of goods at the shipment\'s unit cost', () => cogsOnShipment(book, order, shipment('s1', [['l1', 'APP-1', 2000, 2100], ['l2', 'FTW-2', 1500, 333]], false), new Map()), 'MISC', [['500000', 4700, 0], ['110100', 0, 4700]]],
  ])('%s', (_, post, journal, expected) => {
    const [entry] = post().entries;
    expect(entry.journal).toBe(journal);
    expect(lines(entry)).toEqual(expected);
    expect(balanced(entry)).toBe(true);
  });

  it('cost of goods falls back to the standard cost, and names a SKU that has none', () => {
    const outcome = cogsOnShipment(book, order, shipment('s1', [['l1', 'APP-1', 2000], ['l2', 'FTW-2', 1000]], false), new Map([['APP-1', usd(2000)]]));
    expect(lines(outcome.entries[0])).toEqual([['500000', 4000, 0], ['110100', 0, 4000]]);
    expect(outcome.notes).toEqual(['shipment s1: no cost for FTW-2, its cost of goods is not posted']);
  });

  it.each([
    ['RESTOCK', 'cogs-reversal-on-restock', [['110100', 2000, 0], ['500000', 0, 2000]]],
    ['DAMAGED', 'shrinkage-on-write-off', [['600000', 2000, 0], ['500000', 0, 2000]]],
    ['DESTROY', 'shrinkage-on-write-off', [['600000', 2000, 0], ['500000', 0, 2000]]],
  ])('a %s return posts %s at cost', (disposition, posting, expected) => {
    const decided = { returnId: 'ret1', lines: [{ lineId: 'l1', sku: 'APP-1', quantity: { milli: 1000 }, disposition, unitCost: null }], occurredAt: at } as never;
    const [entry] = returnDisposition(book, order, decided, new Map([['APP-1', usd(2000)]])).entries;
    expect(entry.posting).toBe(posting);
    expect(lines(entry)).toEqual(expected);
  });

  it('a vendor return or refurbishment posts no cost movement', () => {
    const decided = { returnId: 'ret1', lines: [{ lineId: 'l1', sku: 'APP-1', quantity: { milli: 1000 }, disposition: 'VENDOR_RETURN', unitCost: usd(2000) }], occurredAt: at } as never;
    expect(returnDisposition(book, order, decided, new Map()).entries).toEqual([]);
  });
});

describe('a substituted line', () => {
  const original = { lineId: 'l2', sku: 'FTW-2', quantity: { milli: 3000 }, total: usd(3240), tax: usd(240) };
  const substitute = { lineId: 'l2', sku: 'FTW-3', quantity: { milli: 3000 }, total: usd(3450), tax: usd(450) };

  it('moves the order totals by the difference, so revenue follows the substitute', () => {
    const changed = substituteLine(order, original, substitute);
    expect(changed).toMatchObject({ linesTotalMinor: 14250, taxTotalMinor: 1290, grandTotalMinor: 14750 });
    expect(changed.lines[1]).toEqual({ lineId: 'l2', sku: 'FTW-3', orderedMilli: 3000, totalMinor: 3450, taxMinor: 450 });
    const all = revenueOnShipment(book, changed, shipment('s1', [['l1', 'APP-1', 2000], ['l2', 'FTW-3', 3000]], true), new Map()).entries[0];
    expect(all.lines[0]).toMatchObject({ accountCode: '121000', debitMinor: 14750 });
  });

  it('is applied once: a replay finds the line substituted already', () => {
    const once = substituteLine(order, original, substitute);
    expect(substituteLine(once, original, substitute)).toBe(once);
  });
});

describe('posting ids', () => {
  it('the same source gives the same id; another posting or source another one', () => {
    const id = postingId('omnibus-retail', 'revenue-on-shipment', { kind: 'SHIPMENT', id: 's1' });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(postingId('omnibus-retail', 'revenue-on-shipment', { kind: 'SHIPMENT', id: 's1' })).toBe(id);
    expect(new Set([id, postingId('omnibus-retail', 'cogs-on-shipment', { kind: 'SHIPMENT', id: 's1' }), postingId('omnibus-retail', 'revenue-on-shipment', { kind: 'SHIPMENT', id: 's2' })]).size).toBe(3);
  });

  it('an entry replayed from the same facts is the same entry', () => {
    const post = () => revenueOnShipment(book, order, shipment('s1', [['l1', 'APP-1', 1000]], false), new Map()).entries[0];
    expect(post()).toEqual(post());
  });
});

describe('rule book', () => {
  const document = () => parse(readFileSync(RULES, 'utf8'));

  // What the default rules leave to Odoo's own documents (the saga's invoice and payment, the returns'
  // credit note) and what finance posts: each money movement booked once.
  it.each([
    ['revenue on shipment', () => revenueOnShipment(book, order, shipment('s1', [['l1', 'APP-1', 2000]], true), new Map()), 'revenue-on-shipment', 'invoice'],
    ['payment capture', () => paymentCapture(book, order, { captureId: 'c1', gatewayReference: 'ch_1', amount: usd(6480), occurredAt: at } as never), 'payment-capture', 'payment'],
    ['the saga\'s refund (netted in RegisterPayment)', () => refundPayment(book, order, { refundId: 'r2', returnId: null, gatewayReference: 're_2', amount: usd(700), occurredAt: at } as never), 'order-refund', 'payment'],
    [
      'credit note of a return',
      () => creditNoteOnReturn(book, order, { returnId: 'ret1', lines: [{ lineId: 'l1', sku: 'APP-1', quantity: { milli: 1000 }, amount: usd(5400), tax: usd(400) }], shippingRefund: usd(0), total: usd(5400), occurredAt: at } as never),
      'credit-note-on-return',
      'credit-note',
    ],
    ['refund of a return', () => refundPayment(book, order, { refundId: 'r1', returnId: 'ret1', gatewayReference: 're_1', amount: usd(5400), occurredAt: at } as never), 'refund-payment', undefined],
    ['cost of goods', () => cogsOnShipment(book, order, shipment('s1', [['l1', 'APP-1', 2000, 2100]], false), new Map()), 'cogs-on-shipment', undefined],
    ['shrinkage', () => returnDisposition(book, order, { returnId: 'ret1', lines: [{ lineId: 'l1', sku: 'APP-1', quantity: { milli: 1000 }, disposition: 'DAMAGED', unitCost: usd(2000) }], occurredAt: at } as never, new Map()), 'shrinkage-on-write-off', undefined],
  ])('default rules: %s (%s) is booked by Odoo document %s', (_, post, posting, odooDocument) => {
    const [entry] = post().entries;
    expect(entry.posting).toBe(posting);
    expect(entry.odooDocument).toBe(odooDocument);
  });

  it.each([
    ['a document that does not book the posting', (rules: any) => (rules['cogs-on-shipment'].odooDocument = 'invoice'), 'rule cogs-on-shipment: odooDocument invoice: no Odoo document books it, finance posts it'],
    ['another document than the one that books it', (rules: any) => (rules['revenue-on-shipment'].odooDocument = 'payment'), 'rule revenue-on-shipment: odooDocument payment: Odoo books it by its invoice'],
    [
      'the invoice left to Odoo but the payment posted here (receivable credited twice)',
      (rules: any) => delete rules['payment-capture'].odooDocument,
      "Odoo's invoice, credit note and payment come together: revenue-on-shipment, credit-note-on-return, order-refund booked by Odoo but payment-capture (odooDocument: payment) not",
    ],
    ['an unknown document', (rules: any) => (rules['payment-capture'].odooDocument = 'receipt'), 'rules.payment-capture.odooDocument'],
  ])('refuses %s', (_, change, message) => {
    const rules = document();
    change(rules.ruleSets[0].rules);
    expect(() => RuleBook.of(rules)).toThrow(message);
  });

  it('a set where finance posts everything (no odooDocument) is valid: a deployment without the saga\'s invoices', () => {
    const rules = document();
    for (const rule of Object.values<any>(rules.ruleSets[0].rules)) delete rule.odooDocument;
    expect(Object.values(RuleBook.of(rules).ruleSets[0].rules).filter((rule) => rule.odooDocument)).toEqual([]);
  });

  it('an unbalanced rule is refused at start naming the rule and what is off', () => {
    const rules = document();
    rules.ruleSets[0].rules['revenue-on-shipment'].lines.pop(); // the output tax line
    expect(() => RuleBook.of(rules)).toThrow('ruleSets[0] (retail-2026.1): rule revenue-on-shipment: does not balance: tax debited 1× more');
  });

  it('a missing posting, an unknown amount or a line with both sides is refused', () => {
    const missing = document();
    delete missing.ruleSets[0].rules['payment-capture'];
    expect(() => RuleBook.of(missing)).toThrow('rule payment-capture is missing');
    const unknown = document();
    unknown.ruleSets[0].rules['refund-payment'].lines[0].amount = 'captured';
    expect(() => RuleBook.of(unknown)).toThrow('rule refund-payment: line 1: amount captured is not one of refunded');
    const both = document();
    both.ruleSets[0].rules['refund-payment'].lines[0].credit = '101403';
    expect(() => RuleBook.of(both)).toThrow('a line has either debit or credit');
  });

  it('the most specific rule set in force on the date wins', () => {
    const rules = document();
    const base = rules.ruleSets[0];
    rules.ruleSets.push({ ...base, version: 'retail-2027.1', effectiveFrom: '2027-01-01' }, { ...base, version: 'acme-web', brand: 'acme', channel: 'web-us', effectiveFrom: '2026-06-01' });
    const rulebook = RuleBook.of(rules);
    const scope = { companyId: 'omnibus-retail', brand: 'other', channel: 'pos', date: '2026-12-31' };
    expect(rulebook.select(scope)?.version).toBe('retail-2026.1');
    expect(rulebook.select({ ...scope, date: '2027-01-01' })?.version).toBe('retail-2027.1');
    expect(rulebook.select({ ...scope, brand: 'acme', channel: 'web-us' })?.version).toBe('acme-web');
    expect(rulebook.select({ ...scope, date: '2025-12-31' })).toBeUndefined();
    expect(rulebook.select({ ...scope, companyId: 'omnibus-outlet' })).toBeUndefined();
  });
});
