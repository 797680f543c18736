import { CapturePayment, PaymentCaptured } from '@omnibus/contracts';
import { done, sagaStep, send } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';

/**
 * Takes what is still authorised and not captured, once everything has shipped: all of it for channels
 * that capture at the end, and nothing for those that captured each shipment (skipped). After the
 * pivot: a capture the gateway never confirms goes to review rather than undoing the order. The command
 * id is the gateway idempotency key, so a resend or a redelivery captures once. Skipped when nothing was
 * authorised here (prepaid channels, sagas older than payment).
 */
export const capturePayment = (timeouts: { stepMs: number }) =>
  sagaStep<OrderSagaData>('capturePayment', {
    skipIf: (data) => !data.payment || data.payment.policy === 'prepaid' || !['authorised', 'partially_captured'].includes(data.payment.status) || remainingMinor(data) <= 0,
    action: (data) =>
      send(CapturePayment.type, {
        orderId: data.orderId,
        companyId: data.companyId,
        gateway: data.payment.gateway,
        paymentId: data.payment.paymentId,
        gatewayReference: data.payment.gatewayReference,
        amount: { amountMinor: remainingMinor(data), currency: data.payment.amount.currency },
        shipmentId: null,
        finalCapture: true,
      }),
    on: {
      [PaymentCaptured.type]: {
        // A late answer to a shipment's capture is not this one.
        matches: (reply) => (reply.payload as PaymentCaptured).shipmentId === null,
        handle: (reply, data) =>
          done({ ...data, payment: { ...data.payment, status: 'captured', capturedMinor: (data.payment.capturedMinor ?? 0) + (reply.payload as PaymentCaptured).amount.amountMinor } }),
      },
    },
    timeoutMs: timeouts.stepMs,
    // The gateway answers a repeated capture (same key) with its first answer.
    resends: 2,
  });

function remainingMinor(data: OrderSagaData): number {
  return data.payment.amount.amountMinor - (data.payment.capturedMinor ?? 0);
}
