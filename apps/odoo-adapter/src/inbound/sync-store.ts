import { ChangeCursor, BEGINNING_OF_TIME } from '@omnibus/odoo-client';
import type { EntityManager } from 'typeorm';

/** One canonical fact read from Odoo, before de-duplication. */
export interface Fact<E = unknown> {
  /** `product`, `price`, `customer`, `stock`: one content-hash namespace each. */
  kind: string;
  /** The canonical key within the kind (SKU, SKU|location, customer id…). */
  key: string;
  hash: string;
  /** The Odoo second the content is from: an older read never overwrites a newer one. */
  sourceSecond: string;
  /** Only publish if this key was published before (e.g. a stock position that dropped to nothing). */
  onlyIfKnown?: boolean;
  event: E;
}

/**
 * De-duplication by content and the sync cursors, in the caller's transaction (the same one that stages
 * the events in the outbox). The upsert returns only the keys whose content changed; concurrent readers
 * of the same record (a webhook and a poll) serialise on the row, so only one of them publishes.
 */
export async function recordChangedFacts<F extends Fact>(manager: EntityManager, facts: F[]): Promise<F[]> {
  const latest = new Map<string, F>();
  for (const fact of facts) {
    const id = `${fact.kind}\u0000${fact.key}`;
    const seen = latest.get(id);
    if (!seen || seen.sourceSecond <= fact.sourceSecond) latest.set(id, fact);
  }
  // One lock order for every writer (poller, webhook, re-sync), so concurrent upserts never deadlock.
  const unique = [...latest.values()].sort((a, b) => (a.kind === b.kind ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.kind < b.kind ? -1 : 1));
  if (unique.length === 0) return [];
  const fresh = unique.filter((fact) => !fact.onlyIfKnown);
  const knownOnly = unique.filter((fact) => fact.onlyIfKnown);
  const changed = new Set<string>();
  if (fresh.length > 0) {
    const rows: Array<{ kind: string; key: string }> = await manager.query(
      `INSERT INTO odoo_sync_state AS s (kind, key, content_hash, source_second, updated_at)
       SELECT kind, key, content_hash, source_second, now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamp[]) WITH ORDINALITY AS t(kind, key, content_hash, source_second, position)
        ORDER BY position
       ON CONFLICT (kind, key) DO UPDATE
         SET content_hash = EXCLUDED.content_hash, source_second = EXCLUDED.source_second, updated_at = now()
         WHERE s.content_hash <> EXCLUDED.content_hash AND s.source_second <= EXCLUDED.source_second
       RETURNING s.kind, s.key`,
      [fresh.map((f) => f.kind), fresh.map((f) => f.key), fresh.map((f) => f.hash), fresh.map((f) => f.sourceSecond)],
    );
    for (const row of rows) changed.add(`${row.kind}\u0000${row.key}`);
  }
  if (knownOnly.length > 0) {
    const [rows]: [Array<{ kind: string; key: string }>] = await manager.query(
      `UPDATE odoo_sync_state AS s
          SET content_hash = t.content_hash, source_second = t.source_second, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamp[]) AS t(kind, key, content_hash, source_second)
        WHERE s.kind = t.kind AND s.key = t.key AND s.content_hash <> t.content_hash AND s.source_second <= t.source_second
       RETURNING s.kind, s.key`,
      [knownOnly.map((f) => f.kind), knownOnly.map((f) => f.key), knownOnly.map((f) => f.hash), knownOnly.map((f) => f.sourceSecond)],
    );
    for (const row of rows) changed.add(`${row.kind}\u0000${row.key}`);
  }
  return unique.filter((fact) => changed.has(`${fact.kind}\u0000${fact.key}`));
}

/** Keys of a kind published so far (for a full re-sync to find what disappeared from Odoo). */
export async function knownKeys(manager: EntityManager, kind: string): Promise<string[]> {
  const rows: Array<{ key: string }> = await manager.query(`SELECT key FROM odoo_sync_state WHERE kind = $1`, [kind]);
  return rows.map((row) => row.key);
}

export async function readCursor(manager: EntityManager, odooModel: string): Promise<ChangeCursor> {
  const rows: Array<{ last_write_date: string | null; last_record_id: number }> = await manager.query(
    `SELECT to_char(last_write_date, 'YYYY-MM-DD HH24:MI:SS') AS last_write_date, last_record_id FROM sync_cursors WHERE odoo_model = $1`,
    [odooModel],
  );
  const row = rows[0];
  return row?.last_write_date ? { writeDate: row.last_write_date, lastId: row.last_record_id } : BEGINNING_OF_TIME;
}

/** Moves the cursor forward only (a concurrent poller that is behind never drags it back). */
export async function advanceCursor(manager: EntityManager, odooModel: string, cursor: ChangeCursor): Promise<void> {
  await manager.query(
    `INSERT INTO sync_cursors AS c (odoo_model, last_write_date, last_record_id, synced_at)
     VALUES ($1, $2::timestamp, $3, now())
     ON CONFLICT (odoo_model) DO UPDATE
       SET last_write_date = EXCLUDED.last_write_date, last_record_id = EXCLUDED.last_record_id, synced_at = now(), version = c.version + 1
       WHERE c.last_write_date IS NULL OR (c.last_write_date, c.last_record_id) < (EXCLUDED.last_write_date, EXCLUDED.last_record_id)`,
    [odooModel, cursor.writeDate, cursor.lastId],
  );
}
