/**
 * Odoo's on-hand stock per SKU and mapped location in one pass (ReadStockSnapshot, for inventory's
 * drift check): every quant under the mapped locations, paged by id, summed as the stock stream sums
 * them (`stockPositions`), then cut into parts small enough for one Kafka record each.
 */
import type { SnapshotPosition, StockSnapshotPart } from '@omnibus/contracts';
import { OdooClient, OdooRecord } from '@omnibus/odoo-client';
import { ResolvedMapping } from '../mapping/mapping';
import { OdooQuant, stockPositions } from './canonical';
import { OdooLookups } from './streams';

/** Positions per part: ~60 bytes each in Avro, so a part stays far below Kafka's 1 MB record limit. */
export const POSITIONS_PER_PART = 5_000;

export interface SnapshotOfOdoo {
  takenAt: Date;
  locationIds: string[];
  positions: SnapshotPosition[];
}

export async function readStockSnapshot(odoo: OdooClient, mapping: ResolvedMapping, lookups: OdooLookups, wanted: string[], pageSize: number): Promise<SnapshotOfOdoo> {
  const takenAt = new Date();
  const locations = mapping.locations.filter((location) => wanted.length === 0 || wanted.includes(location.locationId));
  if (locations.length === 0) return { takenAt, locationIds: [], positions: [] };
  const quants: Array<OdooQuant & OdooRecord> = [];
  for await (const page of odoo.searchReadByIdPages<OdooQuant & OdooRecord>('stock.quant', [['location_id', 'child_of', locations.map((location) => location.odooLocationId)]], {
    fields: ['product_id', 'location_id', 'quantity', 'write_date'],
    pageSize,
  })) {
    quants.push(...page);
  }
  const rootOf = await lookups.rootOf(quants.map((quant) => quant.location_id && quant.location_id[0]).filter((id): id is number => typeof id === 'number'));
  const covered = new Set(locations.map((location) => location.locationId));
  const summed = stockPositions(quants, (id) => {
    const root = rootOf(id);
    return root && covered.has(root.locationId) ? root : undefined;
  });
  const skus = await lookups.skusOf([...new Set(summed.map((position) => position.productId))]);
  const positions: SnapshotPosition[] = [];
  for (const position of summed) {
    const sku = skus.get(position.productId);
    if (!sku) continue;
    positions.push({ sku, locationId: position.location.locationId, onHand: { milli: position.onHandMilli }, odooUpdatedAt: position.observedAt });
  }
  positions.sort((a, b) => (a.locationId === b.locationId ? (a.sku < b.sku ? -1 : 1) : a.locationId < b.locationId ? -1 : 1));
  return { takenAt, locationIds: [...covered].sort(), positions };
}

/** The snapshot as StockSnapshotPart payloads (at least one, even when Odoo has nothing). */
export function snapshotParts(snapshotId: string, snapshot: SnapshotOfOdoo, now: Date, perPart = POSITIONS_PER_PART): StockSnapshotPart[] {
  const parts = Math.max(1, Math.ceil(snapshot.positions.length / perPart));
  return Array.from({ length: parts }, (_, index) => ({
    snapshotId,
    part: index + 1,
    parts,
    locationIds: snapshot.locationIds,
    positions: snapshot.positions.slice(index * perPart, (index + 1) * perPart),
    takenAt: snapshot.takenAt,
    error: null,
    occurredAt: now,
  }));
}
