import type { Money, RefundedLine } from '@omnibus/contracts';
import { scaled, total } from './money';
import { paidFor, PaidLine } from './paid-prices';
import type { PolicyVersion, UnitDisposition } from './policy';

/**
 * The refund of one receipt: for each line, the units received and accepted (their disposition is one
 * the policy refunds) × what they cost the customer (paid-prices.ts, priced after the units earlier
 * refunds of the order paid back), less the restocking fee. Never the requested quantity, never units
 * that did not arrive.
 */

/** A paid amount less the restocking fee: fee = amount × percent / 100 rounded half up, and the tax in it likewise. */
export function refundLine(paid: { amount: Money; tax: Money }, restockingFeePercent: number): { amount: Money; tax: Money; fee: Money } {
  const basisPoints = Math.round(restockingFeePercent * 100);
  const fee = scaled(paid.amount.amountMinor, basisPoints, 10_000);
  const feeTax = scaled(paid.tax.amountMinor, basisPoints, 10_000);
  return {
    amount: { amountMinor: paid.amount.amountMinor - fee, currency: paid.amount.currency },
    tax: { amountMinor: paid.tax.amountMinor - feeTax, currency: paid.tax.currency },
    fee: { amountMinor: fee, currency: paid.amount.currency },
  };
}

export interface InspectedLine {
  lineId: string;
  units: Array<{ disposition: UnitDisposition; quantityMilli: number }>;
}

export interface ReceiptRefund {
  lines: RefundedLine[];
  fees: Money;
  total: Money;
}

/** `feeFreeLines`: exchanged lines, whose value pays for their replacement: no restocking fee on them. */
export function refundForReceipt(version: PolicyVersion, paidLines: PaidLine[], inspected: InspectedLine[], refundedMilli: Map<string, number>, currency: string, feeFreeLines: ReadonlySet<string> = new Set()): ReceiptRefund {
  const refunded = version.refundedDispositions as readonly UnitDisposition[];
  const lines: RefundedLine[] = [];
  const fees: Money[] = [];
  for (const line of inspected) {
    const accepted = line.units.filter((unit) => refunded.includes(unit.disposition)).reduce((sum, unit) => sum + unit.quantityMilli, 0);
    if (accepted === 0) continue;
    const paid = paidLines.find((candidate) => candidate.lineId === line.lineId)!;
    const from = refundedMilli.get(line.lineId) ?? 0;
    const due = refundLine(paidFor(paid, from, from + accepted), feeFreeLines.has(line.lineId) ? 0 : version.restockingFeePercent);
    fees.push(due.fee);
    lines.push({ lineId: paid.lineId, sku: paid.sku, quantity: { milli: accepted }, amount: due.amount, tax: due.tax, taxCode: paid.taxCode });
  }
  return { lines, fees: total(fees, currency), total: total(lines.map((line) => line.amount), currency) };
}
