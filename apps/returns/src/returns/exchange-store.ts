import type { ExchangeRequested } from '@omnibus/contracts';
import type { EntityManager } from 'typeorm';
import type { PricedExchange, PricedExchangeLine } from '../domain/exchange';

/** The SQL of exchanges (table return_exchanges): one per return. */
export interface ExchangeRow extends PricedExchange {
  exchangeId: string;
  returnId: string;
  replacementOrderId: string;
  /** Per returned line: what of its replacement the returned goods still pay for (settled at receipts). */
  owedByGoods: Record<string, number>;
  requestedAt: Date;
  publishedAt: Date | null;
  /** The replacement order was cancelled (out of stock, the customer): the return is refunded as a plain one. */
  replacementCancelledAt?: Date | null;
}

export async function insertExchange(manager: EntityManager, row: ExchangeRow): Promise<void> {
  await manager.query(
    `INSERT INTO return_exchanges (exchange_id, return_id, replacement_order_id, lines, currency, credit_minor, replacement_total_minor, amount_to_charge_minor, amount_to_refund_minor, owed_by_goods, requested_at, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [row.exchangeId, row.returnId, row.replacementOrderId, JSON.stringify(row.lines), row.credit.currency, row.credit.amountMinor, row.replacementTotal.amountMinor, row.amountToCharge.amountMinor, row.amountToRefund.amountMinor, JSON.stringify(row.owedByGoods), row.requestedAt, row.publishedAt],
  );
}

export async function exchangeOf(manager: EntityManager, returnId: string): Promise<ExchangeRow | undefined> {
  const [row] = await manager.query(`SELECT * FROM return_exchanges WHERE return_id = $1`, [returnId]);
  if (!row) return undefined;
  const money = (amountMinor: string | number) => ({ amountMinor: Number(amountMinor), currency: row.currency as string });
  return {
    exchangeId: row.exchange_id,
    returnId: row.return_id,
    replacementOrderId: row.replacement_order_id,
    lines: row.lines as PricedExchangeLine[],
    credit: money(row.credit_minor),
    replacementTotal: money(row.replacement_total_minor),
    amountToCharge: money(row.amount_to_charge_minor),
    amountToRefund: money(row.amount_to_refund_minor),
    owedByGoods: row.owed_by_goods,
    requestedAt: row.requested_at,
    publishedAt: row.published_at,
    replacementCancelledAt: row.replacement_cancelled_at,
  };
}

export async function updateExchange(manager: EntityManager, exchangeId: string, change: { owedByGoods?: Record<string, number>; publishedAt?: Date }): Promise<void> {
  await manager.query(`UPDATE return_exchanges SET owed_by_goods = COALESCE($2::jsonb, owed_by_goods), published_at = COALESCE($3, published_at) WHERE exchange_id = $1`, [
    exchangeId,
    change.owedByGoods ? JSON.stringify(change.owedByGoods) : null,
    change.publishedAt ?? null,
  ]);
}

export function exchangeRequested(row: ExchangeRow, ret: { orderId: string; companyId: string; rmaNumber: string }, at: Date): ExchangeRequested {
  return {
    exchangeId: row.exchangeId,
    returnId: row.returnId,
    replacementOrderId: row.replacementOrderId,
    rmaNumber: ret.rmaNumber,
    orderId: ret.orderId,
    companyId: ret.companyId,
    lines: row.lines.map((line) => ({
      returnedLineId: line.returnedLineId,
      returnedSku: line.returnedSku,
      returnedQuantity: { milli: line.returnedQuantityMilli },
      credit: line.credit,
      sku: line.sku,
      name: line.name,
      quantity: { milli: line.quantityMilli },
      unitPrice: line.unitPrice,
      total: line.total,
    })),
    credit: row.credit,
    replacementTotal: row.replacementTotal,
    amountToCharge: row.amountToCharge,
    amountToRefund: row.amountToRefund,
    occurredAt: at,
  };
}

/**
 * The replacement order was cancelled: the exchange falls through, once. The returned goods owe the
 * replacement nothing any more, and each exchanged line's refund due is its whole credit again.
 * Gives the return id, or undefined when the order replaces nothing (or was cancelled already).
 */
export async function cancelReplacement(manager: EntityManager, replacementOrderId: string, reason: string, at: Date): Promise<ExchangeRow | undefined> {
  // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
  const [[row]] = await manager.query(
    `UPDATE return_exchanges SET replacement_cancelled_at = $2, replacement_cancel_reason = $3, owed_by_goods = (SELECT coalesce(jsonb_object_agg(key, 0), '{}'::jsonb) FROM jsonb_each(owed_by_goods))
      WHERE replacement_order_id = $1 AND replacement_cancelled_at IS NULL RETURNING return_id`,
    [replacementOrderId, at, reason],
  );
  if (!row) return undefined;
  const exchange = (await exchangeOf(manager, row.return_id))!;
  for (const line of exchange.lines) {
    await manager.query(`UPDATE return_lines SET refund_due_minor = $3 WHERE return_id = $1 AND line_id = $2`, [exchange.returnId, line.returnedLineId, line.credit.amountMinor]);
  }
  return exchange;
}
