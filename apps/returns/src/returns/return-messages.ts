import { CreateCreditNote, CreateReturnPicking, RefundPayment, ReturnAuthorized, ReturnDispositioned, ReturnReceived, ReturnRefunded, ReturnRejected, ReturnRequested, type EventContract } from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import type { RefundRow, ReturnLineRow, ReturnRow } from './return-store';

/** The events and commands of a return, keyed by their contract's key (the return id; RefundPayment: the order id). */
export type TopicOf = (catalogueTopic: string) => string;

export function eventOf<T>(topicOf: TopicOf, contract: EventContract<T>, payload: T): OutgoingEvent<T> {
  return { topic: topicOf(contract.topic), type: contract.type, key: contract.keyOf(payload), payload };
}

export function returnAuthorized(row: ReturnRow, lines: ReturnLineRow[], currency: string, at: Date): ReturnAuthorized {
  return {
    returnId: row.returnId,
    orderId: row.orderId,
    companyId: row.companyId,
    rmaNumber: row.rmaNumber!,
    lines: lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: { milli: line.quantityMilli }, refundAmount: { amountMinor: line.refundDueMinor, currency } })),
    policyId: row.policyId!,
    returnBy: row.returnBy!,
    returnLabelUrl: null,
    occurredAt: at,
  };
}

export function returnRejected(row: ReturnRow, rule: string, reason: string, at: Date): ReturnRejected {
  return { returnId: row.returnId, orderId: row.orderId, companyId: row.companyId, policyId: row.policyId ?? 'none', policyVersion: row.policyVersion ?? 0, rule, reason, occurredAt: at };
}

/** RefundPayment: the refund id is its command id too (one refund per receipt), so a resend is the same gateway refund. */
export function refundPayment(refund: RefundRow, companyId: string, rmaNumber: string): RefundPayment {
  return {
    commandId: refund.refundId,
    refundId: refund.refundId,
    orderId: refund.orderId,
    companyId,
    returnId: refund.returnId,
    amount: { amountMinor: refund.amountMinor, currency: refund.currency },
    reason: `return ${rmaNumber} received`,
    occurredAt: refund.requestedAt,
  };
}

/** ReturnRefunded and the Odoo credit note, once the money went back. */
export function refundSettledEvents(topicOf: TopicOf, refund: RefundRow, row: ReturnRow, creditNoteCommandId: string, at: Date): OutgoingEvent[] {
  const amounts = { lines: refund.lines, shippingRefund: { amountMinor: 0, currency: refund.currency }, total: { amountMinor: refund.amountMinor, currency: refund.currency } };
  const refunded: ReturnRefunded = { returnId: row.returnId, orderId: row.orderId, companyId: row.companyId, refundId: refund.refundId, ...amounts, occurredAt: at };
  const creditNote: CreateCreditNote = {
    commandId: creditNoteCommandId,
    returnId: row.returnId,
    orderId: row.orderId,
    companyId: row.companyId,
    refundId: refund.refundId,
    reason: `return ${row.rmaNumber}${refund.method === 'STORE_CREDIT' ? ' (store credit)' : ''}`,
    ...amounts,
    occurredAt: at,
  };
  return [eventOf(topicOf, ReturnRefunded, refunded), eventOf(topicOf, CreateCreditNote, creditNote)];
}

export { CreateReturnPicking, ReturnDispositioned, ReturnReceived, ReturnRequested, RefundPayment, ReturnAuthorized, ReturnRejected };
