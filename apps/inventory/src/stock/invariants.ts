import type { EntityManager } from 'typeorm';

export interface InvariantViolation {
  rule: 'reserved_matches_reservations' | 'committed_matches_reservations' | 'position_matches_ledger' | 'available_not_negative' | 'projection_matches_position';
  sku: string;
  locationId: string;
  detail: string;
}

/**
 * The stock invariants, checked against the database as it is:
 * - reserved (committed) = the quantities of the held (committed) reservations' lines;
 * - every bucket of the current row = the sum of its ledger movements;
 * - available = on hand − reserved − committed − unavailable is never below zero;
 * - the availability projection shows every position's buckets as the current row has them (for
 *   the positions at `networkLocations`, and wherever the projection shows the location at all).
 */
export async function checkInvariants(manager: EntityManager, networkLocations: string[] = []): Promise<InvariantViolation[]> {
  const rows: Array<InvariantViolation & { rule: string }> = await manager.query(`
    WITH held AS (
      SELECT l.sku, l.location_id,
             sum(l.quantity) FILTER (WHERE r.status = 'held') AS reserved,
             sum(l.quantity) FILTER (WHERE r.status = 'committed') AS committed
        FROM reservation_lines l JOIN reservations r USING (reservation_id)
       WHERE r.status IN ('held', 'committed') GROUP BY l.sku, l.location_id
    ), ledger AS (
      SELECT sku, location_id, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved, sum(committed_delta) AS committed, sum(unavailable_delta) AS unavailable
        FROM stock_ledger GROUP BY sku, location_id
    )
    SELECT 'reserved_matches_reservations' AS rule, p.sku, p.location_id AS "locationId",
           'reserved ' || p.reserved || ' but held reservations ' || coalesce(h.reserved, 0) AS detail
      FROM stock_positions p LEFT JOIN held h USING (sku, location_id) WHERE p.reserved <> coalesce(h.reserved, 0)
    UNION ALL
    SELECT 'committed_matches_reservations', p.sku, p.location_id, 'committed ' || p.committed || ' but committed reservations ' || coalesce(h.committed, 0)
      FROM stock_positions p LEFT JOIN held h USING (sku, location_id) WHERE p.committed <> coalesce(h.committed, 0)
    UNION ALL
    SELECT 'position_matches_ledger', p.sku, p.location_id,
           'row ' || p.on_hand || '/' || p.reserved || '/' || p.committed || '/' || p.unavailable || ' but ledger ' ||
           coalesce(l.on_hand, 0) || '/' || coalesce(l.reserved, 0) || '/' || coalesce(l.committed, 0) || '/' || coalesce(l.unavailable, 0)
      FROM stock_positions p LEFT JOIN ledger l USING (sku, location_id)
     WHERE (p.on_hand, p.reserved, p.committed, p.unavailable) <> (coalesce(l.on_hand, 0), coalesce(l.reserved, 0), coalesce(l.committed, 0), coalesce(l.unavailable, 0))
    UNION ALL
    SELECT 'available_not_negative', sku, location_id, 'available ' || (on_hand - reserved - committed - unavailable)
      FROM stock_positions WHERE on_hand - reserved - committed - unavailable < 0
    UNION ALL
    SELECT 'projection_matches_position', p.sku, p.location_id,
           'row ' || p.on_hand || '/' || p.reserved || '/' || p.committed || '/' || p.unavailable || ' but projection ' ||
           coalesce((x.l ->> 'onHand') || '/' || (x.l ->> 'reserved') || '/' || (x.l ->> 'committed') || '/' || (x.l ->> 'unavailable') || ' (units)', 'without it')
      FROM stock_positions p
      LEFT JOIN sku_availability a USING (sku)
      LEFT JOIN LATERAL (SELECT l FROM json_array_elements(a.locations) AS l WHERE l ->> 'locationId' = p.location_id) AS x ON true
     WHERE (x.l IS NOT NULL OR p.location_id = ANY($1::text[]))
       AND (x.l IS NULL OR ((x.l ->> 'onHand')::numeric * 1000, (x.l ->> 'reserved')::numeric * 1000, (x.l ->> 'committed')::numeric * 1000, (x.l ->> 'unavailable')::numeric * 1000)
                           <> (p.on_hand, p.reserved, p.committed, p.unavailable))
    ORDER BY 2, 3, 1`, [networkLocations]);
  return rows as InvariantViolation[];
}
