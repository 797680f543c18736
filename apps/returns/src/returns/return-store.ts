import type { ChannelKind, ItemCondition, OrderLine, OrderTotals, RefundedLine, ReturnReason } from '@omnibus/contracts';
import type { EntityManager } from 'typeorm';
import type { ReceiptLine } from '../domain/receipt';
import type { ShipmentFact } from '../domain/return-quantities';
import type { RefundStatus, ReturnStatus } from '../domain/return-status';

/**
 * SQL of the returns tables (migration 1795700000100). Every function works inside the caller's
 * transaction (`manager`), so a return's rows, its timeline and its outbox events commit together.
 */

export interface OrderFacts {
  orderId: string;
  channelId: string;
  channelKind: ChannelKind;
  channelOrderRef: string;
  brand: string;
  companyId: string;
  currency: string;
  customerId: string | null;
  document: { lines: OrderLine[]; totals: OrderTotals; pricesIncludeTax: boolean };
  cancelledAt: Date | null;
}

const ORDER_COLUMNS = `order_id, channel_id, channel_kind, channel_order_ref, brand, company_id, currency, customer_id, document, cancelled_at`;

function orderOf(row: any): OrderFacts {
  return {
    orderId: row.order_id,
    channelId: row.channel_id,
    channelKind: row.channel_kind,
    channelOrderRef: row.channel_order_ref,
    brand: row.brand,
    companyId: row.company_id,
    currency: row.currency,
    customerId: row.customer_id,
    document: row.document,
    cancelledAt: row.cancelled_at,
  };
}

/** The order, its row locked: two requests or receipts of one order are decided one after the other. */
export async function lockOrder(manager: EntityManager, by: { orderId: string } | { channelId: string; channelOrderRef: string }): Promise<OrderFacts | undefined> {
  const [row] =
    'orderId' in by
      ? await manager.query(`SELECT ${ORDER_COLUMNS} FROM returns_orders WHERE order_id = $1 FOR UPDATE`, [by.orderId])
      : await manager.query(`SELECT ${ORDER_COLUMNS} FROM returns_orders WHERE channel_id = $1 AND channel_order_ref = $2 ORDER BY placed_at DESC LIMIT 1 FOR UPDATE`, [by.channelId, by.channelOrderRef]);
  return row ? orderOf(row) : undefined;
}

export async function shipmentsOf(manager: EntityManager, orderId: string): Promise<ShipmentFact[]> {
  const rows = await manager.query(`SELECT lines, dispatched_at, delivered_at FROM returns_shipments WHERE order_id = $1`, [orderId]);
  return rows.map((row: any) => ({ lines: row.lines, dispatchedAt: row.dispatched_at, deliveredAt: row.delivered_at }));
}

/** Per line, what the order's returns in these statuses hold (other than `exceptReturnId`). */
export async function heldByReturns(manager: EntityManager, orderId: string, statuses: ReturnStatus[], exceptReturnId: string | null = null): Promise<Map<string, number>> {
  const rows = await manager.query(
    `SELECT l.line_id, sum(l.quantity_milli)::bigint AS milli
       FROM return_lines l JOIN return_authorisations r ON r.id = l.return_id
      WHERE r.order_id = $1 AND r.status = ANY($2) AND ($3::uuid IS NULL OR r.id <> $3::uuid)
      GROUP BY l.line_id`,
    [orderId, statuses, exceptReturnId],
  );
  return new Map(rows.map((row: any) => [row.line_id, Number(row.milli)]));
}

/** Per line, the quantity the order's refunds (not failed ones) paid back. */
export async function refundedByOrder(manager: EntityManager, orderId: string): Promise<Map<string, number>> {
  const rows = await manager.query(`SELECT lines FROM return_refunds WHERE order_id = $1 AND status <> 'failed'`, [orderId]);
  const refunded = new Map<string, number>();
  for (const row of rows) for (const line of row.lines as RefundedLine[]) refunded.set(line.lineId, (refunded.get(line.lineId) ?? 0) + line.quantity.milli);
  return refunded;
}

export interface ReturnRow {
  returnId: string;
  orderId: string;
  companyId: string;
  channelId: string;
  channelKind: ChannelKind;
  customerId: string | null;
  customerTier: string | null;
  storeLocationId: string | null;
  refundMethod: 'ORIGINAL_PAYMENT' | 'STORE_CREDIT';
  status: ReturnStatus;
  refundStatus: RefundStatus;
  policyId: string | null;
  policyVersion: number | null;
  rule: string | null;
  reason: string | null;
  rmaNumber: string | null;
  returnBy: Date | null;
  requestedAt: Date;
  requestedBy: string;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** When the carrier first scanned the return parcel, if it did. */
  firstScannedAt?: Date | null;
}

export interface ReturnLineRow {
  lineId: string;
  sku: string;
  quantityMilli: number;
  reason: ReturnReason;
  statedCondition: ItemCondition;
  comment: string | null;
  refundDueMinor: number;
  arrivedMilli: number;
}

export async function insertReturn(manager: EntityManager, row: ReturnRow, lines: ReturnLineRow[]): Promise<void> {
  await manager.query(
    `INSERT INTO return_authorisations (id, order_id, channel, channel_kind, company_id, customer_id, customer_tier, store_location_id, refund_method, status, refund_status,
                                        policy_id, policy_version, rule, reason, rma_number, return_by, requested_at, requested_by, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
    [row.returnId, row.orderId, row.channelId, row.channelKind, row.companyId, row.customerId, row.customerTier, row.storeLocationId, row.refundMethod, row.status, row.refundStatus,
      row.policyId, row.policyVersion, row.rule, row.reason, row.rmaNumber, row.returnBy, row.requestedAt, row.requestedBy, row.decidedBy, row.decidedAt],
  );
  if (lines.length === 0) return;
  await manager.query(
    `INSERT INTO return_lines (return_id, line_id, sku, quantity_milli, reason, stated_condition, comment, refund_due_minor)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::bigint[])`,
    [row.returnId, lines.map((l) => l.lineId), lines.map((l) => l.sku), lines.map((l) => l.quantityMilli), lines.map((l) => l.reason), lines.map((l) => l.statedCondition), lines.map((l) => l.comment), lines.map((l) => l.refundDueMinor)],
  );
}

const RETURN_COLUMNS = `id, order_id, company_id, channel, channel_kind, customer_id, customer_tier, store_location_id, refund_method, status, refund_status, policy_id, policy_version,
  rule, reason, rma_number, return_by, requested_at, requested_by, decided_by, decided_at, first_scanned_at`;

function returnOf(row: any): ReturnRow {
  return {
    returnId: row.id,
    orderId: row.order_id,
    companyId: row.company_id,
    channelId: row.channel,
    channelKind: row.channel_kind,
    customerId: row.customer_id,
    customerTier: row.customer_tier,
    storeLocationId: row.store_location_id,
    refundMethod: row.refund_method,
    status: row.status,
    refundStatus: row.refund_status,
    policyId: row.policy_id,
    policyVersion: row.policy_version,
    rule: row.rule,
    reason: row.reason,
    rmaNumber: row.rma_number,
    returnBy: row.return_by,
    requestedAt: row.requested_at,
    requestedBy: row.requested_by,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    firstScannedAt: row.first_scanned_at,
  };
}

export async function findReturn(manager: EntityManager, returnId: string, lock = false): Promise<ReturnRow | undefined> {
  const [row] = await manager.query(`SELECT ${RETURN_COLUMNS} FROM return_authorisations WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [returnId]);
  return row ? returnOf(row) : undefined;
}

export async function returnLines(manager: EntityManager, returnId: string): Promise<ReturnLineRow[]> {
  const rows = await manager.query(`SELECT * FROM return_lines WHERE return_id = $1 ORDER BY line_id`, [returnId]);
  return rows.map((row: any) => ({
    lineId: row.line_id,
    sku: row.sku,
    quantityMilli: Number(row.quantity_milli),
    reason: row.reason,
    statedCondition: row.stated_condition,
    comment: row.comment,
    refundDueMinor: Number(row.refund_due_minor),
    arrivedMilli: Number(row.arrived_milli),
  }));
}

export async function updateReturn(manager: EntityManager, returnId: string, change: Partial<Pick<ReturnRow, 'status' | 'refundStatus' | 'rule' | 'reason' | 'decidedBy' | 'decidedAt' | 'firstScannedAt'>>): Promise<void> {
  const columns: Record<string, string> = { status: 'status', refundStatus: 'refund_status', rule: 'rule', reason: 'reason', decidedBy: 'decided_by', decidedAt: 'decided_at', firstScannedAt: 'first_scanned_at' };
  const entries = Object.entries(change);
  await manager.query(
    `UPDATE return_authorisations SET ${entries.map(([name], index) => `${columns[name]} = $${index + 2}`).join(', ')}, version = version + 1, updated_at = now() WHERE id = $1`,
    [returnId, ...entries.map(([, value]) => value)],
  );
}

export async function recordArrivals(manager: EntityManager, returnId: string, arrived: Map<string, number>): Promise<void> {
  for (const [lineId, milli] of arrived) {
    await manager.query(`UPDATE return_lines SET arrived_milli = arrived_milli + $3 WHERE return_id = $1 AND line_id = $2`, [returnId, lineId, milli]);
  }
}

export interface ReceiptRow {
  receiptId: string;
  returnId: string;
  location: { locationId: string; locationType: string };
  receivedBy: string;
  lines: ReceiptLine[];
  receivedAt: Date;
}

export async function insertReceipt(manager: EntityManager, receipt: ReceiptRow): Promise<void> {
  await manager.query(`INSERT INTO return_receipts (receipt_id, return_id, location_id, location_type, received_by, lines, received_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`, [
    receipt.receiptId,
    receipt.returnId,
    receipt.location.locationId,
    receipt.location.locationType,
    receipt.receivedBy,
    JSON.stringify(receipt.lines),
    receipt.receivedAt,
  ]);
}

export interface RefundRow {
  refundId: string;
  returnId: string;
  /** The receipt it pays for; null for a refund on the carrier's first scan. */
  receiptId: string | null;
  orderId: string;
  method: 'ORIGINAL_PAYMENT' | 'STORE_CREDIT';
  status: 'pending' | 'issued' | 'failed';
  amountMinor: number;
  currency: string;
  lines: RefundedLine[];
  requestedAt: Date;
  settledAt: Date | null;
  gatewayReference: string | null;
  failureReason: string | null;
}

export async function insertRefund(manager: EntityManager, refund: RefundRow): Promise<void> {
  await manager.query(
    `INSERT INTO return_refunds (refund_id, return_id, receipt_id, order_id, method, status, amount_minor, currency, lines, requested_at, settled_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)`,
    [refund.refundId, refund.returnId, refund.receiptId, refund.orderId, refund.method, refund.status, refund.amountMinor, refund.currency, JSON.stringify(refund.lines), refund.requestedAt, refund.settledAt],
  );
}

function refundOf(row: any): RefundRow {
  return {
    refundId: row.refund_id,
    returnId: row.return_id,
    receiptId: row.receipt_id,
    orderId: row.order_id,
    method: row.method,
    status: row.status,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    lines: row.lines,
    requestedAt: row.requested_at,
    settledAt: row.settled_at,
    gatewayReference: row.gateway_reference,
    failureReason: row.failure_reason,
  };
}

/**
 * Settles a pending refund (issued or failed) and returns it; undefined when it is not ours or was
 * already settled: a second confirmation (a webhook delivered again, a replay) changes nothing.
 */
export async function settleRefund(manager: EntityManager, refundId: string, outcome: { status: 'issued'; gatewayReference: string } | { status: 'failed'; reason: string }, at: Date): Promise<RefundRow | undefined> {
  const [row] = await manager.query(
    // A CTE: TypeORM hands back an UPDATE's rows with its row count, a SELECT's as they are.
    `WITH settled AS (
       UPDATE return_refunds SET status = $2, gateway_reference = $3, failure_reason = $4, settled_at = $5
        WHERE refund_id = $1 AND status = 'pending' RETURNING *
     ) SELECT * FROM settled`,
    [refundId, outcome.status, outcome.status === 'issued' ? outcome.gatewayReference : null, outcome.status === 'failed' ? outcome.reason : null, at],
  );
  return row ? refundOf(row) : undefined;
}

export async function refundsOf(manager: EntityManager, returnId: string): Promise<RefundRow[]> {
  const rows = await manager.query(`SELECT * FROM return_refunds WHERE return_id = $1 ORDER BY requested_at, refund_id`, [returnId]);
  return rows.map(refundOf);
}

export async function receiptsOf(manager: EntityManager, returnId: string): Promise<ReceiptRow[]> {
  const rows = await manager.query(`SELECT * FROM return_receipts WHERE return_id = $1 ORDER BY received_at, receipt_id`, [returnId]);
  return rows.map((row: any) => ({ receiptId: row.receipt_id, returnId: row.return_id, location: { locationId: row.location_id, locationType: row.location_type }, receivedBy: row.received_by, lines: row.lines, receivedAt: row.received_at }));
}

export async function insertOdooCommand(manager: EntityManager, command: { commandId: string; returnId: string; commandType: string; at: Date }): Promise<void> {
  await manager.query(`INSERT INTO return_odoo_commands (command_id, return_id, command_type, sent_at) VALUES ($1, $2, $3, $4)`, [command.commandId, command.returnId, command.commandType, command.at]);
}

/** Records the adapter's answer to a command of ours once; undefined for another service's command or an answer already recorded. */
export async function settleOdooCommand(
  manager: EntityManager,
  commandId: string,
  outcome: { status: 'succeeded'; odooRecordId: number; odooRecordName: string | null } | { status: 'failed'; detail: string },
  at: Date,
): Promise<{ returnId: string; commandType: string } | undefined> {
  const [row] = await manager.query(
    `WITH settled AS (
       UPDATE return_odoo_commands SET status = $2, odoo_record_id = $3, odoo_record_name = $4, detail = $5, settled_at = $6
        WHERE command_id = $1 AND status = 'sent' RETURNING return_id, command_type
     ) SELECT * FROM settled`,
    [commandId, outcome.status, outcome.status === 'succeeded' ? outcome.odooRecordId : null, outcome.status === 'succeeded' ? outcome.odooRecordName : null, outcome.status === 'failed' ? outcome.detail : null, at],
  );
  return row ? { returnId: row.return_id, commandType: row.command_type } : undefined;
}

export async function odooCommandsOf(manager: EntityManager, returnId: string): Promise<any[]> {
  return manager.query(`SELECT command_id, command_type, status, odoo_record_id, odoo_record_name, detail, sent_at, settled_at FROM return_odoo_commands WHERE return_id = $1 ORDER BY sent_at, command_id`, [returnId]);
}

export interface TimelineEntry {
  what: string;
  detail?: string | null;
  actor?: string | null;
}

export async function appendTimeline(manager: EntityManager, returnId: string, at: Date, entries: TimelineEntry[], causeEventId: string | null = null): Promise<void> {
  for (const entry of entries) {
    await manager.query(`INSERT INTO return_timeline (return_id, at, what, detail, actor, cause_event_id) VALUES ($1, $2, $3, $4, $5, $6)`, [returnId, at, entry.what, entry.detail ?? null, entry.actor ?? null, causeEventId]);
  }
}

export async function timelineOf(manager: EntityManager, returnId: string): Promise<any[]> {
  return manager.query(`SELECT at, what, detail, actor, cause_event_id FROM return_timeline WHERE return_id = $1 ORDER BY id`, [returnId]);
}

export interface StoredResponse {
  fingerprint: string;
  route: string;
  status: number;
  response: unknown;
}

/**
 * The answer already given under this caller's Idempotency-Key, if any. The key is locked for the
 * transaction first, so a concurrent retry waits for the first request and then finds its answer.
 */
export async function claimIdempotencyKey(manager: EntityManager, caller: string, key: string): Promise<StoredResponse | undefined> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`${caller} ${key}`]);
  const [row] = await manager.query(`SELECT fingerprint, route, status, response FROM return_idempotency_keys WHERE caller = $1 AND idempotency_key = $2`, [caller, key]);
  return row ? { fingerprint: row.fingerprint, route: row.route, status: row.status, response: row.response } : undefined;
}

export async function storeIdempotentResponse(manager: EntityManager, caller: string, key: string, stored: StoredResponse): Promise<void> {
  await manager.query(`INSERT INTO return_idempotency_keys (caller, idempotency_key, route, fingerprint, status, response) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`, [
    caller,
    key,
    stored.route,
    stored.fingerprint,
    stored.status,
    JSON.stringify(stored.response),
  ]);
}
