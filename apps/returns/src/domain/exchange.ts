import type { Money, ReturnReason } from '@omnibus/contracts';
import { scaled } from './money';
import { paidFor, PaidLine, unitPricePaid } from './paid-prices';
import type { PolicyVersion } from './policy';
import type { ReceiptRefund } from './refund';

/**
 * Exchanges: a returned line replaced by another SKU (the same shirt in another size). The
 * replacement is paid with what the returned units cost the customer (their credit, no restocking
 * fee); the customer pays only what the replacements cost more, and gets back what they cost less.
 * Pricing: the channel names the replacement's unit price when it differs (another product or price);
 * without one it is the same product family at the same price, so the replacement costs exactly the
 * credit and no money moves (not even a rounding cent).
 */

export interface ExchangeWish {
  lineId: string;
  quantityMilli: number;
  reason: ReturnReason;
  exchangeFor: { sku: string; name?: string; quantityMilli: number; unitPrice?: Money };
}

export interface PricedExchangeLine {
  returnedLineId: string;
  returnedSku: string;
  returnedQuantityMilli: number;
  credit: Money;
  sku: string;
  name: string;
  quantityMilli: number;
  unitPrice: Money;
  total: Money;
}

export interface PricedExchange {
  lines: PricedExchangeLine[];
  credit: Money;
  replacementTotal: Money;
  amountToCharge: Money;
  amountToRefund: Money;
}

/** Why the policy version does not allow this line to be exchanged, or undefined when it does. */
export function exchangeRefusal(version: PolicyVersion, wish: Pick<ExchangeWish, 'lineId' | 'reason'>): string | undefined {
  if (!version.exchanges.allowed) return `exchanges are not offered under this policy (line ${wish.lineId}); ask for a return`;
  if (version.exchanges.reasons.length > 0 && !version.exchanges.reasons.includes(wish.reason)) {
    return `line ${wish.lineId} cannot be exchanged for reason ${wish.reason} (only ${version.exchanges.reasons.join(', ')})`;
  }
  return undefined;
}

/** Prices the replacements of one request; `refundedMilli` = what earlier refunds took of each line (cumulative unit pricing). */
export function priceExchange(wishes: ExchangeWish[], paidLines: PaidLine[], refundedMilli: Map<string, number>, currency: string): PricedExchange {
  const lines = wishes.map((wish): PricedExchangeLine => {
    const paid = paidLines.find((line) => line.lineId === wish.lineId)!;
    const from = refundedMilli.get(wish.lineId) ?? 0;
    const credit = paidFor(paid, from, from + wish.quantityMilli).amount;
    const samePrice = wish.exchangeFor.unitPrice === undefined;
    const unitPrice = wish.exchangeFor.unitPrice ?? unitPricePaid(paid);
    const total = samePrice && wish.exchangeFor.quantityMilli === wish.quantityMilli ? credit : { amountMinor: scaled(unitPrice.amountMinor, wish.exchangeFor.quantityMilli, 1000), currency };
    return {
      returnedLineId: wish.lineId,
      returnedSku: paid.sku,
      returnedQuantityMilli: wish.quantityMilli,
      credit,
      sku: wish.exchangeFor.sku,
      name: wish.exchangeFor.name ?? wish.exchangeFor.sku,
      quantityMilli: wish.exchangeFor.quantityMilli,
      unitPrice,
      total,
    };
  });
  const sum = (pick: (line: PricedExchangeLine) => Money) => lines.reduce((acc, line) => acc + pick(line).amountMinor, 0);
  const credit = sum((line) => line.credit);
  const replacementTotal = sum((line) => line.total);
  const money = (amountMinor: number): Money => ({ amountMinor, currency });
  return { lines, credit: money(credit), replacementTotal: money(replacementTotal), amountToCharge: money(Math.max(0, replacementTotal - credit)), amountToRefund: money(Math.max(0, credit - replacementTotal)) };
}

/**
 * The refund an exchanged line earns at a receipt: the accepted units' value first pays off what of
 * the replacement is still unpaid by returned goods (`owed`), and only the rest goes back. So the
 * customer gets back credit − replacement, once, and only for units that arrived and were accepted.
 */
export function exchangeRefundAtReceipt(receivedValue: Money, owedMinor: number): { refund: Money; owedAfter: number } {
  const absorbed = Math.min(receivedValue.amountMinor, owedMinor);
  return { refund: { amountMinor: receivedValue.amountMinor - absorbed, currency: receivedValue.currency }, owedAfter: owedMinor - absorbed };
}

/** What of each exchanged line's replacement the returned goods still have to pay for: min(credit, total) (the rest was charged). */
export function owedByGoods(lines: Array<Pick<PricedExchangeLine, 'credit' | 'total'>>): number[] {
  return lines.map((line) => Math.min(line.credit.amountMinor, line.total.amountMinor));
}

/** A receipt's refund with the exchanged lines settled against their replacements (tax in proportion, rounded half up). */
export function settleExchangedLines(refund: ReceiptRefund, owed: Map<string, number>): { refund: ReceiptRefund; owedAfter: Map<string, number> } {
  const owedAfter = new Map(owed);
  const lines = refund.lines.map((line) => {
    const left = owedAfter.get(line.lineId);
    if (left === undefined) return line;
    const settled = exchangeRefundAtReceipt(line.amount, left);
    owedAfter.set(line.lineId, settled.owedAfter);
    const tax = line.amount.amountMinor > 0 ? scaled(line.tax.amountMinor, settled.refund.amountMinor, line.amount.amountMinor) : 0;
    return { ...line, amount: settled.refund, tax: { amountMinor: tax, currency: line.tax.currency } };
  });
  const totalMinor = lines.reduce((sum, line) => sum + line.amount.amountMinor, 0);
  return { refund: { ...refund, lines, total: { amountMinor: totalMinor, currency: refund.total.currency } }, owedAfter };
}
