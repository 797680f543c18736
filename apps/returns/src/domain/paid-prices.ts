import type { Money, OrderLine, OrderTotals } from '@omnibus/contracts';
import { apportion, scaled } from './money';

/**
 * What the customer paid for each order line, as the refund ceiling needs it: the line total (tax
 * included, its own discount already off) less the line's share of the order discount, and the tax
 * in it.
 *
 * Rounding, so that no cent is refunded twice or never:
 * - the order discount is shared over the lines in proportion to their totals (`apportion`: shares
 *   rounded down, the cents left over to the largest remainders, ties to the earlier line), so the
 *   shares add up to the discount exactly; the part of a discount beyond the lines' worth is the
 *   shipping's, not theirs;
 * - the tax a line's share takes with it is share × line tax / line total, rounded half up;
 * - units are priced cumulatively: the first k thousandths of a line cost
 *   round_half_up(paid × k / ordered), so units k..k+q cost paidUpTo(k+q) − paidUpTo(k). Several
 *   partial returns of a line therefore add up to exactly what the line cost, never a cent more.
 */
export interface PaidLine {
  lineId: string;
  sku: string;
  /** Quantity ordered, in thousandths. */
  orderedMilli: number;
  /** What the line cost after every discount, tax included. */
  paid: Money;
  /** Tax part of `paid`. */
  paidTax: Money;
  taxCode: string | null;
}

export interface PricedOrder {
  lines: OrderLine[];
  totals: OrderTotals;
  currency: string;
}

export function paidLines(order: PricedOrder): PaidLine[] {
  const linesWorth = order.lines.reduce((sum, line) => sum + line.total.amountMinor, 0);
  const discount = Math.min(order.totals.orderDiscount.amountMinor, linesWorth);
  const shares = apportion(discount, order.lines.map((line) => line.total.amountMinor));
  return order.lines.map((line, index) => {
    const share = shares[index];
    const taxShare = line.total.amountMinor > 0 ? scaled(share, line.tax.amountMinor, line.total.amountMinor) : 0;
    return {
      lineId: line.lineId,
      sku: line.sku,
      orderedMilli: line.quantity.milli,
      paid: { amountMinor: line.total.amountMinor - share, currency: order.currency },
      paidTax: { amountMinor: line.tax.amountMinor - taxShare, currency: order.currency },
      taxCode: line.taxCode,
    };
  });
}

/** What units `fromMilli`..`toMilli` of a line cost (amount and its tax), by the cumulative rule above. */
export function paidFor(line: PaidLine, fromMilli: number, toMilli: number): { amount: Money; tax: Money } {
  const upTo = (amountMinor: number, milli: number) => (milli >= line.orderedMilli ? amountMinor : scaled(amountMinor, milli, line.orderedMilli));
  return {
    amount: { amountMinor: upTo(line.paid.amountMinor, toMilli) - upTo(line.paid.amountMinor, fromMilli), currency: line.paid.currency },
    tax: { amountMinor: upTo(line.paidTax.amountMinor, toMilli) - upTo(line.paidTax.amountMinor, fromMilli), currency: line.paid.currency },
  };
}

/** What one unit of a line cost, for ReturnRequested (informational; refunds use paidFor). */
export function unitPricePaid(line: PaidLine): Money {
  return { amountMinor: scaled(line.paid.amountMinor, 1000, line.orderedMilli), currency: line.paid.currency };
}
