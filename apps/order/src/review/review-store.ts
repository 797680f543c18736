import type { ReviewItem } from '@omnibus/saga';
import type { EntityManager } from 'typeorm';
import type { TimelineCause } from '../domain/order-view';
import type { ReviewItemRecord } from './review-item';
import type { ListReviewQuery, ReviewAction } from './review-request';

/**
 * SQL of `review_items` and `operator_audit` (migration 1795700000300). Everything runs with the
 * caller's manager: an item is inserted by the saga step that opened it, and resolved together with
 * the saga step the decision leads to and its audit row.
 */

const COLUMNS = `id, order_id, saga_step, phase, reason, detail, allowed_actions, retry, opened_at, due_by, cause_type, cause_event_id,
                 state, resolution, resolution_note, resolved_by, resolved_at, idempotency_key`;

/** Inserts the items a saga step opened (a replayed step opens the same ids, and nothing happens twice). */
export async function insertReviewItems(manager: EntityManager, orderId: string, items: ReviewItem[], cause: TimelineCause): Promise<void> {
  for (const item of items) {
    await manager.query(
      `INSERT INTO review_items (id, order_id, saga_step, phase, reason, detail, allowed_actions, retry, opened_at, due_by, cause_type, cause_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO NOTHING`,
      [item.id, orderId, item.step, item.phase, item.reason, item.detail ?? null, item.allowedActions, item.retry ?? 'new-attempt', item.openedAt, item.dueBy, cause.type, cause.eventId],
    );
  }
}

/** The item, locked for this transaction when `lock` (a resolution), so two decisions on it run one after the other. */
export async function findReviewItem(manager: EntityManager, id: string, { lock = false } = {}): Promise<ReviewItemRecord | undefined> {
  const [row] = await manager.query(`SELECT ${COLUMNS} FROM review_items WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return row ? fromRow(row) : undefined;
}

export async function reviewItemsOfOrder(manager: EntityManager, orderId: string): Promise<ReviewItemRecord[]> {
  const rows = await manager.query(`SELECT ${COLUMNS} FROM review_items WHERE order_id = $1 ORDER BY opened_at, id`, [orderId]);
  return rows.map(fromRow);
}

/** A page of the queue, oldest first, with the total of items matching the filters. */
export async function listReviewItems(manager: EntityManager, query: ListReviewQuery, now: Date): Promise<{ items: ReviewItemRecord[]; total: number }> {
  const where = `($1::text IS NULL OR state = $1)
             AND ($2::text IS NULL OR reason = $2)
             AND ($3::boolean IS NULL OR (state = 'open' AND (due_by < $4) = $3))`;
  const filters = [query.state ?? null, query.reason ?? null, query.overdue ?? null, now];
  const [rows, [{ total }]] = await Promise.all([
    manager.query(`SELECT ${COLUMNS} FROM review_items WHERE ${where} ORDER BY opened_at, id LIMIT $5 OFFSET $6`, [...filters, query.limit, query.offset]),
    manager.query(`SELECT count(*)::int AS total FROM review_items WHERE ${where}`, filters),
  ]);
  return { items: rows.map(fromRow), total };
}

export async function markResolved(
  manager: EntityManager,
  id: string,
  resolution: { action: ReviewAction; note: string | null; by: string; at: Date; idempotencyKey: string | null },
): Promise<void> {
  await manager.query(
    `UPDATE review_items SET state = 'resolved', resolution = $2, resolution_note = $3, resolved_by = $4, resolved_at = $5, idempotency_key = $6 WHERE id = $1`,
    [id, resolution.action, resolution.note, resolution.by, resolution.at, resolution.idempotencyKey],
  );
}

/** Open items by reason with the opening time of the oldest: what the queue gauges show. */
export async function openQueueStats(manager: EntityManager): Promise<Array<{ reason: string; open: number; oldestOpenedAt: Date }>> {
  const rows: Array<{ reason: string; open: number; oldest: Date }> = await manager.query(
    `SELECT reason, count(*)::int AS open, min(opened_at) AS oldest FROM review_items WHERE state = 'open' GROUP BY reason`,
  );
  return rows.map((row) => ({ reason: row.reason, open: row.open, oldestOpenedAt: row.oldest }));
}

function fromRow(row: any): ReviewItemRecord {
  return {
    id: row.id,
    orderId: row.order_id,
    step: row.saga_step,
    phase: row.phase,
    reason: row.reason,
    detail: row.detail,
    allowedActions: row.allowed_actions,
    retry: row.retry,
    openedAt: row.opened_at,
    dueBy: row.due_by,
    cause: { type: row.cause_type, eventId: row.cause_event_id },
    state: row.state,
    resolution:
      row.state === 'resolved'
        ? { action: row.resolution, note: row.resolution_note, by: row.resolved_by, at: row.resolved_at, idempotencyKey: row.idempotency_key }
        : null,
  };
}

export interface UnmatchedWebhook {
  source: 'payment' | 'carrier';
  /** The gateway or carrier that sent it (its name in the webhook path). */
  sender: string;
  webhookId: string;
  eventType: string;
  /** The order id it names, when it names one. */
  orderId: string | null;
  receivedAt: Date;
  body: unknown;
}

/**
 * Signed webhooks that named no order of ours (a gateway's or carrier's event for another system's
 * order, a shipment booked by hand): kept, not dropped, so an operator can match them. Newest first.
 */
export async function listUnmatchedWebhooks(manager: EntityManager, page: { limit: number; offset: number }): Promise<{ items: UnmatchedWebhook[]; total: number }> {
  const unmatched = `SELECT 'payment' AS source, gateway AS sender, webhook_id, event_type, order_id, received_at, body FROM payment_webhook WHERE outcome = 'unknown_order'
                     UNION ALL
                     SELECT 'carrier', carrier, webhook_id, event_type, order_id, received_at, body FROM carrier_webhook WHERE outcome = 'unknown_order'`;
  const [rows, [{ total }]] = await Promise.all([
    manager.query(`SELECT * FROM (${unmatched}) w ORDER BY received_at DESC, webhook_id LIMIT $1 OFFSET $2`, [page.limit, page.offset]),
    manager.query(`SELECT count(*)::int AS total FROM (${unmatched}) w`),
  ]);
  return {
    total,
    items: (rows as Array<Record<string, any>>).map((row) => ({
      source: row.source,
      sender: row.sender,
      webhookId: row.webhook_id,
      eventType: row.event_type,
      orderId: row.order_id,
      receivedAt: row.received_at,
      body: row.body,
    })),
  };
}
