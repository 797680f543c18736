import type { EntityManager } from 'typeorm';
import type { PositionFigures } from '../domain/availability';
import type { Milli } from '../domain/quantity';

/** A row of stock_positions: the buckets of one SKU at one location. */
export interface PositionRow extends PositionFigures {
  sku: string;
  updatedAt: Date;
}

export type Movement = 'count' | 'delta' | 'reserve' | 'release' | 'expire' | 'commit' | 'ship';

export interface PositionChange {
  sku: string;
  locationId: string;
  movement: Movement;
  onHand?: Milli;
  reserved?: Milli;
  committed?: Milli;
  unavailable?: Milli;
  source: string;
  sourceEventId: string;
  occurredAt: Date;
}

const POSITION_COLUMNS = `sku, location_id AS "locationId", on_hand::float8 AS "onHand", reserved::float8 AS reserved, committed::float8 AS committed,
  unavailable::float8 AS unavailable, inbound::float8 AS inbound, updated_at AS "updatedAt"`;

/** A fixed key order for every lock on positions: (sku, location id), so two transactions never wait on each other in a cycle. */
export const byPositionKey = (a: { sku: string; locationId: string }, b: { sku: string; locationId: string }): number =>
  a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0;

/** Locks every position of these SKUs, in key order, and returns them. */
export async function lockPositionsOfSkus(manager: EntityManager, skus: string[]): Promise<PositionRow[]> {
  return manager.query(`SELECT ${POSITION_COLUMNS} FROM stock_positions WHERE sku = ANY($1) ORDER BY sku, location_id FOR UPDATE`, [[...new Set(skus)].sort()]);
}

/** Creates the position if missing and locks it. Callers lock several positions in `byPositionKey` order. */
export async function lockPosition(manager: EntityManager, sku: string, locationId: string): Promise<PositionRow> {
  await manager.query(`INSERT INTO stock_positions (sku, location_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [sku, locationId]);
  const [row] = await manager.query(`SELECT ${POSITION_COLUMNS} FROM stock_positions WHERE sku = $1 AND location_id = $2 FOR UPDATE`, [sku, locationId]);
  return row;
}

/**
 * Appends the movements to the ledger and applies them to the current rows, in one statement: the
 * ledger and the current row can never disagree. The rows exist and are locked by the caller
 * (`lockPosition`, `lockPositionsOfSkus`). One array parameter per column, so a chunk of any size is
 * one short statement.
 */
export async function applyChanges(manager: EntityManager, changes: PositionChange[]): Promise<void> {
  if (changes.length === 0) return;
  await manager.query(
    `WITH entries AS (
       INSERT INTO stock_ledger (sku, location_id, movement, on_hand_delta, reserved_delta, committed_delta, unavailable_delta, source, source_event_id, occurred_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::timestamptz[])
       RETURNING sku, location_id, on_hand_delta, reserved_delta, committed_delta, unavailable_delta
     ), sums AS (
       SELECT sku, location_id, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved, sum(committed_delta) AS committed,
              sum(unavailable_delta) AS unavailable, count(*) AS moves
         FROM entries GROUP BY sku, location_id
     )
     UPDATE stock_positions AS p SET
       on_hand = p.on_hand + s.on_hand, reserved = p.reserved + s.reserved, committed = p.committed + s.committed,
       unavailable = p.unavailable + s.unavailable, version = p.version + s.moves, updated_at = now()
       FROM sums s WHERE p.sku = s.sku AND p.location_id = s.location_id`,
    [
      changes.map((change) => change.sku),
      changes.map((change) => change.locationId),
      changes.map((change) => change.movement),
      changes.map((change) => change.onHand ?? 0),
      changes.map((change) => change.reserved ?? 0),
      changes.map((change) => change.committed ?? 0),
      changes.map((change) => change.unavailable ?? 0),
      changes.map((change) => change.source),
      changes.map((change) => change.sourceEventId),
      changes.map((change) => change.occurredAt),
    ],
  );
}

/**
 * Takes the SKU-level lock of every position writer (the SKU's row of the availability projection,
 * created if missing), in SKU order, before any position lock: all writers of one SKU then run one
 * after the other, so the projection each one writes is computed from figures no one else is
 * changing. Lock order everywhere: reservations (by id) → SKUs → positions (sku, location).
 */
export async function lockSkus(manager: EntityManager, skus: string[]): Promise<void> {
  const sorted = [...new Set(skus)].sort();
  if (sorted.length === 0) return;
  await manager.query(`INSERT INTO sku_availability (sku) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [sorted]);
  await manager.query(`SELECT 1 FROM sku_availability WHERE sku = ANY($1) ORDER BY sku FOR UPDATE`, [sorted]);
}

/**
 * Marks SKUs whose availability the AvailabilityPublisher must republish (coalesced). Called once at
 * the end of a transaction, after its last position lock: waiting on another transaction's mark
 * while holding positions it needs would be a lock cycle.
 */
export async function markAvailabilityDirty(manager: EntityManager, skus: string[]): Promise<void> {
  if (skus.length === 0) return;
  await manager.query(`INSERT INTO availability_dirty (sku) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [[...new Set(skus)].sort()]);
}

export async function readPositions(manager: EntityManager, skus: string[]): Promise<PositionRow[]> {
  return manager.query(`SELECT ${POSITION_COLUMNS} FROM stock_positions WHERE sku = ANY($1) ORDER BY sku, location_id`, [skus]);
}

/**
 * What these channels hold of these SKUs: the quantity of their held and committed reservation lines,
 * by SKU and channel (what draws their allocations down; `channelsWithBoundedAllocation` names the
 * channels for which it matters). Read under the SKUs' locks, so it is current.
 */
export async function readChannelHoldings(manager: EntityManager, skus: string[], channels: string[]): Promise<Map<string, Record<string, number>>> {
  const holdings = new Map<string, Record<string, number>>();
  if (skus.length === 0 || channels.length === 0) return holdings;
  const rows: Array<{ sku: string; channelId: string; held: number }> = await manager.query(
    `SELECT l.sku, r.channel_id AS "channelId", sum(l.quantity)::float8 AS held
       FROM reservation_lines l JOIN reservations r ON r.reservation_id = l.reservation_id
      WHERE l.sku = ANY($1) AND r.channel_id = ANY($2) AND r.status IN ('held', 'committed') GROUP BY l.sku, r.channel_id`,
    [[...new Set(skus)], channels],
  );
  for (const row of rows) holdings.set(row.sku, { ...holdings.get(row.sku), [row.channelId]: row.held });
  return holdings;
}
