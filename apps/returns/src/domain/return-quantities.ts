/**
 * The return-quantities ledger of one order, per line: what left in parcels (and when the customer
 * got it), and what returns already hold. A unit can be asked back only once: a return in review,
 * authorised or received holds its units until it is rejected.
 */
export interface ShippedLine {
  shippedMilli: number;
  /** When the latest parcel carrying the line was delivered (dispatched, when no delivery was reported: a hand-over at a till); null when nothing shipped. */
  windowStart: Date | null;
}

export interface ShipmentFact {
  lines: Array<{ lineId: string; quantityMilli: number }>;
  dispatchedAt: Date;
  deliveredAt: Date | null;
}

/** Per line: the quantity shipped and when the return window starts. */
export function shippedLines(shipments: ShipmentFact[]): Map<string, ShippedLine> {
  const shipped = new Map<string, ShippedLine>();
  for (const shipment of shipments) {
    const at = shipment.deliveredAt ?? shipment.dispatchedAt;
    for (const line of shipment.lines) {
      const current = shipped.get(line.lineId) ?? { shippedMilli: 0, windowStart: null };
      shipped.set(line.lineId, {
        shippedMilli: current.shippedMilli + line.quantityMilli,
        windowStart: current.windowStart && current.windowStart > at ? current.windowStart : at,
      });
    }
  }
  return shipped;
}

export type QuantityCheck = { ok: true } | { ok: false; rule: 'more-than-shipped' | 'already-returned'; reason: string };

/** Whether `requestedMilli` more of a line may be returned. */
export function checkReturnable(lineId: string, requestedMilli: number, shipped: ShippedLine | undefined, heldMilli: number): QuantityCheck {
  const shippedMilli = shipped?.shippedMilli ?? 0;
  if (requestedMilli > shippedMilli) {
    return { ok: false, rule: 'more-than-shipped', reason: `line ${lineId}: ${units(requestedMilli)} asked back, ${units(shippedMilli)} shipped` };
  }
  if (requestedMilli > shippedMilli - heldMilli) {
    return {
      ok: false,
      rule: 'already-returned',
      reason: `line ${lineId}: ${units(heldMilli)} of the ${units(shippedMilli)} shipped are already being returned; ${units(Math.max(shippedMilli - heldMilli, 0))} left to return`,
    };
  }
  return { ok: true };
}

export function units(milli: number): string {
  const whole = Math.trunc(milli / 1000);
  const fraction = Math.abs(milli % 1000);
  return fraction === 0 ? String(whole) : `${whole}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`;
}
