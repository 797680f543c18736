import type { LineQuantity, Money, OrderLine, OrderTotals } from '@omnibus/contracts';
import { add, lineTotal, subtract, sum } from './pricing';

/**
 * "Ship what is there": when inventory cannot cover every line, channels that allow it keep what is
 * available and cancel the rest, and the order is re-priced for what is kept. Pure.
 */

export interface ShortLine {
  lineId: string;
  sku: string;
  requestedMilli: number;
  availableMilli: number;
}

/** The lines inventory can cover (short lines cut to what is available, empty ones dropped) and what is cancelled. */
export function keepAvailable(lines: LineQuantity[], short: ShortLine[]): { kept: LineQuantity[]; cancelled: Array<{ lineId: string; sku: string; cancelledMilli: number }> } {
  const available = new Map(short.map((line) => [line.lineId, Math.max(0, Math.min(line.availableMilli, line.requestedMilli))]));
  const kept: LineQuantity[] = [];
  const cancelled: Array<{ lineId: string; sku: string; cancelledMilli: number }> = [];
  for (const line of lines) {
    const keep = available.has(line.lineId) ? available.get(line.lineId)! : line.quantity.milli;
    if (keep > 0) kept.push({ ...line, quantity: { milli: keep } });
    if (keep < line.quantity.milli) cancelled.push({ lineId: line.lineId, sku: line.sku, cancelledMilli: line.quantity.milli - keep });
  }
  return { kept, cancelled };
}

/**
 * An order line for a smaller quantity: the same unit price; discount and tax scaled with the quantity
 * (rounded half up to the minor unit), so the line's total is what the customer pays for what ships.
 */
export function lineFor(line: OrderLine, milli: number, pricesIncludeTax: boolean): OrderLine {
  if (milli === line.quantity.milli) return line;
  const scale = (money: Money): Money => ({ amountMinor: Math.round((money.amountMinor * milli) / line.quantity.milli), currency: money.currency });
  const discount = scale(line.discount);
  const tax = scale(line.tax);
  const quantity = { milli };
  return { ...line, quantity, discount, tax, total: lineTotal({ unitPrice: line.unitPrice, quantity, discount, tax }, pricesIncludeTax) };
}

/** The order's lines and totals for the quantities kept (shipping and order discount unchanged). */
export function repriced(
  order: { lines: OrderLine[]; totals: OrderTotals; pricesIncludeTax: boolean; currency: string },
  kept: LineQuantity[],
): { lines: OrderLine[]; totals: OrderTotals } {
  const quantities = new Map(kept.map((line) => [line.lineId, line.quantity.milli]));
  const lines = order.lines.filter((line) => (quantities.get(line.lineId) ?? 0) > 0).map((line) => lineFor(line, quantities.get(line.lineId)!, order.pricesIncludeTax));
  const linesTotal = sum(lines.map((line) => line.total), order.currency);
  return {
    lines,
    totals: {
      ...order.totals,
      linesTotal,
      tax: sum(lines.map((line) => line.tax), order.currency),
      grandTotal: subtract(add(linesTotal, order.totals.shipping), order.totals.orderDiscount),
    },
  };
}

