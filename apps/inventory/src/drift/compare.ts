import type { Milli } from '../domain/quantity';

/** Inventory's on-hand of one SKU at a location as of the snapshot's time, and when it last moved before then. */
export interface OurPosition {
  sku: string;
  locationId: string;
  onHand: Milli;
  lastMovedAt: Date | null;
}

/** Odoo's on-hand in the snapshot, and when its quants last changed. */
export interface OdooPosition {
  sku: string;
  locationId: string;
  onHand: Milli;
  odooUpdatedAt: Date;
}

export interface DriftLine {
  sku: string;
  locationId: string;
  inventoryOnHand: Milli;
  odooOnHand: Milli;
  odooUpdatedAt: Date | null;
  /** `drift`: settled, reported; `pending`: one side moved within the settle window, may be in flight. */
  status: 'drift' | 'pending';
  reason: string | null;
}

/**
 * Compares inventory with Odoo per (sku, location) over the snapshot's locations; a position missing
 * on one side is 0 there. A difference counts as drift only when it is settled: neither Odoo's quants
 * nor inventory's position moved within `settleMs` before the snapshot (nor after it, for Odoo — a page
 * read late may show a newer figure). Otherwise the change may still be on its way (a quant changed in
 * Odoo whose StockPositionChanged has not reached inventory yet) and the line is `pending`: the next run
 * reports it if it persists. Pure: unit-tested.
 */
export function compareWithOdoo(ours: OurPosition[], theirs: OdooPosition[], options: { takenAt: Date; settleMs: number }): DriftLine[] {
  const settledBefore = options.takenAt.getTime() - options.settleMs;
  const key = (sku: string, locationId: string) => `${locationId}\u0000${sku}`;
  const odoo = new Map(theirs.map((position) => [key(position.sku, position.locationId), position]));
  const inventory = new Map(ours.map((position) => [key(position.sku, position.locationId), position]));
  const lines: DriftLine[] = [];
  for (const id of new Set([...odoo.keys(), ...inventory.keys()])) {
    const their = odoo.get(id);
    const our = inventory.get(id);
    const inventoryOnHand = our?.onHand ?? 0;
    const odooOnHand = their?.onHand ?? 0;
    if (inventoryOnHand === odooOnHand) continue;
    const odooRecent = their !== undefined && their.odooUpdatedAt.getTime() > settledBefore;
    const oursRecent = our?.lastMovedAt != null && our.lastMovedAt.getTime() > settledBefore;
    lines.push({
      sku: (their ?? our)!.sku,
      locationId: (their ?? our)!.locationId,
      inventoryOnHand,
      odooOnHand,
      odooUpdatedAt: their?.odooUpdatedAt ?? null,
      status: odooRecent || oursRecent ? 'pending' : 'drift',
      reason: odooRecent ? 'Odoo changed it within the settle window' : oursRecent ? 'inventory changed it within the settle window' : null,
    });
  }
  return lines.sort((a, b) => (a.locationId === b.locationId ? (a.sku < b.sku ? -1 : 1) : a.locationId < b.locationId ? -1 : 1));
}
