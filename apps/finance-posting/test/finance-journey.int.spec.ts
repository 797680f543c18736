// Finance posting end to end, on the real Kafka and PostgreSQL: canonical operational events (an order,
// two partial shipments, two captures, a partial return with one unit restocked and one damaged, its
// credit note and refund) → finance-posting (in this process) → PostJournalEntry → odoo-adapter → Odoo
// (odoo-sim) → OdooCommandSucceeded/Failed → finance-posting; then replay, reconciliation and hand edits
// in Odoo. The schema registry, odoo-sim and the adapter run as child processes; every topic and consumer
// group is this file's own.
import {
  JournalEntryPosted,
  OdooCommandFailed,
  OrderPlaced,
  PaymentCaptured,
  PostJournalEntry,
  ProductUpserted,
  ReconciliationExceptionRaised,
  RefundIssued,
  ReturnDispositioned,
  ReturnRefunded,
  ShipmentDispatched,
} from '@omnibus/contracts';
import type { EventContract } from '@omnibus/contracts';
import type { EventPublisher, EventRecorder } from '@omnibus/messaging/testing';
import { OdooClient } from '@omnibus/odoo-client';
import type { TestService } from '@omnibus/service-kit/testing';
import { waitFor } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DataSource } from 'typeorm';
import type { FinancePostingConfig } from '../src/config';
import { apiOf, CATALOGUE_TOPICS, customerAddress, FinanceStack, odooBalancesOf, placedOrder, startFinanceStack, Topics } from './harness';

jest.setTimeout(90_000);

let finance: TestService<FinancePostingConfig>;
let topics: Topics;
let recorder: EventRecorder;
let publisher: EventPublisher;
let odoo: OdooClient;
let stack: FinanceStack;

beforeAll(async () => {
  stack = await startFinanceStack('journey', {
    FINANCE_RULES_FILE: path.join(__dirname, 'posting-rules.yaml'),
    // Books closed through January: a fact dated then posts on 1 February, with a note.
    FINANCE_PERIOD_LOCKS: JSON.stringify({ 'omnibus-retail': '2026-01-31' }),
    FINANCE_LOCKED_PERIOD_POLICY: 'next_open',
  });
  ({ finance, topics, recorder, publisher, odoo } = stack);
}, 120_000);

afterAll(() => stack?.stop(), 60_000);

const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const today = new Date().toISOString().slice(0, 10);
const api = apiOf(() => stack);
const entriesOf = async (orderId: string) => (await api(`/journal-entries?orderId=${orderId}`)).body as any[];
/** Σ debit − credit per account of Odoo's moves with these refs, in cents. */
const odooBalances = (refs: string[]) => odooBalancesOf(odoo, [['ref', 'in', refs]]);

/** One order's finance-relevant facts, as order, payments, shipping and returns publish them. */
function journey(at = new Date()) {
  const orderId = randomUUID();
  const lines = [
    { lineId: 'l1', sku: 'APP-10001', name: 'T-Shirt', quantity: { milli: 2000 }, unitPrice: usd(5000), discount: usd(0), tax: usd(800), taxCode: 'US-15', total: usd(10800) },
    { lineId: 'l2', sku: 'FTW-10002', name: 'Sneakers', quantity: { milli: 3000 }, unitPrice: usd(1000), discount: usd(0), tax: usd(240), taxCode: 'US-15', total: usd(3240) },
  ];
  const address = customerAddress;
  const order = placedOrder(orderId, lines, { linesTotal: usd(14040), shipping: usd(500), orderDiscount: usd(0), tax: usd(1080), grandTotal: usd(14540) }, at);
  const from = { locationId: 'wh-central', locationType: 'WAREHOUSE' as const };
  const shipment = (shipmentId: string, shipped: Array<[string, string, number, number | null]>, finalShipment: boolean): ShipmentDispatched => ({
    shipmentId,
    orderId,
    companyId: 'omnibus-retail',
    fromLocation: from,
    lines: shipped.map(([lineId, sku, milli, cost]) => ({ lineId, sku, quantity: { milli }, unitCost: cost === null ? null : usd(cost) })),
    finalShipment,
    carrier: 'ups',
    trackingNumber: null,
    trackingUrl: null,
    shipTo: address,
    occurredAt: at,
  });
  const capture = (captureId: string, amount: number, shipmentId: string, finalCapture: boolean): PaymentCaptured => ({
    paymentId: `pay-${orderId}`,
    orderId,
    companyId: 'omnibus-retail',
    captureId,
    gateway: 'retail-sim',
    gatewayReference: `ch_${captureId}`,
    method: 'CARD',
    amount: usd(amount),
    shipmentId,
    finalCapture,
    occurredAt: at,
  });
  const returnId = `ret-${orderId}`;
  const refundId = `rf-${orderId}`;
  const facts: Array<[EventContract<any>, unknown, (typeof CATALOGUE_TOPICS)[number]]> = [
    [OrderPlaced, order, 'retail.orders'],
    // APP-10001 ships without a unit cost: its standard cost comes from the catalogue.
    [ShipmentDispatched, shipment(`s1-${orderId}`, [['l1', 'APP-10001', 1000, null], ['l2', 'FTW-10002', 1000, 333]], false), 'retail.shipments'],
    [PaymentCaptured, capture(`c1-${orderId}`, 6480, `s1-${orderId}`, false), 'retail.payments'],
    [ShipmentDispatched, shipment(`s2-${orderId}`, [['l1', 'APP-10001', 1000, null], ['l2', 'FTW-10002', 2000, 333]], true), 'retail.shipments'],
    [PaymentCaptured, capture(`c2-${orderId}`, 8060, `s2-${orderId}`, true), 'retail.payments'],
    [
      ReturnDispositioned,
      {
        returnId,
        orderId,
        companyId: 'omnibus-retail',
        location: from,
        lines: [
          { lineId: 'l1', sku: 'APP-10001', quantity: { milli: 1000 }, disposition: 'RESTOCK', unitCost: null },
          { lineId: 'l2', sku: 'FTW-10002', quantity: { milli: 1000 }, disposition: 'DAMAGED', unitCost: usd(333) },
        ],
        occurredAt: at,
      } satisfies ReturnDispositioned,
      'retail.returns',
    ],
    [
      ReturnRefunded,
      {
        returnId,
        orderId,
        companyId: 'omnibus-retail',
        refundId,
        lines: [
          { lineId: 'l1', sku: 'APP-10001', quantity: { milli: 1000 }, amount: usd(5400), tax: usd(400), taxCode: 'US-15' },
          { lineId: 'l2', sku: 'FTW-10002', quantity: { milli: 1000 }, amount: usd(1080), tax: usd(80), taxCode: 'US-15' },
        ],
        shippingRefund: usd(0),
        total: usd(6480),
        occurredAt: at,
      } satisfies ReturnRefunded,
      'retail.returns',
    ],
    [
      RefundIssued,
      { refundId, paymentId: `pay-${orderId}`, orderId, companyId: 'omnibus-retail', returnId, gateway: 'retail-sim', gatewayReference: `re_${refundId}`, method: 'CARD', amount: usd(6480), reason: 'return', occurredAt: at } satisfies RefundIssued,
      'retail.payments',
    ],
  ];
  return { orderId, facts };
}

const standardCost: ProductUpserted = {
  sku: 'APP-10001',
  name: 'T-Shirt',
  description: null,
  brand: null,
  category: null,
  barcode: null,
  kind: 'STORABLE',
  unitOfMeasure: 'Units',
  weightGrams: null,
  attributes: {},
  listPrice: usd(5000),
  standardCost: usd(2100),
  active: true,
  odooProductId: null,
  sourceUpdatedAt: new Date(),
  occurredAt: new Date(),
};

describe('finance posting to Odoo', () => {
  const { orderId, facts } = journey();
  let entries: any[];

  beforeAll(async () => {
    await publisher.publish(ProductUpserted, standardCost, topics['retail.catalog']);
    // The catalogue fact is on another topic: the shipments must not overtake it for this test's costs.
    await waitFor(async () => ((await finance.app.get(DataSource).query(`SELECT 1 FROM standard_costs WHERE sku = 'APP-10001'`)) as unknown[]).length > 0 || undefined, {
      timeoutMs: 30_000,
      what: 'the standard cost to be known',
    });
    for (const [contract, payload, topic] of facts) await publisher.publish(contract, payload, topics[topic]);
  });

  it('posts every fact once as a balanced entry; one Odoo refuses (missing account) and it re-posts once after the fix', async () => {
    // Ten entries: revenue and cost of goods per shipment, two captures, restock and shrinkage, the credit note and the refund.
    entries = await waitFor(async () => {
      const all = await entriesOf(orderId);
      return all.length === 10 && all.every((entry) => entry.status !== 'draft') ? all : undefined;
    }, { timeoutMs: 60_000, what: 'ten journal entries answered by Odoo' });
    const refused = entries.filter((entry) => entry.status === 'failed');
    expect(refused.map((entry) => entry.posting)).toEqual(['shrinkage-on-write-off']);
    expect(refused[0].failure).toMatch(/650000/);
    const exceptions = (await api('/finance/exceptions?status=open&kind=POSTING_REFUSED')).body as any[];
    expect(exceptions.filter((exception) => exception.journalEntryId === refused[0].id)).toHaveLength(1);
    await recorder.waitFor(refused[0].id, OdooCommandFailed.type);
    const announced = await waitFor(() => recorder.events.find((event) => event.type === ReconciliationExceptionRaised.type && event.value.journalEntryId === refused[0].id), {
      timeoutMs: 20_000,
      what: 'the refusal to be announced',
    });
    expect(announced.value.detail).toContain('no Odoo account with code 650000');

    // A posted entry is not sent again.
    const posted = entries.find((entry) => entry.status === 'posted');
    expect((await api(`/journal-entries/${posted.id}/repost`, { method: 'POST', body: {} })).status).toBe(409);

    // The accountant creates the account in Odoo and re-posts; a second re-post is refused (it is on its way or posted).
    await odoo.create('account.account', { code: '650000', name: 'Shrinkage', account_type: 'expense', company_id: 1 });
    const repost = await api(`/journal-entries/${refused[0].id}/repost`, { method: 'POST', body: { note: 'account 650000 created' } });
    expect(repost.status).toBe(200);
    expect(repost.body).toMatchObject({ status: 'draft', failure: 'no Odoo account with code 650000 in company omnibus-retail' });
    expect((await api(`/journal-entries/${refused[0].id}/repost`, { method: 'POST', body: {} })).status).toBe(409);
    await recorder.waitFor(refused[0].id, JournalEntryPosted.type, 1, 30_000);
    entries = await entriesOf(orderId);
    expect(entries.every((entry) => entry.status === 'posted')).toBe(true);
    expect(recorder.of(refused[0].id, PostJournalEntry.type)).toHaveLength(2);
    expect((await api('/finance/exceptions?status=open&kind=POSTING_REFUSED')).body.filter((exception: any) => exception.journalEntryId === refused[0].id)).toEqual([]);
  });

  it('the entries in Odoo balance and match the rules to the cent', async () => {
    const { moves, balances } = await odooBalances(entries.map((entry) => entry.id));
    expect(moves).toHaveLength(10);
    expect(balances).toEqual({ '121000': 0, '400000': -7460, '251000': -600, '101403': 8060, '500000': 2766, '110100': -3099, '650000': 333 });
    for (const entry of entries) expect(entry.lines.reduce((sum: number, line: any) => sum + line.debitMinor - line.creditMinor, 0)).toBe(0);
    expect(entries.find((entry) => entry.posting === 'revenue-on-shipment' && entry.source.id === `s2-${orderId}`)).toMatchObject({
      journal: 'INV',
      ruleVersion: 'retail-2026.1',
      lines: [
        { accountCode: '121000', debitMinor: 8060, creditMinor: 0 },
        { accountCode: '400000', debitMinor: 0, creditMinor: 7000 },
        { accountCode: '400000', debitMinor: 0, creditMinor: 460 },
        { accountCode: '251000', debitMinor: 0, creditMinor: 600 },
      ],
    });
  });

  it('the period reconciles clean', async () => {
    const run = await api('/reconciliations', { method: 'POST', body: { from: today, to: today } });
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ clean: true, entries: 10, differences: [], checksumDifferences: [] });
    const text = await api(`/reconciliations/${run.body.id}?format=text`);
    expect(text.text).toContain(`Reconciliation ${today} .. ${today}: CLEAN`);
    const metrics = await (await finance.request('/metrics')).text();
    expect(metrics).toMatch(/finance_entries_posted_total\{rule="payment-capture"[^}]*\} 2\n/);
    expect(metrics).toMatch(/finance_entries_refused_total\{failure="MISSING_RECORD"[^}]*\} 1\n/);
    expect(metrics).toMatch(/finance_posting_lag_seconds_count\{[^}]*\} 10\n/);
    expect(metrics).toMatch(/finance_reconciliations_total\{result="clean"[^}]*\} 1\n/);
    expect(metrics).toMatch(/finance_reconciliation_seconds_count\{[^}]*\} 1\n/);
  });

  it('a dual-run checkpoint against legacy totals is clean within rounding, and flags a real difference', async () => {
    const { balances } = await odooBalances(entries.map((entry) => entry.id));
    const legacyRows = Object.entries(balances).map(([account, minor]) => [today, 'web-us', account, minor]);
    // Legacy rounds tax per line: a cent moved between tax and revenue.
    const csv = (rows: Array<Array<string | number>>) => ['date,channel,account,amount', ...rows.map(([date, channel, account, minor]) => `${date},${channel},${account},${(Number(minor) / 100).toFixed(2)}`)].join('\n');
    const rounded = legacyRows.map(([date, channel, account, minor]) => [date, channel, account, account === '251000' ? Number(minor) + 1 : account === '400000' ? Number(minor) - 1 : minor]);
    const clean = await api('/dual-run/checkpoints', { method: 'POST', body: { legacyCsv: csv(rounded), cleanDaysRequired: 1 } });
    expect(clean.status).toBe(200);
    expect(clean.body).toMatchObject({ readyForCutover: true, consecutiveCleanDays: 1, days: [{ date: today, clean: true }] });
    expect(clean.body.days[0].differences.map((difference: any) => difference.class)).toEqual(['rounding', 'rounding']);
    const off = legacyRows.map(([date, channel, account, minor]) => [date, channel, account, account === '101403' ? Number(minor) + 10_000 : minor]);
    const flagged = await api('/dual-run/checkpoints', { method: 'POST', body: { legacyCsv: csv(off), cleanDaysRequired: 1 } });
    expect(flagged.body).toMatchObject({ readyForCutover: false, days: [{ date: today, clean: false, differences: [{ account: '101403', class: 'real', legacyMinor: 18_060, oursMinor: 8_060 }] }] });
  });

  it('replaying every fact (new envelopes, same facts) posts nothing twice', async () => {
    const commandsBefore = recorder.events.filter((event) => event.type === PostJournalEntry.type).length;
    for (const [contract, payload, topic] of facts) await publisher.publish(contract, payload, topics[topic]);
    // Every entry names the replayed event behind it too, once the replay is consumed.
    await waitFor(async () => ((await entriesOf(orderId)).every((entry) => entry.sourceEvents.length === 2) ? true : undefined), { timeoutMs: 60_000, what: 'the replay to be consumed' });
    expect(await entriesOf(orderId)).toHaveLength(10);
    expect(recorder.events.filter((event) => event.type === PostJournalEntry.type).length).toBe(commandsBefore);
    expect((await odooBalances(entries.map((entry) => entry.id))).moves).toHaveLength(10);
  });

  it('an entry removed in Odoo by hand is reported missing, an amount changed by hand a mismatch', async () => {
    const byPosting = (posting: string) => entries.find((entry) => entry.posting === posting);
    const [removed] = await odoo.search('account.move', [['ref', '=', byPosting('refund-payment').id]]);
    // Odoo (and odoo-sim) refuses to delete an entry that was posted once: by hand it is reset and cancelled.
    await odoo.callMethod('account.move', 'button_draft', [removed]);
    await odoo.callMethod('account.move', 'button_cancel', [removed]);
    const changed = byPosting('cogs-reversal-on-restock');
    const [move] = await odoo.searchRead<{ id: number; line_ids: number[] }>('account.move', [['ref', '=', changed.id]], { fields: ['line_ids'] });
    const lines = await odoo.read<{ id: number; debit: number }>('account.move.line', move.line_ids, ['debit']);
    await odoo.callMethod('account.move', 'button_draft', [move.id]);
    await odoo.write('account.move', [move.id], { line_ids: lines.map((line) => [1, line.id, line.debit > 0 ? { debit: 20 } : { credit: 20 }]) });
    await odoo.callMethod('account.move', 'action_post', [move.id]);

    const run = await api('/reconciliations', { method: 'POST', body: { from: today, to: today } });
    expect(run.body.clean).toBe(false);
    const found = run.body.differences.map((difference: any) => [difference.kind, difference.journalEntryId, difference.expectedMinor, difference.actualMinor]);
    expect(found.sort()).toEqual([
      ['AMOUNT_MISMATCH', changed.id, 2100, 2000],
      ['MISSING_IN_ODOO', byPosting('refund-payment').id, 6480, null],
    ]);
    expect(run.body.checksumDifferences.length).toBeGreaterThan(0);
    const csv = await api(`/reconciliations/${run.body.id}?format=csv`);
    expect(csv.text.split('\n').filter((line) => line.startsWith('MISSING_IN_ODOO') || line.startsWith('AMOUNT_MISMATCH'))).toHaveLength(2);
    const raised = await waitFor(() => {
      const events = recorder.events.filter((event) => event.type === ReconciliationExceptionRaised.type && [byPosting('refund-payment').id, changed.id].includes(event.value.journalEntryId));
      return events.length >= 2 ? events : undefined;
    }, { timeoutMs: 20_000, what: 'the reconciliation exceptions to be published' });
    expect(raised.map((event) => event.value.kind).sort()).toEqual(['AMOUNT_MISMATCH', 'MISSING_IN_ODOO']);

    // Run again: the same differences, but no second exception for either.
    const again = await api('/reconciliations', { method: 'POST', body: { from: today, to: today } });
    expect(again.body.differences).toHaveLength(2);
    const open = (await api('/finance/exceptions?status=open')).body.filter((exception: any) => ['MISSING_IN_ODOO', 'AMOUNT_MISMATCH'].includes(exception.kind));
    expect(open).toHaveLength(2);
    const metrics = await (await finance.request('/metrics')).text();
    expect(metrics).toMatch(/finance_exceptions_open\{kind="MISSING_IN_ODOO"[^}]*\} 1\n/);
    expect(metrics).toMatch(/finance_reconciliation_differences\{kind="AMOUNT_MISMATCH"[^}]*\} 1\n/);
    expect(metrics).toMatch(/finance_parked_facts\{[^}]*\} 0\n/);

    // The accountant accepts the missing one (it was cancelled on purpose): closed once, audited.
    const missing = open.find((exception: any) => exception.kind === 'MISSING_IN_ODOO');
    const resolved = await api(`/finance/exceptions/${missing.id}/resolve`, { method: 'POST', body: { note: 'cancelled in Odoo on purpose' } });
    expect(resolved).toMatchObject({ status: 200, body: { status: 'resolved', resolvedBy: 'operator:accountant' } });
    expect((await api(`/finance/exceptions/${missing.id}/resolve`, { method: 'POST', body: { note: 'again' } })).status).toBe(409);
  });

  it('a gateway payout file settles clearing against bank and fees, once however often it is imported', async () => {
    const payoutCsv = `payout_id,date,currency,gross,fees,net\npo_${orderId.slice(0, 8)},${today},USD,145.40,4.51,140.89\n`;
    const first = await api('/settlements', { method: 'POST', body: { companyId: 'omnibus-retail', gateway: 'retail-sim', payoutCsv } });
    expect(first.status).toBe(200);
    const [{ journalEntryId, booked }] = first.body.payouts;
    expect(booked).toBe(true);
    await recorder.waitFor(journalEntryId, JournalEntryPosted.type, 1, 30_000);
    expect((await odooBalances([journalEntryId])).balances).toEqual({ '101401': 14089, '600000': 451, '101403': -14540 });
    const again = await api('/settlements', { method: 'POST', body: { companyId: 'omnibus-retail', gateway: 'retail-sim', payoutCsv } });
    expect(again.body.payouts).toEqual([{ payoutId: `po_${orderId.slice(0, 8)}`, journalEntryId, booked: false }]);
    expect(recorder.of(journalEntryId, PostJournalEntry.type)).toHaveLength(1);
  });

  it('a fact dated in a locked period posts on the first open day with a note, and shows up', async () => {
    const january = journey(new Date('2026-01-15T12:00:00Z'));
    const [placed, , capture] = january.facts;
    await publisher.publish(placed[0], placed[1], topics[placed[2]]);
    await publisher.publish(capture[0], capture[1], topics[capture[2]]);
    const [entry] = await waitFor(async () => {
      const found = await entriesOf(january.orderId);
      if (found.length === 1 && found[0].status === 'posted') return found;
      throw new Error(`entries so far: ${JSON.stringify(found.map((entry) => [entry.posting, entry.status, entry.failure]))}`);
    }, { timeoutMs: 30_000, what: 'the January capture to post' });
    expect(entry).toMatchObject({ posting: 'payment-capture', accountingDate: '2026-02-01', periodNote: 'accounting date 2026-01-15 is in a period locked through 2026-01-31: posted on 2026-02-01, the first open day' });
    const [move] = await odoo.searchRead<{ id: number; date: string }>('account.move', [['ref', '=', entry.id]], { fields: ['date'] });
    expect(move.date).toBe('2026-02-01');
  });
});
