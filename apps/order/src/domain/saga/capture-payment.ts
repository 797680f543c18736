import { CapturePayment, PaymentCaptured } from '@omnibus/contracts';
import { done, sagaStep, send } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';

/**
 * Takes the authorised amount once the order is released to the warehouse (web and app; per shipment
 * comes with shipments). After the pivot: a capture the gateway never confirms goes to review rather
 * than undoing the order. The command id is the gateway idempotency key, so a resend or a redelivery
 * captures once. Skipped when nothing was authorised here (prepaid channels, sagas older than payment).
 */
export const capturePayment = (timeouts: { stepMs: number }) =>
  sagaStep<OrderSagaData>('capturePayment', {
    skipIf: (data) => !data.payment || data.payment.policy === 'prepaid' || data.payment.status !== 'authorised',
    action: (data) =>
      send(CapturePayment.type, {
        orderId: data.orderId,
        companyId: data.companyId,
        gateway: data.payment.gateway,
        paymentId: data.payment.paymentId,
        gatewayReference: data.payment.gatewayReference,
        amount: data.payment.amount,
        shipmentId: null,
        finalCapture: true,
      }),
    on: {
      [PaymentCaptured.type]: (reply, data) => done({ ...data, payment: { ...data.payment, status: 'captured', capturedMinor: (reply.payload as PaymentCaptured).amount.amountMinor } }),
    },
    timeoutMs: timeouts.stepMs,
    // The gateway answers a repeated capture (same key) with its first answer.
    resends: 2,
  });
