import { formatQuantity } from '@omnibus/contracts';
import type { EntityManager } from 'typeorm';
import { exchangeOf } from './exchange-store';
import { findReturn, odooCommandsOf, receiptsOf, refundsOf, returnLines, timelineOf } from './return-store';

/** GET /returns/:id: the return, its lines, receipts, refunds, Odoo records and timeline (oldest first). */
export async function loadReturnView(manager: EntityManager, returnId: string) {
  const row = await findReturn(manager, returnId);
  if (!row) return undefined;
  const [lines, receipts, refunds, odoo, timeline, exchange] = await Promise.all([returnLines(manager, returnId), receiptsOf(manager, returnId), refundsOf(manager, returnId), odooCommandsOf(manager, returnId), timelineOf(manager, returnId), exchangeOf(manager, returnId)]);
  const milli = (value: number) => formatQuantity({ milli: value });
  return {
    returnId: row.returnId,
    rmaNumber: row.rmaNumber,
    orderId: row.orderId,
    channel: { channelId: row.channelId, kind: row.channelKind },
    status: row.status,
    refundStatus: row.refundStatus,
    refundMethod: row.refundMethod,
    policy: row.policyId ? { policyId: row.policyId, version: row.policyVersion } : null,
    rule: row.rule,
    reason: row.reason,
    requestedAt: row.requestedAt.toISOString(),
    returnBy: row.returnBy?.toISOString() ?? null,
    decidedBy: row.decidedBy,
    lines: lines.map((line) => ({
      lineId: line.lineId,
      sku: line.sku,
      quantity: milli(line.quantityMilli),
      reason: line.reason,
      statedCondition: line.statedCondition,
      comment: line.comment,
      refundDue: line.refundDueMinor,
      arrived: milli(line.arrivedMilli),
    })),
    receipts: receipts.map((receipt) => ({
      receiptId: receipt.receiptId,
      location: receipt.location,
      receivedBy: receipt.receivedBy,
      receivedAt: receipt.receivedAt.toISOString(),
      lines: receipt.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, units: line.units.map((unit) => ({ disposition: unit.disposition, quantity: milli(unit.quantityMilli), condition: unit.condition })) })),
    })),
    refunds: refunds.map((refund) => ({
      refundId: refund.refundId,
      receiptId: refund.receiptId,
      method: refund.method,
      status: refund.status,
      amount: { amountMinor: refund.amountMinor, currency: refund.currency },
      lines: refund.lines.map((line) => ({ ...line, quantity: milli(line.quantity.milli) })),
      gatewayReference: refund.gatewayReference,
      failureReason: refund.failureReason,
    })),
    odoo: odoo.map((command) => ({
      commandId: command.command_id,
      commandType: command.command_type,
      status: command.status,
      odooRecordId: command.odoo_record_id === null ? null : Number(command.odoo_record_id),
      odooRecordName: command.odoo_record_name,
      detail: command.detail,
    })),
    /** The replacements and the price difference; the replacement order is placed by the order service under `replacementOrderId`. */
    exchange: exchange
      ? {
          exchangeId: exchange.exchangeId,
          replacementOrderId: exchange.replacementOrderId,
          state: exchange.replacementCancelledAt ? 'replacement-cancelled' : exchange.publishedAt ? 'replacement-ordered' : row.status === 'rejected' ? 'refused' : 'awaiting-review',
          lines: exchange.lines.map((line) => ({ returnedLineId: line.returnedLineId, returnedSku: line.returnedSku, returnedQuantity: milli(line.returnedQuantityMilli), credit: line.credit, sku: line.sku, name: line.name, quantity: milli(line.quantityMilli), unitPrice: line.unitPrice, total: line.total })),
          credit: exchange.credit,
          replacementTotal: exchange.replacementTotal,
          amountToCharge: exchange.amountToCharge,
          amountToRefund: exchange.amountToRefund,
        }
      : null,
    timeline: timeline.map((entry) => ({ at: entry.at.toISOString(), what: entry.what, detail: entry.detail, actor: entry.actor, causeEventId: entry.cause_event_id })),
  };
}

export type ReturnView = NonNullable<Awaited<ReturnType<typeof loadReturnView>>>;
