// The default rules (rules/posting-rules.yaml) with an order the saga also invoices: Odoo's own invoice,
// payment and credit note book revenue, tax, the payment and the returned sale; finance-posting records
// those in its ledger and sends only what no Odoo document books (cost of goods, restock, a return's
// refund). Odoo's balances per account then hold each movement once. The invoice, payment and credit
// note are made in odoo-sim through OdooClient as the adapter's CreateInvoice, RegisterPayment and
// CreateCreditNote make them (account.move out_invoice/out_refund posted, account.payment.register).
import { OrderPlaced, PaymentCaptured, PostJournalEntry, RefundIssued, ReturnDispositioned, ReturnRefunded, ShipmentDispatched } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestDatabase, testBrokers, uniqueName, waitFor } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { FinancePostingConfig } from '../src/config';
import { financePostingService } from '../src/service';

jest.setTimeout(90_000);

const CATALOGUE_TOPICS = ['retail.orders', 'retail.payments', 'retail.shipments', 'retail.returns', 'retail.catalog', 'retail.finance', 'odoo.commands', 'odoo.results'] as const;
const financeConsumer = uniqueName('finance-documents');
const adapterConsumer = uniqueName('odoo-adapter-documents');

let registry: AppProcess;
let sim: OdooSimProcess;
let adapter: AppProcess;
let finance: TestService<FinancePostingConfig>;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let odoo: OdooClient;
let accountant: string;

beforeAll(async () => {
  [registry, sim, { topics }] = await Promise.all([startSchemaRegistry('finance-documents'), OdooSimProcess.start({ version: 17 }), createUniqueTopics(CATALOGUE_TOPICS, [financeConsumer, adapterConsumer])]);
  const adapterDatabase = await createTestDatabase('odoo_adapter_documents');
  const shared = { KAFKA_BROKERS: testBrokers().join(','), SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics) };
  [adapter, finance, recorder, publisher] = await Promise.all([
    startApp('odoo-adapter', { ...shared, DATABASE_URL: adapterDatabase.url, ODOO_URL: sim.url, ODOO_CONSUMER_SERVICE: adapterConsumer, ODOO_SYNC_ENABLED: 'false' }, { cleanup: () => adapterDatabase.drop() }),
    startTestService(financePostingService, {
      ...shared,
      ODOO_URL: sim.url,
      FINANCE_CONSUMER_SERVICE: financeConsumer,
      FINANCE_RULES_FILE: path.join(__dirname, '..', 'rules', 'posting-rules.yaml'),
      LOG_LEVEL: process.env.FINANCE_TEST_LOG ?? 'silent',
    }) as Promise<TestService<FinancePostingConfig>>,
    EventRecorder.start([topics['odoo.commands'], topics['odoo.results']], registry.url),
    EventPublisher.start(registry.url),
  ]);
  odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
  accountant = await issueToken({ sub: 'operator:accountant', scopes: ['finance:read', 'finance:write', 'finance:reconcile'] });
}, 120_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), publisher?.stop(), odoo?.close(), finance?.stop(), adapter?.stop()]);
  await Promise.all([sim?.stop(), registry?.stop()]);
}, 60_000);

const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const today = new Date().toISOString().slice(0, 10);
const api = async (route: string, init: { method?: string; body?: unknown } = {}) => {
  const response = await finance.request(route, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${accountant}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return response.json() as Promise<any>;
};

/** Σ debit − credit per account over every posted move in this test's odoo-sim, in cents. */
async function odooBalances(): Promise<Record<string, number>> {
  const moves = await odoo.search('account.move', [['state', '=', 'posted']]);
  const lines = await odoo.searchRead<{ id: number; account_id: [number, string]; debit: number; credit: number }>('account.move.line', [['move_id', 'in', moves]], { fields: ['account_id', 'debit', 'credit'] });
  const codes = new Map((await odoo.read<{ id: number; code: string }>('account.account', [...new Set(lines.map((line) => line.account_id[0]))], ['code'])).map((row) => [row.id, row.code]));
  const balances: Record<string, number> = {};
  for (const line of lines) {
    const code = codes.get(line.account_id[0]) as string;
    balances[code] = (balances[code] ?? 0) + Math.round(line.debit * 100) - Math.round(line.credit * 100);
  }
  return Object.fromEntries(Object.entries(balances).filter(([, balance]) => balance !== 0));
}

const accountId = async (code: string) => (await odoo.search('account.account', [['code', '=', code]]))[0];

/** What the adapter's CreateInvoice / CreateCreditNote do: an out_invoice or out_refund with our ref, posted. */
async function customerDocument(moveType: 'out_invoice' | 'out_refund', ref: string, partnerId: number, taxId: number, lines: Array<{ name: string; quantity: number; priceUnit: number }>) {
  const income = await accountId('400000');
  const id = await odoo.create('account.move', {
    move_type: moveType,
    ref,
    partner_id: partnerId,
    invoice_line_ids: lines.map((line) => [0, 0, { name: line.name, quantity: line.quantity, price_unit: line.priceUnit, account_id: income, tax_ids: [[6, 0, [taxId]]] }]),
  });
  await odoo.callMethod('account.move', 'action_post', [id]);
  return id;
}

describe('facts Odoo books itself (default rules: invoice, payment, credit note)', () => {
  // 2 × 50.00 at 8 % = 108.00, shipped at once at 21.00 a unit, captured; one unit returned and restocked, 54.00 credited and refunded.
  const orderId = randomUUID();
  const returnId = `ret-${orderId}`;
  const at = new Date();
  const address = { name: 'Ada Buyer', company: null, line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, countryCode: 'US', phone: null, email: null };
  const order: OrderPlaced = {
    orderId,
    channelOrderRef: `WEB-${orderId.slice(0, 8)}`,
    channel: { channelId: 'web-us', kind: 'WEB' },
    brand: 'acme',
    companyId: 'omnibus-retail',
    customer: { customerId: null, name: 'Ada Buyer', email: 'ada@example.com', phone: null },
    billingAddress: address,
    shippingAddress: address,
    lines: [{ lineId: 'l1', sku: 'APP-10001', name: 'T-Shirt', quantity: { milli: 2000 }, unitPrice: usd(5000), discount: usd(0), tax: usd(800), taxCode: 'US-8', total: usd(10800) }],
    totals: { linesTotal: usd(10800), shipping: usd(0), orderDiscount: usd(0), tax: usd(800), grandTotal: usd(10800) },
    pricesIncludeTax: true,
    fulfilment: { mode: 'DELIVERY', pickupLocationId: null, allowedLocationTypes: [], allowSplitShipment: true, shippingMethod: null, promisedBy: null },
    paymentReference: null,
    notes: null,
    placedAt: at,
    occurredAt: at,
  };
  const from = { locationId: 'wh-central', locationType: 'WAREHOUSE' as const };
  const shipment: ShipmentDispatched = {
    shipmentId: `s1-${orderId}`,
    orderId,
    companyId: 'omnibus-retail',
    fromLocation: from,
    lines: [{ lineId: 'l1', sku: 'APP-10001', quantity: { milli: 2000 }, unitCost: usd(2100) }],
    finalShipment: true,
    carrier: 'ups',
    trackingNumber: null,
    trackingUrl: null,
    shipTo: address,
    occurredAt: at,
  };
  const capture: PaymentCaptured = {
    paymentId: `pay-${orderId}`,
    orderId,
    companyId: 'omnibus-retail',
    captureId: `c1-${orderId}`,
    gateway: 'retail-sim',
    gatewayReference: `ch_${orderId}`,
    method: 'CARD',
    amount: usd(10800),
    shipmentId: shipment.shipmentId,
    finalCapture: true,
    occurredAt: at,
  };
  const disposition: ReturnDispositioned = {
    returnId,
    orderId,
    companyId: 'omnibus-retail',
    location: from,
    lines: [{ lineId: 'l1', sku: 'APP-10001', quantity: { milli: 1000 }, disposition: 'RESTOCK', unitCost: usd(2100) }],
    occurredAt: at,
  };
  const refunded: ReturnRefunded = {
    returnId,
    orderId,
    companyId: 'omnibus-retail',
    refundId: `rf-${orderId}`,
    lines: [{ lineId: 'l1', sku: 'APP-10001', quantity: { milli: 1000 }, amount: usd(5400), tax: usd(400), taxCode: 'US-8' }],
    shippingRefund: usd(0),
    total: usd(5400),
    occurredAt: at,
  };
  const refund: RefundIssued = { refundId: `rf-${orderId}`, paymentId: capture.paymentId, orderId, companyId: 'omnibus-retail', returnId, gateway: 'retail-sim', gatewayReference: `re_${orderId}`, method: 'CARD', amount: usd(5400), reason: 'return', occurredAt: at };

  it('records revenue, payment and credit note without posting them; Odoo holds each movement once', async () => {
    await publisher.publish(OrderPlaced, order, topics['retail.orders']);
    await publisher.publish(ShipmentDispatched, shipment, topics['retail.shipments']);
    await publisher.publish(PaymentCaptured, capture, topics['retail.payments']);
    await publisher.publish(ReturnDispositioned, disposition, topics['retail.returns']);
    await publisher.publish(ReturnRefunded, refunded, topics['retail.returns']);
    await publisher.publish(RefundIssued, refund, topics['retail.payments']);

    // The saga's and the returns' Odoo documents, as the adapter makes them.
    const partnerId = await odoo.create('res.partner', { name: 'Ada Buyer' });
    const taxId = await odoo.create('account.tax', { name: 'US 8%', amount: 8, amount_type: 'percent', type_tax_use: 'sale', company_id: 1 });
    const invoiceId = await customerDocument('out_invoice', `inv-${orderId}`, partnerId, taxId, [{ name: 'T-Shirt', quantity: 2, priceUnit: 50 }]);
    const [journalId] = await odoo.search('account.journal', [['code', '=', 'BNK1']]);
    const wizardContext = { active_model: 'account.move', active_ids: [invoiceId] };
    const wizardId = await odoo.create('account.payment.register', { amount: 108, payment_date: today, journal_id: journalId, communication: capture.paymentId, payment_difference_handling: 'open' }, { context: wizardContext });
    await odoo.callMethod('account.payment.register', 'action_create_payments', [wizardId], { context: wizardContext });
    await customerDocument('out_refund', returnId, partnerId, taxId, [{ name: 'T-Shirt returned', quantity: 1, priceUnit: 50 }]);

    // Six entries in the ledger: three Odoo's documents book, three posted by finance.
    const entries = await waitFor(async () => {
      const all = (await api(`/journal-entries?orderId=${orderId}`)) as any[];
      return all.length === 6 && all.every((entry) => entry.status !== 'draft') ? all : undefined;
    }, { timeoutMs: 60_000, what: 'six entries, the posted ones answered by Odoo' });
    const byStatus = (status: string) => entries.filter((entry) => entry.status === status).map((entry) => [entry.posting, entry.odooDocument]).sort();
    expect(byStatus('in_odoo_document')).toEqual([
      ['credit-note-on-return', 'credit-note'],
      ['payment-capture', 'payment'],
      ['revenue-on-shipment', 'invoice'],
    ]);
    expect(byStatus('posted')).toEqual([
      ['cogs-on-shipment', null],
      ['cogs-reversal-on-restock', null],
      ['refund-payment', null],
    ]);
    // The revenue entry still knows the money, for dual-run and the accountant.
    const revenue = entries.find((entry) => entry.posting === 'revenue-on-shipment');
    expect(revenue.lines.map((line: any) => [line.accountCode, line.debitMinor, line.creditMinor])).toEqual([['121000', 10800, 0], ['400000', 0, 10000], ['251000', 0, 800]]);

    // No PostJournalEntry for what Odoo's documents book.
    const postedIds = entries.filter((entry) => entry.status === 'posted').map((entry) => entry.id).sort();
    const sent = () => recorder.events.filter((event) => event.type === PostJournalEntry.type).map((event) => event.value.journalEntryId as string).sort();
    await waitFor(() => sent().length >= postedIds.length || undefined, { timeoutMs: 20_000, what: 'the commands of the posted entries to be recorded' });
    expect(sent()).toEqual(postedIds);

    // Odoo's books: revenue and tax once (invoice less credit note), receivable settled, clearing = captured − refunded.
    expect(await odooBalances()).toEqual({
      '400000': -10000 + 5000,
      '251000': -800 + 400,
      '101403': 10800 - 5400,
      '500000': 4200 - 2100,
      '110100': -4200 + 2100,
    });

    // Reconciliation compares what finance posted and says what it left to Odoo's documents.
    const run = await api('/reconciliations', { method: 'POST', body: { from: today, to: today } });
    expect(run).toMatchObject({ clean: true, entries: 3, inOdooDocuments: { invoice: 1, payment: 1, 'credit-note': 1 } });
    const text = await finance.request(`/reconciliations/${run.id}?format=text`, { headers: { authorization: `Bearer ${accountant}` } });
    expect(await text.text()).toContain("not compared: 1 booked by Odoo's invoices, 1 booked by Odoo's payments, 1 booked by Odoo's credit-notes");
  });
});
