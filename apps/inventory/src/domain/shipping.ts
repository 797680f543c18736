import type { Milli } from './quantity';

/** A reservation line of the order that still holds stock: what a parcel can consume. */
export interface HoldingLine {
  reservationId: string;
  committed: boolean;
  lineId: string;
  sku: string;
  locationId: string;
  quantity: Milli;
}

/** What a parcel carries of one order line. */
export interface ParcelLine {
  lineId: string;
  sku: string;
  quantity: Milli;
}

/** A quantity a parcel takes out of one reservation line (that line, with what is taken as its quantity). */
export type Take = HoldingLine;

/**
 * What a parcel leaving `locationId` consumes of the order's reservation lines. Per parcel line, the
 * order's lines of its SKU at that location: committed before held (what was released to the warehouse
 * is what got picked), the same order line before the others, then by reservation and line id. What no
 * line holds is `unreserved`: goods that left without being reserved there.
 */
export function consumeReservations(lines: HoldingLine[], locationId: string, parcel: ParcelLine[]): { takes: Take[]; unreserved: ParcelLine[] } {
  // Remaining per line as the parcel's lines consume them: two parcel lines of one SKU never take the same units.
  const remaining = lines.filter((line) => line.locationId === locationId && line.quantity > 0).map((line) => ({ ...line }));
  const takes: Take[] = [];
  const unreserved: ParcelLine[] = [];
  for (const shipped of parcel) {
    let left = shipped.quantity;
    const candidates = remaining
      .filter((line) => line.sku === shipped.sku && line.quantity > 0)
      .sort(
        (a, b) =>
          Number(b.committed) - Number(a.committed) ||
          Number(b.lineId === shipped.lineId) - Number(a.lineId === shipped.lineId) ||
          a.reservationId.localeCompare(b.reservationId) ||
          a.lineId.localeCompare(b.lineId),
      );
    for (const line of candidates) {
      if (left <= 0) break;
      const quantity = Math.min(left, line.quantity);
      line.quantity -= quantity;
      left -= quantity;
      takes.push({ reservationId: line.reservationId, committed: line.committed, lineId: line.lineId, sku: line.sku, locationId: line.locationId, quantity });
    }
    if (left > 0) unreserved.push({ lineId: shipped.lineId, sku: shipped.sku, quantity: left });
  }
  return { takes, unreserved };
}
