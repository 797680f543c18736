import { AuthorisePayment, PaymentAuthorized, PaymentDeclined, PaymentLinkSent, PaymentNotFound, PaymentVoided, QueryPayment, RefundFailed, RefundIssued, VoidPayment } from '@omnibus/contracts';
import { done, failed, Instruction, sagaCommandId, sagaStep, send, StepContext, waiting } from '@omnibus/saga';
import type { OrderSagaData, SagaRefund } from './order-saga-data';
import { answers, currentRefund, refundPayment } from './refunds';

/**
 * Authorises the order's amount at the gateway (for manual capture) after the stock is held and before
 * Odoo hears of the order. Our own gateway connector makes the HTTP call (AuthorisePayment on
 * payments.commands, the command id as idempotency key). A decline cancels the order. An overdue
 * answer is an unknown outcome, not a failure: the saga first asks the gateway (QueryPayment) and
 * carries on if it finds the authorisation; only a second silence or "not found" gives up. The undo
 * voids the authorisation (an authorisation never made counts as voided). Marketplace orders arrive
 * paid and skip the step.
 *
 * Pay by link (call centre): the same command with `payByLink`; the connector opens a checkout session
 * and answers PaymentLinkSent, and the step waits until the link lapses (plus the payment
 * timeout, for the gateway's last webhook) for the customer to pay. A declined try keeps it waiting (another card on the
 * same link). A lapsed link is queried as any overdue answer; "not found" then fails the step *and*
 * undoes it: the void expires the session, so nobody can pay an order that was cancelled.
 *
 * Undone after money was captured (an operator cancels an order in review, e.g. a parcel returned to
 * the sender): what is still authorised is voided and what was captured (less the saga's refunds) is
 * refunded; a refusal of that refund goes to review (the money cannot go back by itself).
 */
export const authorisePayment = (timeouts: { stepMs: number; compensationMs: number }) =>
  sagaStep<OrderSagaData>('authorisePayment', {
    // A saga started before this step existed has no payment data: it goes on as it began.
    skipIf: (data) => !data.payment || data.payment.policy === 'prepaid',
    action: (data, context) =>
      send(AuthorisePayment.type, {
        orderId: data.orderId,
        companyId: data.companyId,
        gateway: data.payment.gateway,
        amount: data.payment.amount,
        paymentToken: data.payment.token,
        // Web and app send exactly what they always sent.
        ...(isPayByLink(data) ? { payByLink: true, linkExpiresAt: new Date(Date.parse(context.at) + linkTimeoutOf(data)) } : {}),
      }),
    on: {
      [PaymentLinkSent.type]: (reply, data) => {
        const sent = reply.payload as PaymentLinkSent;
        return waiting({ ...data, payment: { ...data.payment, paymentId: sent.paymentId, link: { url: sent.url, expiresAt: new Date(sent.expiresAt).toISOString() } } });
      },
      [PaymentAuthorized.type]: (reply, data) => {
        const authorised = reply.payload as PaymentAuthorized;
        return done({ ...data, payment: { ...data.payment, status: 'authorised', paymentId: authorised.paymentId, gatewayReference: authorised.gatewayReference } });
      },
      [PaymentDeclined.type]: (reply, data, context) => {
        const declined = reply.payload as PaymentDeclined;
        if (isPayByLink(data)) {
          return waiting({ ...data, payment: { ...data.payment, lastDecline: { declineCode: declined.declineCode, reason: declined.reason, at: context.at } } });
        }
        return failed('PAYMENT_DECLINED', `${declined.reason}${declined.declineCode ? ` (${declined.declineCode})` : ''}`, {
          ...data,
          payment: { ...data.payment, status: 'declined', paymentId: declined.paymentId, declineCode: declined.declineCode },
        });
      },
      [PaymentNotFound.type]: (reply, data) => {
        const payment = { ...data.payment, paymentId: (reply.payload as PaymentNotFound).paymentId };
        return isPayByLink(data)
          ? failed('PAYMENT_LINK_LAPSED', 'the customer did not pay through the payment link before it lapsed', { ...data, payment }, { undo: true })
          : failed('PAYMENT_NOT_AUTHORISED', 'the gateway holds no authorisation for the order after its answer was overdue', { ...data, payment });
      },
    },
    // A link waits until it lapses, plus the payment timeout for the webhook of a payment made in its
    // last moment; its status query (and any web authorisation) the payment timeout.
    timeoutMs: (data, context) => (isPayByLink(data) && context.timeouts === 0 ? linkTimeoutOf(data) + timeouts.stepMs : timeouts.stepMs),
    onTimeout: (data, context) =>
      context.timeouts === 1 ? waiting(data, [send(QueryPayment.type, { orderId: data.orderId, companyId: data.companyId, gateway: data.payment.gateway, paymentId: authorisationId(data, context.attempt) }, { key: 'status-query' })]) : failed('STEP_TIMED_OUT'),
    compensation: {
      run: (data, context) => {
        // Everything captured: nothing is left to void (the gateway would refuse); the money goes back.
        if (data.payment.cancellationRefund || (data.payment.status === 'captured' && capturedNetMinor(data) > 0)) return refundCaptured(data, context).instruction;
        return send(VoidPayment.type, {
          orderId: data.orderId,
          companyId: data.companyId,
          gateway: data.payment.gateway,
          paymentId: data.payment.paymentId ?? authorisationId(data, context.attempt),
          gatewayReference: data.payment.gatewayReference,
          reason: 'order cancelled',
        });
      },
      on: {
        [PaymentVoided.type]: (_reply, data, context) => {
          if (capturedNetMinor(data) <= 0) return done({ ...data, payment: { ...data.payment, status: 'voided' } });
          // Partly captured: the rest is released, what was captured stays; it is refunded next.
          const refund = refundCaptured({ ...data, payment: { ...data.payment, status: 'captured' } }, context);
          return waiting(refund.data, [refund.instruction], { detail: `the rest of the authorisation released; refunding the ${refund.data.payment.cancellationRefund!.amountMinor} ${data.payment.amount.currency} captured` });
        },
        [PaymentNotFound.type]: (_reply, data) => done({ ...data, payment: { ...data.payment, status: 'voided' } }),
        // Only the refund this undo asked for (a return's refund of the same order is not it).
        [RefundIssued.type]: {
          matches: (reply, data, context) => answers(cancellationRefundOf(data, context), (reply.payload as RefundIssued).refundId),
          handle: (reply, data, context) => {
            const issued = reply.payload as RefundIssued;
            const payment = { ...data.payment, refundedMinor: (data.payment.refundedMinor ?? 0) + issued.amount.amountMinor, cancellationRefund: { ...cancellationRefundOf(data, context), state: 'issued' as const } };
            return done({ ...data, payment });
          },
        },
        [RefundFailed.type]: {
          matches: (reply, data, context) => answers(cancellationRefundOf(data, context), (reply.payload as RefundFailed).refundId),
          handle: (reply, data, context) => {
            const refused = reply.payload as RefundFailed;
            const payment = { ...data.payment, cancellationRefund: { ...cancellationRefundOf(data, context), state: 'failed' as const } };
            return failed('REFUND_FAILED', `the refund of the ${refused.amount.amountMinor} ${refused.amount.currency} captured for the cancelled order was refused: ${refused.reason}`, { ...data, payment });
          },
        },
      },
      timeoutMs: timeouts.compensationMs,
    },
  });

/** What the customer paid and was not given back by the saga. */
function capturedNetMinor(data: OrderSagaData): number {
  return (data.payment.capturedMinor ?? 0) - (data.payment.refundedMinor ?? 0);
}

/** The refund of what was captured for a cancelled order (the same refund id on every resend of the attempt). */
function refundCaptured(data: OrderSagaData, context: StepContext): { data: OrderSagaData; instruction: Instruction } {
  const refund = cancellationRefundOf(data, context);
  return { data: { ...data, payment: { ...data.payment, cancellationRefund: refund } }, instruction: refundPayment(data, refund, 'order cancelled after its payment was captured', 'refund') };
}

/** The undo's refund as asked for, or as it is asked for in this attempt (derived: the undo's `run` keeps no data). */
function cancellationRefundOf(data: OrderSagaData, context: StepContext): SagaRefund {
  const refundId = sagaCommandId({ saga: 'order', sagaId: data.orderId, step: 'authorisePayment', phase: 'compensation', attempt: context.attempt, key: 'refund' });
  return currentRefund(data.payment.cancellationRefund, refundId, capturedNetMinor(data));
}

function isPayByLink(data: OrderSagaData): boolean {
  return data.payment?.policy === 'pay_by_link';
}

function linkTimeoutOf(data: OrderSagaData): number {
  return data.payment.linkTimeoutMs ?? 24 * 3600_000;
}

/** The id (and gateway idempotency key) of the attempt's AuthorisePayment: the saga's derived id of the step's action. */
export function authorisationId(data: Pick<OrderSagaData, 'orderId'>, attempt: number): string {
  return sagaCommandId({ saga: 'order', sagaId: data.orderId, step: 'authorisePayment', phase: 'action', attempt });
}
