import type { Disposition, ItemCondition, LineQuantity } from '@omnibus/contracts';
import type { UnitDisposition } from './policy';
import { units } from './return-quantities';

/**
 * A receipt of returned items at a store or warehouse (any, not only where they shipped from): per
 * line, each inspected unit's disposition. Stock follows the disposition only: RESELLABLE units go
 * back to sellable stock at the receiving location; DAMAGED and VENDOR_RETURN come in and are
 * scrapped out of sellable stock; MISSING units were announced but are not in the parcel, so they
 * stay outstanding on the return (a later parcel may bring them).
 */
export interface ReceivedUnit {
  disposition: UnitDisposition;
  quantityMilli: number;
  /** The condition found; by default AS_NEW for resellable, DAMAGED, DEFECTIVE for vendor returns. */
  condition: ItemCondition | null;
}

export interface ReceiptLine {
  lineId: string;
  sku: string;
  units: ReceivedUnit[];
}

export interface AuthorizedQuantity {
  lineId: string;
  sku: string;
  quantityMilli: number;
}

export type ReceiptCheck = { ok: true } | { ok: false; rule: string; reason: string };

const DISPOSITION_OF: Record<Exclude<UnitDisposition, 'MISSING'>, Disposition> = { RESELLABLE: 'RESTOCK', DAMAGED: 'DAMAGED', VENDOR_RETURN: 'VENDOR_RETURN' };
const DEFAULT_CONDITION: Record<Exclude<UnitDisposition, 'MISSING'>, ItemCondition> = { RESELLABLE: 'AS_NEW', DAMAGED: 'DAMAGED', VENDOR_RETURN: 'DEFECTIVE' };

export function arrivedMilli(line: { units: ReceivedUnit[] }): number {
  return line.units.filter((unit) => unit.disposition !== 'MISSING').reduce((sum, unit) => sum + unit.quantityMilli, 0);
}

/** Only authorised lines, and of each at most what is still outstanding (authorised − arrived before). */
export function checkReceipt(authorized: AuthorizedQuantity[], arrivedBefore: Map<string, number>, lines: Array<{ lineId: string; units: ReceivedUnit[] }>): ReceiptCheck {
  if (lines.every((line) => arrivedMilli(line) === 0)) return { ok: false, rule: 'nothing-received', reason: 'the receipt has no unit that arrived (all MISSING)' };
  for (const line of lines) {
    const authorisedLine = authorized.find((candidate) => candidate.lineId === line.lineId);
    if (!authorisedLine) return { ok: false, rule: 'not-authorised', reason: `line ${line.lineId} is not part of this return` };
    const outstanding = authorisedLine.quantityMilli - (arrivedBefore.get(line.lineId) ?? 0);
    const arriving = arrivedMilli(line);
    if (arriving > outstanding) {
      return { ok: false, rule: 'more-than-authorised', reason: `line ${line.lineId}: ${units(arriving)} received, ${units(outstanding)} outstanding on the return` };
    }
  }
  return { ok: true };
}

/** received: every authorised unit has arrived; partially_received otherwise. */
export function receiptStatus(authorized: AuthorizedQuantity[], arrived: Map<string, number>): 'received' | 'partially_received' {
  return authorized.every((line) => (arrived.get(line.lineId) ?? 0) >= line.quantityMilli) ? 'received' : 'partially_received';
}

/** ReturnReceived's lines: what arrived, per line and condition found. */
export function receivedLines(lines: ReceiptLine[]): Array<{ lineId: string; sku: string; quantity: { milli: number }; condition: ItemCondition }> {
  return lines.flatMap((line) => {
    const byCondition = new Map<ItemCondition, number>();
    for (const unit of line.units) {
      if (unit.disposition === 'MISSING') continue;
      const condition = unit.condition ?? DEFAULT_CONDITION[unit.disposition];
      byCondition.set(condition, (byCondition.get(condition) ?? 0) + unit.quantityMilli);
    }
    return [...byCondition].map(([condition, milli]) => ({ lineId: line.lineId, sku: line.sku, quantity: { milli }, condition }));
  });
}

/** ReturnDispositioned's lines: per line and disposition (inventory restocks the RESTOCK ones). */
export function dispositionLines(lines: ReceiptLine[]): Array<{ lineId: string; sku: string; quantity: { milli: number }; disposition: Disposition; unitCost: null }> {
  return lines.flatMap((line) => {
    const byDisposition = new Map<Disposition, number>();
    for (const unit of line.units) {
      if (unit.disposition === 'MISSING') continue;
      const disposition = DISPOSITION_OF[unit.disposition];
      byDisposition.set(disposition, (byDisposition.get(disposition) ?? 0) + unit.quantityMilli);
    }
    return [...byDisposition].map(([disposition, milli]) => ({ lineId: line.lineId, sku: line.sku, quantity: { milli }, disposition, unitCost: null }));
  });
}

/** CreateReturnPicking's lines (everything that arrived) and scrapLines (what is not fit for sale). */
export function pickingLines(lines: ReceiptLine[]): { lines: LineQuantity[]; scrapLines: LineQuantity[] } {
  const sumOf = (line: ReceiptLine, keep: (disposition: UnitDisposition) => boolean) => line.units.filter((unit) => keep(unit.disposition)).reduce((sum, unit) => sum + unit.quantityMilli, 0);
  const quantities = (keep: (disposition: UnitDisposition) => boolean) =>
    lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: { milli: sumOf(line, keep) } })).filter((line) => line.quantity.milli > 0);
  return { lines: quantities((disposition) => disposition !== 'MISSING'), scrapLines: quantities((disposition) => disposition === 'DAMAGED' || disposition === 'VENDOR_RETURN') };
}
