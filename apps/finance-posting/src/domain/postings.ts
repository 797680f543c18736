import type { PaymentCaptured, RefundIssued, ReturnDispositioned, ReturnRefunded, ShipmentDispatched } from '@omnibus/contracts';
import { postingId } from './posting-id';
import { OdooDocument, PostingName, POSTINGS, RuleBook, RuleScope } from './rule-book';

/** What finance keeps of an order (from OrderPlaced): the rule scope and the amounts to recognise. */
export interface OrderFacts {
  orderId: string;
  channelOrderRef: string;
  companyId: string;
  brand: string;
  channel: string;
  currency: string;
  lines: Array<{ lineId: string; sku: string; orderedMilli: number; totalMinor: number; taxMinor: number }>;
  linesTotalMinor: number;
  taxTotalMinor: number;
  grandTotalMinor: number;
}

type FactLine = { lineId: string; sku: string; quantity: { milli: number }; total: { amountMinor: number }; tax: { amountMinor: number } };

/**
 * The order after a line was substituted: the line's product, quantity and amounts become the
 * substitute's, and the order's totals move by the difference, so revenue follows what is shipped.
 * Applied once: when the line is no longer the original (a replay), the facts stay as they are.
 */
export function substituteLine(order: OrderFacts, original: FactLine, substitute: FactLine): OrderFacts {
  const index = order.lines.findIndex((line) => line.lineId === original.lineId);
  const current = order.lines[index];
  if (!current || current.sku !== original.sku || current.totalMinor !== original.total.amountMinor || current.orderedMilli !== original.quantity.milli) return order;
  const lines = [...order.lines];
  lines[index] = { lineId: original.lineId, sku: substitute.sku, orderedMilli: substitute.quantity.milli, totalMinor: substitute.total.amountMinor, taxMinor: substitute.tax.amountMinor };
  const total = substitute.total.amountMinor - original.total.amountMinor;
  return {
    ...order,
    lines,
    linesTotalMinor: order.linesTotalMinor + total,
    taxTotalMinor: order.taxTotalMinor + substitute.tax.amountMinor - original.tax.amountMinor,
    grandTotalMinor: order.grandTotalMinor + total,
  };
}

export type SourceKind = 'ORDER' | 'SHIPMENT' | 'PAYMENT_CAPTURE' | 'REFUND' | 'RETURN' | 'OTHER';

export interface DraftLine {
  lineNumber: number;
  accountCode: string;
  label: string;
  debitMinor: number;
  creditMinor: number;
}

/** A balanced journal entry about to be stored and posted; its id is derived from its source (replay → same id). */
export interface DraftEntry {
  id: string;
  posting: PostingName;
  ruleVersion: string;
  companyId: string;
  journal: string;
  accountingDate: string;
  currency: string;
  reference: string;
  source: { kind: SourceKind; id: string; orderId: string | null };
  lines: DraftLine[];
  /** Booked by this Odoo document (invoice, credit note, payment): recorded, not posted. */
  odooDocument?: OdooDocument;
}

/** The result of an operational fact: the entries it posts, and why some posting it could make did not happen. */
export interface PostingOutcome {
  entries: DraftEntry[];
  /** Recorded no-ops and gaps, e.g. "no standard cost for SKU X": visible, never silent. */
  notes: string[];
}

export class NoRuleSetError extends Error {}

type Atoms = Record<string, number>;

/** The date of an instant in UTC, the accounting date of an operational fact. */
export const accountingDate = (at: Date | number): string => new Date(at).toISOString().slice(0, 10);

/**
 * Turns the amounts of one posting into its entry by the rule in force: each rule line's amount is
 * the sum of its atoms; zero lines are left out; an entry with nothing left is no entry.
 */
export function applyRule(
  book: RuleBook,
  scope: RuleScope,
  posting: PostingName,
  atoms: Atoms,
  header: { currency: string; reference: string; source: DraftEntry['source'] },
): DraftEntry | undefined {
  const set = book.select(scope);
  if (!set) throw new NoRuleSetError(`no posting rule set for company ${scope.companyId}, brand ${scope.brand}, channel ${scope.channel} on ${scope.date}`);
  const rule = set.rules[posting];
  const lines: DraftLine[] = [];
  for (const line of rule.lines) {
    const amount = amountOf(posting, line.amount, atoms);
    if (amount === 0) continue;
    // A negative amount (a discount larger than the charges it reduces) flips the side.
    const debit = (line.side === 'debit') === amount > 0;
    lines.push({ lineNumber: lines.length + 1, accountCode: line.account, label: line.label, debitMinor: debit ? Math.abs(amount) : 0, creditMinor: debit ? 0 : Math.abs(amount) });
  }
  if (lines.length === 0) return undefined;
  return {
    id: postingId(scope.companyId, posting, header.source),
    posting,
    ruleVersion: set.version,
    companyId: scope.companyId,
    journal: rule.journal,
    accountingDate: scope.date,
    currency: header.currency,
    reference: header.reference,
    source: header.source,
    lines,
    ...(rule.odooDocument ? { odooDocument: rule.odooDocument } : {}),
  };
}

function amountOf(posting: PostingName, amount: string, atoms: Atoms): number {
  // The rule book checked at start that every amount name exists for its posting.
  const parts: Record<string, Atoms> = POSTINGS[posting];
  return Object.entries(parts[amount]).reduce((sum, [atom, times]) => sum + times * (atoms[atom] ?? 0), 0);
}

/**
 * The part of `amount` that belongs to quantity before..after of `ordered`, cumulatively rounded down,
 * so that the parts of all shipments of a line add up to the line exactly.
 */
export function share(amount: number, beforeMilli: number, afterMilli: number, orderedMilli: number): number {
  const through = (milli: number) => Math.floor((amount * Math.min(milli, orderedMilli)) / orderedMilli);
  return through(afterMilli) - through(beforeMilli);
}

const scopeOf = (order: OrderFacts, at: Date | number): RuleScope => ({ companyId: order.companyId, brand: order.brand, channel: order.channel, date: accountingDate(at) });

/**
 * Revenue and output tax on shipment: the shipped part of each line (net and tax), and with the
 * final shipment the order's charges (shipping, order discount and their tax), so that all
 * shipments of a fully shipped order add up to its grand total to the cent.
 */
export function revenueOnShipment(book: RuleBook, order: OrderFacts, shipment: ShipmentDispatched, shippedBefore: ReadonlyMap<string, number>): PostingOutcome {
  const notes: string[] = [];
  let net = 0;
  let tax = 0;
  for (const line of shipment.lines) {
    const ordered = order.lines.find((candidate) => candidate.lineId === line.lineId);
    if (!ordered) {
      notes.push(`shipment ${shipment.shipmentId}: line ${line.lineId} is not a line of order ${order.orderId}`);
      continue;
    }
    const before = shippedBefore.get(line.lineId) ?? 0;
    const after = before + line.quantity.milli;
    const lineTax = share(ordered.taxMinor, before, after, ordered.orderedMilli);
    tax += lineTax;
    net += share(ordered.totalMinor, before, after, ordered.orderedMilli) - lineTax;
  }
  let shipping = 0;
  if (shipment.finalShipment) {
    const chargesTax = order.taxTotalMinor - order.lines.reduce((sum, line) => sum + line.taxMinor, 0);
    const chargesNet = order.grandTotalMinor - order.linesTotalMinor - chargesTax;
    tax += chargesTax;
    shipping = chargesNet;
  }
  const atoms = { net, tax, shipping: Math.max(shipping, 0), discount: Math.max(-shipping, 0) };
  const entry = applyRule(book, scopeOf(order, shipment.occurredAt), 'revenue-on-shipment', atoms, {
    currency: order.currency,
    reference: `${order.channelOrderRef} shipment ${shipment.shipmentId}`,
    source: { kind: 'SHIPMENT', id: shipment.shipmentId, orderId: order.orderId },
  });
  return { entries: entry ? [entry] : [], notes };
}

/** Payment clearing on capture: the gateway holds the money, the customer owes it no more. */
export function paymentCapture(book: RuleBook, order: OrderFacts, capture: PaymentCaptured): PostingOutcome {
  const entry = applyRule(book, scopeOf(order, capture.occurredAt), 'payment-capture', { captured: capture.amount.amountMinor }, {
    currency: capture.amount.currency,
    reference: `${order.channelOrderRef} capture ${capture.gatewayReference}`,
    source: { kind: 'PAYMENT_CAPTURE', id: capture.captureId, orderId: order.orderId },
  });
  return { entries: entry ? [entry] : [], notes: [] };
}

/** The money paid back to the customer, out of clearing. */
export function refundPayment(book: RuleBook, order: OrderFacts, refund: RefundIssued): PostingOutcome {
  // A return's refund pays back a credit note; any other (the saga's rest-cancel refund) is money the
  // order's payment never kept: RegisterPayment registers captured − refunded, hence its own posting.
  const posting = refund.returnId ? 'refund-payment' : 'order-refund';
  const entry = applyRule(book, scopeOf(order, refund.occurredAt), posting, { refunded: refund.amount.amountMinor }, {
    currency: refund.amount.currency,
    reference: `${order.channelOrderRef} refund ${refund.gatewayReference}`,
    source: { kind: 'REFUND', id: refund.refundId, orderId: order.orderId },
  });
  return { entries: entry ? [entry] : [], notes: [] };
}

/** The credit note of a refunded return: revenue and output tax of the lines (and shipping) reversed. */
export function creditNoteOnReturn(book: RuleBook, order: OrderFacts, refunded: ReturnRefunded): PostingOutcome {
  const tax = refunded.lines.reduce((sum, line) => sum + line.tax.amountMinor, 0);
  const net = refunded.lines.reduce((sum, line) => sum + line.amount.amountMinor - line.tax.amountMinor, 0);
  const shipping = refunded.shippingRefund.amountMinor;
  const notes = net + tax + shipping === refunded.total.amountMinor ? [] : [`return ${refunded.returnId}: lines and shipping (${net + tax + shipping}) differ from the total (${refunded.total.amountMinor}); posted by the lines`];
  const entry = applyRule(book, scopeOf(order, refunded.occurredAt), 'credit-note-on-return', { net, tax, shipping }, {
    currency: refunded.total.currency,
    reference: `${order.channelOrderRef} credit note ${refunded.returnId}`,
    source: { kind: 'RETURN', id: refunded.returnId, orderId: order.orderId },
  });
  return { entries: entry ? [entry] : [], notes };
}

/** Standard cost of one unit of a SKU, when finance knows it (ProductUpserted.standardCost). */
export type StandardCosts = ReadonlyMap<string, { amountMinor: number; currency: string }>;

type CostedLine = { sku: string; quantity: { milli: number }; unitCost?: { amountMinor: number; currency: string } | null };

/** Cost of lines at their unit cost (the event's, else the standard cost), rounded per line; SKUs without a cost are named. */
export function costOf(lines: CostedLine[], costs: StandardCosts, currency: string): { cost: number; unknown: string[] } {
  let cost = 0;
  const unknown: string[] = [];
  for (const line of lines) {
    const unit = line.unitCost ?? costs.get(line.sku);
    if (!unit || unit.currency !== currency) unknown.push(line.sku);
    else cost += Math.round((unit.amountMinor * line.quantity.milli) / 1000);
  }
  return { cost, unknown };
}

/** Cost of goods sold at standard cost when the goods leave. */
export function cogsOnShipment(book: RuleBook, order: OrderFacts, shipment: ShipmentDispatched, costs: StandardCosts): PostingOutcome {
  const { cost, unknown } = costOf(shipment.lines, costs, order.currency);
  const entry = applyRule(book, scopeOf(order, shipment.occurredAt), 'cogs-on-shipment', { cost }, {
    currency: order.currency,
    reference: `${order.channelOrderRef} cost of shipment ${shipment.shipmentId}`,
    source: { kind: 'SHIPMENT', id: shipment.shipmentId, orderId: order.orderId },
  });
  return { entries: entry ? [entry] : [], notes: unknown.map((sku) => `shipment ${shipment.shipmentId}: no cost for ${sku}, its cost of goods is not posted`) };
}

/** Dispositions whose goods are lost to the business: their cost moves from cost of goods to shrinkage. */
const WRITTEN_OFF = new Set(['DAMAGED', 'DESTROY', 'OTHER']);

/**
 * A decided return: restocked units go back to stock valuation (cost of goods reversed); damaged or
 * destroyed units are shrinkage. Vendor returns and refurbishment post nothing here (the goods are
 * still ours, elsewhere).
 */
export function returnDisposition(book: RuleBook, order: OrderFacts, decided: ReturnDispositioned, costs: StandardCosts): PostingOutcome {
  const scope = scopeOf(order, decided.occurredAt);
  const entries: DraftEntry[] = [];
  const notes: string[] = [];
  const groups: Array<[PostingName, typeof decided.lines]> = [
    ['cogs-reversal-on-restock', decided.lines.filter((line) => line.disposition === 'RESTOCK')],
    ['shrinkage-on-write-off', decided.lines.filter((line) => WRITTEN_OFF.has(line.disposition))],
  ];
  for (const [posting, lines] of groups) {
    if (lines.length === 0) continue;
    const { cost, unknown } = costOf(lines, costs, order.currency);
    notes.push(...unknown.map((sku) => `return ${decided.returnId}: no cost for ${sku}, its ${posting} is not posted`));
    const entry = applyRule(book, scope, posting, { cost }, {
      currency: order.currency,
      reference: `${order.channelOrderRef} return ${decided.returnId}`,
      source: { kind: 'RETURN', id: decided.returnId, orderId: order.orderId },
    });
    if (entry) entries.push(entry);
  }
  return { entries, notes };
}
