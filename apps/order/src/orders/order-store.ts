import type { EntityManager } from 'typeorm';
import type { Order } from '../domain/order';
import type { OrderProgress, OrderStatus, StatusChange } from '../domain/order-status';
import type { OrderRecord, OrderView } from '../domain/order-view';

/**
 * SQL of the order tables (migrations 1795700000000 and 1795700000100). Every function works inside
 * the caller's transaction (`manager`), so an order, its history and its outbox events commit together.
 */

export interface StoredIdempotencyKey {
  fingerprint: string;
  orderId: string;
  response: OrderView;
}

/**
 * Takes the key for this request. False when the caller used it before; a concurrent request with the
 * same key waits here until the first one commits (or rolls back, and then this one takes it).
 */
export async function claimIdempotencyKey(
  manager: EntityManager,
  claim: { caller: string; key: string; fingerprint: string; orderId: string; response: OrderView },
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `INSERT INTO order_idempotency_keys (caller, idempotency_key, fingerprint, order_id, response)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (caller, idempotency_key) DO NOTHING
     RETURNING order_id`,
    [claim.caller, claim.key, claim.fingerprint, claim.orderId, JSON.stringify(claim.response)],
  );
  return rows.length === 1;
}

export async function findIdempotencyKey(manager: EntityManager, caller: string, key: string): Promise<StoredIdempotencyKey | undefined> {
  const [row] = await manager.query(
    `SELECT fingerprint, order_id, response FROM order_idempotency_keys WHERE caller = $1 AND idempotency_key = $2`,
    [caller, key],
  );
  return row ? { fingerprint: row.fingerprint, orderId: row.order_id, response: row.response } : undefined;
}

/** Inserts an accepted order and the first entry of its history. */
export async function insertAcceptedOrder(manager: EntityManager, order: Order, saleOrderCommandId: string, detail: string): Promise<void> {
  await manager.query(
    `INSERT INTO orders (id, channel, channel_order_ref, status, currency, total_minor, version, brand, company_id,
                         placed_at, document, sale_order_command_id, created_at, updated_at)
     VALUES ($1, $2, $3, 'accepted', $4, $5, 1, $6, $7, $8, $9, $10, $11, $11)`,
    [
      order.orderId,
      order.channel.channelId,
      order.channelOrderRef,
      order.currency,
      order.totals.grandTotal.amountMinor,
      order.brand,
      order.companyId,
      order.placedAt,
      JSON.stringify(order),
      saleOrderCommandId,
      order.acceptedAt,
    ],
  );
  await manager.query(
    `INSERT INTO order_status_history (order_id, seq, status, detail, occurred_at) VALUES ($1, 1, 'accepted', $2, $3)`,
    [order.orderId, detail, order.acceptedAt],
  );
}

/** The order a channel already placed under this reference, if any. */
export async function findOrderIdByChannelRef(manager: EntityManager, channelId: string, channelOrderRef: string): Promise<string | undefined> {
  const [row] = await manager.query(`SELECT id FROM orders WHERE channel = $1 AND channel_order_ref = $2`, [channelId, channelOrderRef]);
  return row?.id;
}

export async function loadOrder(manager: EntityManager, orderId: string): Promise<OrderRecord | undefined> {
  const [row] = await manager.query(
    `SELECT status, document, odoo_sale_order_id, odoo_sale_order_name, review_failure, review_message FROM orders WHERE id = $1`,
    [orderId],
  );
  if (!row) return undefined;
  const history = await manager.query(`SELECT status, detail, occurred_at FROM order_status_history WHERE order_id = $1 ORDER BY seq`, [orderId]);
  return {
    order: orderFromDocument(row.document),
    status: row.status,
    odooSaleOrder: row.odoo_sale_order_id === null ? null : { id: Number(row.odoo_sale_order_id), name: row.odoo_sale_order_name },
    review: row.review_failure === null ? null : { failure: row.review_failure, message: row.review_message },
    history: history.map((entry: { status: OrderStatus; detail: string | null; occurred_at: Date }) => ({
      status: entry.status,
      at: entry.occurred_at,
      detail: entry.detail,
    })),
  };
}

export interface LockedOrder {
  orderId: string;
  companyId: string;
  acceptedAt: Date;
  version: number;
  progress: OrderProgress;
}

/** The order's saga state, row-locked until the transaction ends (one result at a time per order). */
export async function lockOrderProgress(manager: EntityManager, orderId: string): Promise<LockedOrder | undefined> {
  const [row] = await manager.query(
    `SELECT id, company_id, created_at, version, status, sale_order_command_id, odoo_sale_order_id, odoo_sale_order_name
       FROM orders WHERE id = $1 FOR UPDATE`,
    [orderId],
  );
  if (!row) return undefined;
  return {
    orderId: row.id,
    companyId: row.company_id,
    acceptedAt: row.created_at,
    version: row.version,
    progress: {
      status: row.status,
      saleOrderCommandId: row.sale_order_command_id,
      odooSaleOrder: row.odoo_sale_order_id === null ? null : { id: Number(row.odoo_sale_order_id), name: row.odoo_sale_order_name },
    },
  };
}

/** Moves a locked order to its next status and records why. */
export async function recordStatusChange(
  manager: EntityManager,
  order: LockedOrder,
  change: StatusChange,
  cause: { eventId: string; at: Date },
): Promise<void> {
  const version = order.version + 1;
  await manager.query(
    `UPDATE orders
        SET status = $2, version = $3, updated_at = $4,
            odoo_sale_order_id = COALESCE($5, odoo_sale_order_id),
            odoo_sale_order_name = CASE WHEN $5::bigint IS NULL THEN odoo_sale_order_name ELSE $6 END,
            review_failure = $7, review_message = $8
      WHERE id = $1`,
    [order.orderId, change.to, version, cause.at, change.odooSaleOrder?.id ?? null, change.odooSaleOrder?.name ?? null, change.review?.failure ?? null, change.review?.message ?? null],
  );
  await manager.query(
    `INSERT INTO order_status_history (order_id, seq, status, detail, caused_by_event, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [order.orderId, version, change.to, change.detail, cause.eventId, cause.at],
  );
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
