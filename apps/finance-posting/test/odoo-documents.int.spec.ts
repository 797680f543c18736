// The default rules (rules/posting-rules.yaml) with an order the saga also invoices: Odoo's own invoice,
// payment and credit note book revenue, tax, the payment and the returned sale; finance-posting records
// those in its ledger and sends only what no Odoo document books (cost of goods, restock, a return's
// refund). Odoo's balances per account then hold each movement once. The invoice, payment and credit
// note are made in odoo-sim through OdooClient as the adapter's CreateInvoice, RegisterPayment and
// CreateCreditNote make them (account.move out_invoice/out_refund posted, account.payment.register).
import { OrderPlaced, PaymentCaptured, PostJournalEntry, RefundIssued, ReturnDispositioned, ReturnRefunded, ShipmentDispatched } from '@omnibus/contracts';
import { waitFor } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { apiOf, customerAddress, FinanceStack, odooBalancesOf, placedOrder, startFinanceStack } from './harness';

jest.setTimeout(90_000);

let stack: FinanceStack;
beforeAll(async () => {
  stack = await startFinanceStack('documents', { FINANCE_RULES_FILE: path.join(__dirname, '..', 'rules', 'posting-rules.yaml') });
}, 120_000);
afterAll(() => stack?.stop(), 60_000);

const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const today = new Date().toISOString().slice(0, 10);
const api = apiOf(() => stack);

/** Σ debit − credit per account over every posted move in this test's odoo-sim, in cents; zero balances left out. */
async function odooBalances(): Promise<Record<string, number>> {
  const { balances } = await odooBalancesOf(stack.odoo, []);
  return Object.fromEntries(Object.entries(balances).filter(([, balance]) => balance !== 0));
}

const accountId = async (code: string) => (await stack.odoo.search('account.account', [['code', '=', code]]))[0];

/** What the adapter's CreateInvoice / CreateCreditNote do: an out_invoice or out_refund with our ref, posted. */
async function customerDocument(moveType: 'out_invoice' | 'out_refund', ref: string, partnerId: number, taxId: number, lines: Array<{ name: string; quantity: number; priceUnit: number }>) {
  const income = await accountId('400000');
  const id = await stack.odoo.create('account.move', {
    move_type: moveType,
    ref,
    partner_id: partnerId,
    invoice_line_ids: lines.map((line) => [0, 0, { name: line.name, quantity: line.quantity, price_unit: line.priceUnit, account_id: income, tax_ids: [[6, 0, [taxId]]] }]),
  });
  await stack.odoo.callMethod('account.move', 'action_post', [id]);
  return id;
}

describe('facts Odoo books itself (default rules: invoice, payment, credit note)', () => {
  // 2 × 50.00 at 8 % = 108.00, shipped at once at 21.00 a unit, captured; one unit returned and restocked, 54.00 credited and refunded.
  const orderId = randomUUID();
  const returnId = `ret-${orderId}`;
  const at = new Date();
  const address = customerAddress;
  const order = placedOrder(
    orderId,
    [{ lineId: 'l1', sku: 'APP-10001', name: 'T-Shirt', quantity: { milli: 2000 }, unitPrice: usd(5000), discount: usd(0), tax: usd(800), taxCode: 'US-8', total: usd(10800) }],
    { linesTotal: usd(10800), shipping: usd(0), orderDiscount: usd(0), tax: usd(800), grandTotal: usd(10800) },
    at,
  );
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
    await stack.publisher.publish(OrderPlaced, order, stack.topics['retail.orders']);
    await stack.publisher.publish(ShipmentDispatched, shipment, stack.topics['retail.shipments']);
    await stack.publisher.publish(PaymentCaptured, capture, stack.topics['retail.payments']);
    await stack.publisher.publish(ReturnDispositioned, disposition, stack.topics['retail.returns']);
    await stack.publisher.publish(ReturnRefunded, refunded, stack.topics['retail.returns']);
    await stack.publisher.publish(RefundIssued, refund, stack.topics['retail.payments']);

    // The saga's and the returns' Odoo documents, as the adapter makes them.
    const partnerId = await stack.odoo.create('res.partner', { name: 'Ada Buyer' });
    const taxId = await stack.odoo.create('account.tax', { name: 'US 8%', amount: 8, amount_type: 'percent', type_tax_use: 'sale', company_id: 1 });
    const invoiceId = await customerDocument('out_invoice', `inv-${orderId}`, partnerId, taxId, [{ name: 'T-Shirt', quantity: 2, priceUnit: 50 }]);
    const [journalId] = await stack.odoo.search('account.journal', [['code', '=', 'BNK1']]);
    const wizardContext = { active_model: 'account.move', active_ids: [invoiceId] };
    const wizardId = await stack.odoo.create('account.payment.register', { amount: 108, payment_date: today, journal_id: journalId, communication: capture.paymentId, payment_difference_handling: 'open' }, { context: wizardContext });
    await stack.odoo.callMethod('account.payment.register', 'action_create_payments', [wizardId], { context: wizardContext });
    await customerDocument('out_refund', returnId, partnerId, taxId, [{ name: 'T-Shirt returned', quantity: 1, priceUnit: 50 }]);

    // Six entries in the ledger: three Odoo's documents book, three posted by finance.
    const entries = await waitFor(async () => {
      const all = (await api(`/journal-entries?orderId=${orderId}`)).body as any[];
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
    const sent = () => stack.recorder.events.filter((event) => event.type === PostJournalEntry.type).map((event) => event.value.journalEntryId as string).sort();
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
    const run = (await api('/reconciliations', { method: 'POST', body: { from: today, to: today } })).body;
    expect(run).toMatchObject({ clean: true, entries: 3, inOdooDocuments: { invoice: 1, payment: 1, 'credit-note': 1 } });
    expect((await api(`/reconciliations/${run.id}?format=text`)).text).toContain("not compared: 1 booked by Odoo's invoices, 1 booked by Odoo's payments, 1 booked by Odoo's credit-notes");
  });
});
