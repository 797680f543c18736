import { OUTBOX_APPENDED_CHANNEL, outboxInsert, OutboxRows } from '@omnibus/outbox';
import type { Pool } from 'pg';
import type { EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { Order } from '../domain/order';
import type { OrderSagaData } from '../domain/saga/order-saga-data';
import type { OrderStatus, OrderStatuses } from '../domain/saga/order-statuses';
import type { OrderRecord, OrderView, TimelineCause } from '../domain/order-view';
import { SAGA_COLUMNS, sagaColumnValues, SagaState, StoredSaga, TimelineEntry } from '@omnibus/saga';
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
  const entries = timelineInsert('claimed', 26, order.orderId, timeline, cause);
  const outbox = outboxInsert(rows.outbox, 34, 'EXISTS (SELECT 1 FROM claimed)');
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
       ${entries.sql}
     ), appended AS (
       ${outbox.sql}
     )
     SELECT order_id, pg_notify('${OUTBOX_APPENDED_CHANNEL}', $39) FROM claimed`,
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
      ...entries.params,
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
  const [history, timeline, reviews, refunds] = await Promise.all([
    manager.query(`SELECT status, detail, occurred_at FROM order_status_history WHERE order_id = $1 ORDER BY seq`, [orderId]),
    manager.query(`SELECT at, step, phase, what, detail, cause_type, cause_event_id FROM order_timeline WHERE order_id = $1 ORDER BY id`, [orderId]),
    reviewItemsOfOrder(manager, orderId),
    manager.query(`SELECT refund_id, return_id, status, amount_minor, currency, gateway_reference, reason, recorded_at FROM payment_refund WHERE order_id = $1 ORDER BY recorded_at, refund_id`, [orderId]),
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
    refunds: refunds.map((refund: any) => ({
      refundId: refund.refund_id,
      returnId: refund.return_id,
      status: refund.status,
      amount: { amountMinor: Number(refund.amount_minor), currency: refund.currency },
      gatewayReference: refund.gateway_reference,
      reason: refund.reason,
      at: refund.recorded_at.toISOString(),
    })),
  };
}

/** The order's document and current statuses, for a saga step (the saga row is already locked). */
export async function loadOrderForSaga(manager: EntityManager, orderId: string): Promise<SagaOrder | undefined> {
  const [row] = await manager.query(`SELECT document, status, version FROM orders WHERE id = $1`, [orderId]);
  return row ? { order: orderFromDocument(row.document), status: row.status, version: row.version } : undefined;
}

export interface SagaOrder {
  order: Order;
  status: OrderStatus;
  version: number;
}

/**
 * The saga of an order, its row locked FOR UPDATE as @omnibus/saga's `loadSaga` does (two replies of
 * one order handled at once run one after the other), with the order's document and statuses: one
 * read instead of two for each reply. `order` is undefined for a saga without an order row (a bug).
 */
export async function loadSagaWithOrder(manager: EntityManager, orderId: string): Promise<{ stored: StoredSaga<OrderSagaData>; order?: SagaOrder } | undefined> {
  const [row] = await manager.query(
    `SELECT s.state, s.version AS saga_version, o.document, o.status, o.version
       FROM saga_instance s LEFT JOIN orders o ON o.id = $2::uuid
      WHERE s.id = $1
        FOR UPDATE OF s`,
    [orderId, orderId],
  );
  if (!row) return undefined;
  const order = row.document ? { order: orderFromDocument(row.document), status: row.status, version: row.version } : undefined;
  return { stored: { state: row.state, version: row.saga_version }, order };
}

/** What one saga step writes besides its commands: the saga, the order's statuses and the timeline. */
export interface SagaStepRows {
  saga: SagaState<OrderSagaData>;
  /** The saga's version as read: the step is written only if nobody saved it since. */
  sagaVersion: number;
  current: { orderId: string; status: OrderStatus; version: number };
  statuses: OrderStatuses;
  timeline: TimelineEntry[];
  cause: TimelineCause;
  at: Date;
}

/**
 * Writes a saga step in one statement: the saga row (as @omnibus/saga's `saveSaga` updates it, only
 * at `sagaVersion`), the order's three statuses, a history entry when the order status changed (`seq`
 * = the order's new version) and the step's timeline entries with their cause. Every part selects
 * FROM the saga update, so when another writer saved the saga first nothing is written and this
 * returns false (the caller throws SagaConcurrencyError, as saveSaga would).
 */
export async function saveSagaStep(manager: EntityManager, step: SagaStepRows): Promise<boolean> {
  const { current, statuses, at } = step;
  const changed = statuses.status !== current.status;
  const version = changed ? current.version + 1 : current.version;
  const entries = timelineInsert('saved', 17, current.orderId, step.timeline, step.cause);
  const saved: unknown[] = await manager.query(
    `WITH saved AS (
       UPDATE saga_instance
          SET saga_name = $2, saga_version = $3, status = $4, current_step = $5, state = $6::jsonb,
              next_deadline = $7::timestamptz, version = version + 1, updated_at = now()
        WHERE id = $1 AND version = $8
       RETURNING version
     ), statuses AS (
       -- The connector writes refunds (a return's too, which the saga does not follow) against all captures:
       -- a later step, which knows only its own refunds, does not move the payment status back.
       UPDATE orders SET status = $10, fulfilment_status = $12, version = $13, updated_at = $14,
              payment_status = CASE
                WHEN orders.payment_status = 'refunded' AND $11 IN ('captured', 'partially_captured', 'partially_refunded') THEN 'refunded'
                WHEN orders.payment_status = 'partially_refunded' AND $11 IN ('captured', 'partially_captured') THEN 'partially_refunded'
                ELSE $11 END
        WHERE id = $9 AND EXISTS (SELECT 1 FROM saved)
     ), history AS (
       INSERT INTO order_status_history (order_id, seq, status, detail, caused_by_event, occurred_at)
       SELECT $9::uuid, $13::integer, $10, $15, $16::uuid, $14::timestamptz FROM saved WHERE ${changed ? 'true' : 'false'}
     ), timeline AS (
       ${entries.sql}
     )
     SELECT version FROM saved`,
    [
      ...sagaColumnValues(step.saga),
      step.sagaVersion,
      current.orderId,
      statuses.status,
      statuses.paymentStatus,
      statuses.fulfilmentStatus,
      version,
      at,
      statuses.detail,
      step.cause.eventId,
      ...entries.params,
    ],
  );
  return saved.length === 1;
}

/**
 * The INSERT of timeline entries (one row each, in their order) for a statement above, from the CTE
 * `from` (no row there: nothing inserted); parameters numbered from `first`: the order id, the
 * entries' five columns as arrays, the cause's type and event id.
 */
function timelineInsert(from: string, first: number, orderId: string, entries: TimelineEntry[], cause: TimelineCause): { sql: string; params: unknown[] } {
  const [order, at, step, phase, what, detail, causeType, causeEvent] = Array.from({ length: 8 }, (_, index) => `$${first + index}`);
  return {
    sql: `INSERT INTO order_timeline (order_id, at, step, phase, what, detail, cause_type, cause_event_id)
       SELECT ${order}::uuid, entry.at, entry.step, entry.phase, entry.what, entry.detail, ${causeType}, ${causeEvent}::uuid
         FROM ${from}, unnest(${at}::timestamptz[], ${step}::text[], ${phase}::text[], ${what}::text[], ${detail}::text[]) WITH ORDINALITY AS entry (at, step, phase, what, detail, n)
        ORDER BY entry.n`,
    params: [
      orderId,
      entries.map((entry) => entry.at),
      entries.map((entry) => entry.step ?? null),
      entries.map((entry) => entry.phase),
      entries.map((entry) => entry.what),
      entries.map((entry) => entry.detail ?? null),
      cause.type,
      cause.eventId,
    ],
  };
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
