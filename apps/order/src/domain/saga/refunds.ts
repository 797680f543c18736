import { RefundPayment } from '@omnibus/contracts';
import { Instruction, send } from '@omnibus/saga';
import type { OrderSagaData, SagaRefund } from './order-saga-data';

/**
 * The saga's own refunds (a rest-cancel's over-capture, the undo of a captured payment): each asked for
 * once per attempt under a refund id derived like a command id, so a resend or a replay is the same
 * refund; an operator's retry after a refusal is a new attempt and so a new refund (the refused one
 * stays refused at the connector). Pure.
 */

/** The refund as asked for, or as this attempt (`refundId`) asks for it: afresh after a refusal in an earlier attempt. */
export function currentRefund(asked: SagaRefund | null | undefined, refundId: string, amountMinor: number): SagaRefund {
  if (asked && !(asked.state === 'failed' && asked.refundId !== refundId)) return asked;
  return { refundId, amountMinor: asked?.amountMinor ?? amountMinor, state: 'pending' };
}

/** An answer (RefundIssued / RefundFailed) is about this refund, still waited for. */
export function answers(refund: SagaRefund | null | undefined, refundId: string): boolean {
  return refund?.state === 'pending' && refund.refundId === refundId;
}

/** RefundPayment of the order's payment (`key` names the refund among the step's instructions). */
export function refundPayment(data: OrderSagaData, refund: SagaRefund, reason: string, key: string): Instruction {
  return send(
    RefundPayment.type,
    { refundId: refund.refundId, orderId: data.orderId, companyId: data.companyId, returnId: null, amount: { amountMinor: refund.amountMinor, currency: data.payment.amount.currency }, reason },
    { key },
  );
}
