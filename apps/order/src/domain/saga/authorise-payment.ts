import { AuthorisePayment, PaymentAuthorized, PaymentDeclined, PaymentNotFound, PaymentVoided, QueryPayment, VoidPayment } from '@omnibus/contracts';
import { done, failed, sagaCommandId, sagaStep, send, waiting } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';

/**
 * Authorises the order's amount at the gateway (for manual capture) after the stock is held and before
 * Odoo hears of the order. Our own gateway connector makes the HTTP call (AuthorisePayment on
 * payments.commands, the command id as idempotency key). A decline cancels the order. An overdue
 * answer is an unknown outcome, not a failure: the saga first asks the gateway (QueryPayment) and
 * carries on if it finds the authorisation; only a second silence or "not found" gives up. The undo
 * voids the authorisation (an authorisation never made counts as voided). Marketplace orders arrive
 * paid and skip the step.
 */
export const authorisePayment = (timeouts: { stepMs: number; compensationMs: number }) =>
  sagaStep<OrderSagaData>('authorisePayment', {
    // A saga started before this step existed has no payment data: it goes on as it began.
    skipIf: (data) => !data.payment || data.payment.policy === 'prepaid',
    action: (data) => send(AuthorisePayment.type, { orderId: data.orderId, companyId: data.companyId, gateway: data.payment.gateway, amount: data.payment.amount, paymentToken: data.payment.token }),
    on: {
      [PaymentAuthorized.type]: (reply, data) => {
        const authorised = reply.payload as PaymentAuthorized;
        return done({ ...data, payment: { ...data.payment, status: 'authorised', paymentId: authorised.paymentId, gatewayReference: authorised.gatewayReference } });
      },
      [PaymentDeclined.type]: (reply, data) => {
        const declined = reply.payload as PaymentDeclined;
        return failed('PAYMENT_DECLINED', `${declined.reason}${declined.declineCode ? ` (${declined.declineCode})` : ''}`, {
          ...data,
          payment: { ...data.payment, status: 'declined', paymentId: declined.paymentId, declineCode: declined.declineCode },
        });
      },
      [PaymentNotFound.type]: (reply, data) =>
        failed('PAYMENT_NOT_AUTHORISED', 'the gateway holds no authorisation for the order after its answer was overdue', { ...data, payment: { ...data.payment, paymentId: (reply.payload as PaymentNotFound).paymentId } }),
    },
    timeoutMs: timeouts.stepMs,
    onTimeout: (data, context) =>
      context.timeouts === 1 ? waiting(data, [send(QueryPayment.type, { orderId: data.orderId, companyId: data.companyId, gateway: data.payment.gateway, paymentId: authorisationId(data, context.attempt) }, { key: 'status-query' })]) : failed('STEP_TIMED_OUT'),
    compensation: {
      run: (data, context) =>
        send(VoidPayment.type, {
          orderId: data.orderId,
          companyId: data.companyId,
          gateway: data.payment.gateway,
          paymentId: data.payment.paymentId ?? authorisationId(data, context.attempt),
          gatewayReference: data.payment.gatewayReference,
          reason: 'order cancelled',
        }),
      on: {
        [PaymentVoided.type]: (_reply, data) => done({ ...data, payment: { ...data.payment, status: 'voided' } }),
        [PaymentNotFound.type]: (_reply, data) => done({ ...data, payment: { ...data.payment, status: 'voided' } }),
      },
      timeoutMs: timeouts.compensationMs,
    },
  });

/** The id (and gateway idempotency key) of the attempt's AuthorisePayment: the saga's derived id of the step's action. */
export function authorisationId(data: Pick<OrderSagaData, 'orderId'>, attempt: number): string {
  return sagaCommandId({ saga: 'order', sagaId: data.orderId, step: 'authorisePayment', phase: 'action', attempt });
}
