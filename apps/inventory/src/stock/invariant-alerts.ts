import { StockInvariantRule, StockInvariantViolated } from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { InvariantViolation } from './invariants';

/** Serialises the announcements of concurrent checks (instances, schedule and on demand). */
const ANNOUNCE_LOCK = 7_957_000_502;

const key = (v: { rule: string; sku: string; locationId: string }) => `${v.rule}\u0000${v.sku}\u0000${v.locationId}`;

/**
 * Turns the violations a check found into StockInvariantViolated events, once per violation: one still
 * open from an earlier check is only marked as seen again; one no longer found is closed, so it is
 * announced again if it comes back. In the caller's transaction, with the outbox rows.
 */
export async function announceViolations(
  manager: EntityManager,
  violations: InvariantViolation[],
  topic: string,
  stage: (events: OutgoingEvent[]) => Promise<unknown>,
  now = new Date(),
): Promise<StockInvariantViolated[]> {
  await manager.query(`SELECT pg_advisory_xact_lock($1)`, [ANNOUNCE_LOCK]);
  const open: Array<{ violationId: string; rule: string; sku: string; locationId: string }> = await manager.query(
    `SELECT violation_id AS "violationId", rule, sku, location_id AS "locationId" FROM invariant_violations WHERE resolved_at IS NULL`,
  );
  const openByKey = new Map(open.map((row) => [key(row), row]));
  const foundKeys = new Set(violations.map(key));
  const fresh = violations.filter((violation) => !openByKey.has(key(violation)));
  const seenAgain = open.filter((row) => foundKeys.has(key(row))).map((row) => row.violationId);
  const gone = open.filter((row) => !foundKeys.has(key(row))).map((row) => row.violationId);
  if (seenAgain.length) await manager.query(`UPDATE invariant_violations SET last_seen_at = $2 WHERE violation_id = ANY($1)`, [seenAgain, now]);
  if (gone.length) await manager.query(`UPDATE invariant_violations SET resolved_at = $2 WHERE violation_id = ANY($1)`, [gone, now]);
  const events = fresh.map(
    (violation): StockInvariantViolated => ({
      violationId: uuidv7(),
      rule: violation.rule.toUpperCase() as StockInvariantRule,
      sku: violation.sku,
      locationId: violation.locationId,
      detail: violation.detail,
      occurredAt: now,
    }),
  );
  if (events.length) {
    await manager.query(
      `INSERT INTO invariant_violations (violation_id, rule, sku, location_id, detail, first_seen_at, last_seen_at)
       SELECT *, $6::timestamptz, $6::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
      [events.map((e) => e.violationId), fresh.map((v) => v.rule), fresh.map((v) => v.sku), fresh.map((v) => v.locationId), fresh.map((v) => v.detail), now],
    );
    await stage(events.map((payload) => ({ topic, type: StockInvariantViolated.type, key: payload.locationId, payload })));
  }
  return events;
}
