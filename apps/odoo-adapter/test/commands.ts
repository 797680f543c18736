// Builders of odoo.commands payloads for the adapter's tests and benchmarks.
import { AmendSaleOrder, CancelSaleOrder, CreateCreditNote, CreateInvoice, CreateSaleOrder, PostJournalEntry, RegisterPayment, ValidateDelivery } from '@omnibus/contracts';
import { v7 as uuidv7 } from 'uuid';

const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

/** A sale order as a channel prices it: 15 % sales tax on each line (the rate of the seed's sale tax) unless a line says otherwise. */
export function createSaleOrder(orderId: string, lines: Array<{ sku: string; quantity: number; unitPriceMinor?: number; taxPercent?: number }>, overrides: Partial<CreateSaleOrder> = {}): CreateSaleOrder {
  const orderLines = lines.map((line, index) => {
    const unit = line.unitPriceMinor ?? 1000;
    const tax = Math.round((unit * line.quantity * (line.taxPercent ?? 15)) / 100);
    return {
      lineId: `${orderId}-${index + 1}`,
      sku: line.sku,
      name: line.sku,
      quantity: { milli: line.quantity * 1000 },
      unitPrice: usd(unit),
      discount: usd(0),
      tax: usd(tax),
      taxCode: null,
      total: usd(unit * line.quantity + tax),
    };
  });
  const total = orderLines.reduce((sum, line) => sum + line.total.amountMinor, 0);
  const taxes = orderLines.reduce((sum, line) => sum + line.tax.amountMinor, 0);
  return {
    commandId: uuidv7(),
    orderId,
    companyId: 'omnibus-retail',
    channel: { channelId: 'web-us', kind: 'WEB' },
    channelOrderRef: `WEB-${orderId}`,
    brand: 'omnibus',
    customer: { customerId: `CUS-${orderId}`, name: 'Ada Lovelace', email: 'ada@example.com', phone: null },
    billingAddress: { name: 'Ada Lovelace', company: null, line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, countryCode: 'US', phone: null, email: null },
    shippingAddress: null,
    lines: orderLines,
    totals: { linesTotal: usd(total), shipping: usd(0), orderDiscount: usd(0), tax: usd(taxes), grandTotal: usd(total) },
    pricesIncludeTax: false,
    fulfilmentLocations: orderLines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity, location: { locationId: 'wh-central', locationType: 'WAREHOUSE' } })),
    confirm: true,
    occurredAt: new Date(),
    ...overrides,
  };
}

/** A substitution in Odoo: the original line reduced to what is kept, the substitute added at 15 % tax less its discount. */
export function amendSaleOrder(orderId: string, reference: string, reduce: Array<{ sku: string; quantity: number }>, add: Array<{ sku: string; quantity: number; unitPriceMinor: number; discountMinor?: number }>): AmendSaleOrder {
  return {
    commandId: uuidv7(),
    orderId,
    companyId: 'omnibus-retail',
    reduceLines: reduce.map((line) => ({ sku: line.sku, quantity: { milli: line.quantity * 1000 } })),
    addLines: add.map((line) => {
      const net = line.unitPriceMinor * line.quantity - (line.discountMinor ?? 0);
      const tax = Math.round(net * 0.15);
      return { lineId: `${orderId}-sub`, sku: line.sku, name: `${line.sku} (substitute)`, quantity: { milli: line.quantity * 1000 }, unitPrice: usd(line.unitPriceMinor), discount: usd(line.discountMinor ?? 0), tax: usd(tax), taxCode: null, total: usd(net + tax) };
    }),
    pricesIncludeTax: false,
    reference,
    reason: 'substitution accepted by the customer',
    occurredAt: new Date(),
  };
}

export function validateDelivery(orderId: string, shipmentId: string, lines: Array<{ sku: string; quantity: number }>): ValidateDelivery {
  return {
    commandId: uuidv7(),
    orderId,
    shipmentId,
    companyId: 'omnibus-retail',
    fromLocation: { locationId: 'wh-central', locationType: 'WAREHOUSE' },
    lines: lines.map((line, index) => ({ lineId: `${orderId}-${index + 1}`, sku: line.sku, quantity: { milli: line.quantity * 1000 } })),
    carrier: 'ups',
    trackingNumber: null,
    occurredAt: new Date(),
  };
}

export function cancelSaleOrder(orderId: string): CancelSaleOrder {
  return { commandId: uuidv7(), orderId, companyId: 'omnibus-retail', reason: 'customer asked', keepDelivered: false, occurredAt: new Date() };
}

export function postJournalEntry(journalEntryId: string, amountMinor: number): PostJournalEntry {
  return {
    commandId: uuidv7(),
    journalEntryId,
    companyId: 'omnibus-retail',
    journalCode: 'GENERAL',
    accountingDate: new Date().toISOString().slice(0, 10),
    reference: `Sales of ${journalEntryId}`,
    lines: [
      { lineNumber: 1, accountCode: '121000', label: 'Receivable', debit: usd(amountMinor), credit: usd(0), partnerId: null, taxCode: null, analyticAccount: null },
      { lineNumber: 2, accountCode: '400000', label: 'Revenue', debit: usd(0), credit: usd(amountMinor), partnerId: null, taxCode: null, analyticAccount: null },
    ],
    occurredAt: new Date(),
  };
}

export function createCreditNote(returnId: string, orderId: string, sku: string, quantity: number, amountMinor: number): CreateCreditNote {
  return {
    commandId: uuidv7(),
    returnId,
    orderId,
    companyId: 'omnibus-retail',
    refundId: `REF-${returnId}`,
    reason: 'Returned',
    lines: [{ lineId: `${orderId}-1`, sku, quantity: { milli: quantity * 1000 }, amount: usd(amountMinor), tax: usd(0), taxCode: null }],
    shippingRefund: usd(0),
    total: usd(amountMinor),
    occurredAt: new Date(),
  };
}

/** Invoices the order: everything Odoo has to invoice, or only `lines`. */
export function createInvoice(invoiceId: string, orderId: string, lines: Array<{ sku: string; quantity: number }> = []): CreateInvoice {
  return {
    commandId: uuidv7(),
    invoiceId,
    orderId,
    companyId: 'omnibus-retail',
    lines: lines.map((line, index) => ({ lineId: `${orderId}-${index + 1}`, sku: line.sku, quantity: { milli: line.quantity * 1000 } })),
    invoiceDate: null,
    occurredAt: new Date(),
  };
}

export function registerPayment(paymentId: string, invoiceId: string, orderId: string, amountMinor: number): RegisterPayment {
  return {
    commandId: uuidv7(),
    paymentId,
    invoiceId,
    orderId,
    companyId: 'omnibus-retail',
    amount: usd(amountMinor),
    journalCode: 'BNK1',
    paymentDate: new Date().toISOString().slice(0, 10),
    occurredAt: new Date(),
  };
}
