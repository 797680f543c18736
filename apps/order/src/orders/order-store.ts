import { OUTBOX_APPENDED_CHANNEL, outboxInsert, OutboxRows } from '@omnibus/outbox';
import type { Pool } from 'pg';
import type { EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { Order } from '../domain/order';
import type { OrderSagaData } from '../domain/saga/order-saga-data';
import type { OrderStatus, OrderStatuses } from '../domain/saga/order-statuses';
import type { OrderRecord, OrderView, TimelineCause } from '../domain/order-view';
import { SAGA_COLUMNS, sagaColumnValues, SagaState, TimelineEntry } from '@omnibus/saga';
import { reviewItemsOfOrder } from '../review/review-store';

/**
 * SQL of the order tables (migrations 1795700000000, …100 and …200; review_items in ../review/review-store.ts). Every function works inside
 * the caller's transaction (`manager`), so an order, its history and its outbox events commit together.
 */

export interface StoredIdempotencyKey {
  fingerprint: string;
  orderId: string;
  response: OrderView;
}

/** What the intake writes for a new order: its key, the order, its first status, its started saga and its first events. */
export interface PlacedOrderRows {
  claim: { caller: string; key: string; fingerprint: string; response: OrderView };
  order: Order;
  statuses: OrderStatuses;
  saga: SagaState<OrderSagaData>;
  timeline: TimelineEntry[];
  cause: TimelineCause;
  /** OrderPlaced, OrderAccepted and the saga's first commands, encoded. */
  outbox: OutboxRows;
}

/**
 * Takes the idempotency key and writes the order, its first history entry, its saga instance, its
 * first timeline entries and its outbox rows in ONE statement, so without BEGIN and COMMIT: a
 * statement is atomic, all of it commits or none. (A round trip per table, in a transaction, cost
 * more than the inserts: a third of the intake's CPU was socket writes.) The key is claimed first
 * (ON CONFLICT DO NOTHING); every other insert, and the NOTIFY that wakes the relay, selects FROM that
 * claim, so a key already taken writes nothing and this returns false; a concurrent request with the
 * same key waits here until the first commits (or rolls back, and then this one takes it). A
 * channelOrderRef the channel already placed fails on `orders_channel_order_ref` as a plain INSERT
 * would. Foreign keys are checked at the end of the statement, when the order row is there.
 */
export async function insertPlacedOrder(manager: EntityManager, rows: PlacedOrderRows): Promise<boolean> {
  const { claim, order, statuses, saga, timeline, cause } = rows;
  const outbox = outboxInsert(rows.outbox, 33, 'EXISTS (SELECT 1 FROM claimed)');
  // A named statement: PostgreSQL parses and plans this seven-part statement once per connection instead
  // of once per order. TypeORM's query() cannot name one, so it goes to the pg pool underneath (which
  // takes and returns a connection for it, as query() would). Its errors are pg's, unwrapped.
  const pool = (manager.connection.driver as PostgresDriver).master as Pool;
  const { rows: claimed } = await pool.query({
    name: 'order-intake-place-order',
    text: `WITH claimed AS (
       INSERT INTO order_idempotency_keys (caller, idempotency_key, fingerprint, order_id, response)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (caller, idempotency_key) DO NOTHING
       RETURNING order_id
     ), placed AS (
       INSERT INTO orders (id, channel, channel_order_ref, status, payment_status, fulfilment_status, currency, total_minor, version, brand,
                           company_id, placed_at, document, created_at, updated_at)
       SELECT order_id, $6, $7, $8, $9, $10, $11, $12::bigint, 1, $13, $14, $15::timestamptz, $16::jsonb, $17::timestamptz, $17::timestamptz FROM claimed
     ), history AS (
       INSERT INTO order_status_history (order_id, seq, status, detail, occurred_at)
       SELECT order_id, 1, $8, $18, $17::timestamptz FROM claimed
     ), saga AS (
       INSERT INTO saga_instance (${SAGA_COLUMNS.join(', ')})
       SELECT $19, $20, $21::integer, $22, $23, $24::jsonb, $25::timestamptz FROM claimed
     ), timeline AS (
       INSERT INTO order_timeline (order_id, at, step, phase, what, detail, cause_type, cause_event_id)
       SELECT claimed.order_id, entry.at, entry.step, entry.phase, entry.what, entry.detail, $31, $32::uuid
         FROM claimed, unnest($26::timestamptz[], $27::text[], $28::text[], $29::text[], $30::text[]) WITH ORDINALITY AS entry (at, step, phase, what, detail, n)
        ORDER BY entry.n
     ), appended AS (
       ${outbox.sql}
     )
     SELECT order_id, pg_notify('${OUTBOX_APPENDED_CHANNEL}', $38) FROM claimed`,
    values: [
      claim.caller,
      claim.key,
      claim.fingerprint,
      order.orderId,
      JSON.stringify(claim.response),
      order.channel.channelId,
      order.channelOrderRef,
      statuses.status,
      statuses.paymentStatus,
      statuses.fulfilmentStatus,
      order.currency,
      order.totals.grandTotal.amountMinor,
      order.brand,
      order.companyId,
      order.placedAt,
      JSON.stringify(order),
      order.acceptedAt,
      statuses.detail,
      ...sagaColumnValues(saga),
      timeline.map((entry) => entry.at),
      timeline.map((entry) => entry.step ?? null),
      timeline.map((entry) => entry.phase),
      timeline.map((entry) => entry.what),
      timeline.map((entry) => entry.detail ?? null),
      cause.type,
      cause.eventId,
      ...outbox.params,
      rows.outbox.wokenShards,
    ],
  });
  return claimed.length === 1;
}

export async function findIdempotencyKey(manager: EntityManager, caller: string, key: string): Promise<StoredIdempotencyKey | undefined> {
  const [row] = await manager.query(
    `SELECT fingerprint, order_id, response FROM order_idempotency_keys WHERE caller = $1 AND idempotency_key = $2`,
    [caller, key],
  );
  return row ? { fingerprint: row.fingerprint, orderId: row.order_id, response: row.response } : undefined;
}

/** The order a channel already placed under this reference, if any. */
export async function findOrderIdByChannelRef(manager: EntityManager, channelId: string, channelOrderRef: string): Promise<string | undefined> {
  const [row] = await manager.query(`SELECT id FROM orders WHERE channel = $1 AND channel_order_ref = $2`, [channelId, channelOrderRef]);
  return row?.id;
}

/** The order with its saga, status history, timeline and review items (oldest first). */
export async function loadOrder(manager: EntityManager, orderId: string): Promise<OrderRecord | undefined> {
  const [row] = await manager.query(
    `SELECT o.status, o.payment_status, o.fulfilment_status, o.document, s.state
       FROM orders o LEFT JOIN saga_instance s ON s.id = o.id::text
      WHERE o.id = $1`,
    [orderId],
  );
  if (!row) return undefined;
  const [history, timeline, reviews] = await Promise.all([
    manager.query(`SELECT status, detail, occurred_at FROM order_status_history WHERE order_id = $1 ORDER BY seq`, [orderId]),
    manager.query(`SELECT at, step, phase, what, detail, cause_type, cause_event_id FROM order_timeline WHERE order_id = $1 ORDER BY id`, [orderId]),
    reviewItemsOfOrder(manager, orderId),
  ]);
  return {
    order: orderFromDocument(row.document),
    statuses: { status: row.status, paymentStatus: row.payment_status, fulfilmentStatus: row.fulfilment_status },
    saga: row.state as SagaState<OrderSagaData> | null,
    history: history.map((entry: { status: OrderStatus; detail: string | null; occurred_at: Date }) => ({ status: entry.status, at: entry.occurred_at, detail: entry.detail })),
    timeline: timeline.map((entry: any) => ({
      entry: { at: entry.at.toISOString(), step: entry.step, phase: entry.phase, what: entry.what, ...(entry.detail !== null ? { detail: entry.detail } : {}) },
      cause: { type: entry.cause_type, eventId: entry.cause_event_id },
    })),
    reviews,
  };
}

/** The order's document and current statuses, for a saga step (the saga row is already locked). */
export async function loadOrderForSaga(manager: EntityManager, orderId: string): Promise<{ order: Order; status: OrderStatus; version: number } | undefined> {
  const [row] = await manager.query(`SELECT document, status, version FROM orders WHERE id = $1`, [orderId]);
  return row ? { order: orderFromDocument(row.document), status: row.status, version: row.version } : undefined;
}

/** Writes the statuses a saga step led to; a new order status also gets a history entry. */
export async function recordStatuses(
  manager: EntityManager,
  current: { orderId: string; status: OrderStatus; version: number },
  statuses: OrderStatuses,
  cause: { eventId: string | null; at: Date },
): Promise<void> {
  const changed = statuses.status !== current.status;
  const version = changed ? current.version + 1 : current.version;
  await manager.query(`UPDATE orders SET status = $2, payment_status = $3, fulfilment_status = $4, version = $5, updated_at = $6 WHERE id = $1`, [
    current.orderId,
    statuses.status,
    statuses.paymentStatus,
    statuses.fulfilmentStatus,
    version,
    cause.at,
  ]);
  if (changed) {
    await manager.query(`INSERT INTO order_status_history (order_id, seq, status, detail, caused_by_event, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
      current.orderId,
      version,
      statuses.status,
      statuses.detail,
      cause.eventId,
      cause.at,
    ]);
  }
}

/** Appends the saga's timeline entries of one step with what caused them. */
export async function appendTimeline(manager: EntityManager, orderId: string, entries: TimelineEntry[], cause: TimelineCause): Promise<void> {
  if (entries.length === 0) return;
  const values: unknown[] = [];
  const rows = entries.map((entry, index) => {
    values.push(orderId, entry.at, entry.step, entry.phase, entry.what, entry.detail ?? null, cause.type, cause.eventId);
    const base = index * 8;
    return `(${Array.from({ length: 8 }, (_, column) => `$${base + column + 1}`).join(', ')})`;
  });
  await manager.query(`INSERT INTO order_timeline (order_id, at, step, phase, what, detail, cause_type, cause_event_id) VALUES ${rows.join(', ')}`, values);
}

/** JSON keeps dates as text; the order's three dates come back as Dates. */
function orderFromDocument(document: any): Order {
  return {
    ...document,
    placedAt: new Date(document.placedAt),
    acceptedAt: new Date(document.acceptedAt),
    fulfilment: { ...document.fulfilment, promisedBy: document.fulfilment.promisedBy ? new Date(document.fulfilment.promisedBy) : null },
  };
}
