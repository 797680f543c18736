import { CreateInvoice, OdooCommandFailed, OdooCommandSucceeded, RegisterPayment } from '@omnibus/contracts';
import { done, failed, sagaCommandId, sagaStep, send } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';

const INVOICE_STEP = 'invoiceOrder';

/**
 * Asks Odoo for the customer invoice of what was delivered, once everything has shipped and been
 * captured: the adapter creates and posts it with our invoice id as its reference, so a resend or a
 * replay finds it instead of billing twice. After the pivot: a refusal goes to review.
 */
export const invoiceOrder = (timeouts: { stepMs: number }) =>
  sagaStep<OrderSagaData>(INVOICE_STEP, {
    // Sagas that never reached Odoo have nothing to invoice.
    skipIf: (data) => !data.saleOrder,
    action: (data, context) =>
      send(CreateInvoice.type, {
        orderId: data.orderId,
        companyId: data.companyId,
        invoiceId: invoiceIdOf(data, context.attempt),
        // Everything Odoo has to invoice: the delivered quantities of the validated deliveries.
        lines: [],
        invoiceDate: null,
      }),
    on: {
      [OdooCommandSucceeded.type]: {
        matches: (reply) => (reply.payload as OdooCommandSucceeded).commandType === CreateInvoice.type,
        handle: (reply, data, context) => {
          const result = reply.payload as OdooCommandSucceeded;
          return done({ ...data, invoice: { invoiceId: invoiceIdOf(data, context.attempt), odooId: result.odooRecordId, name: result.odooRecordName } });
        },
      },
      [OdooCommandFailed.type]: {
        matches: (reply) => (reply.payload as OdooCommandFailed).commandType === CreateInvoice.type,
        handle: (reply) => {
          const result = reply.payload as OdooCommandFailed;
          return failed('INVOICE_REFUSED', `Odoo refused the invoice (${result.failure}): ${result.errorMessage}`);
        },
      },
    },
    timeoutMs: timeouts.stepMs,
    // The adapter finds the invoice by our reference: a resend never creates a second one.
    resends: 1,
  });

/**
 * Registers the captured money as paid on the Odoo invoice (the gateway's bank journal), so the invoice
 * is reconciled. The payment's memo is our payment id: a resend finds it instead of paying twice.
 */
export const registerPaymentInOdoo = (settings: { stepMs: number; journalCode: string }) =>
  sagaStep<OrderSagaData>('registerPaymentInOdoo', {
    skipIf: (data) => !data.invoice || !data.payment?.paymentId || !((data.payment.capturedMinor ?? 0) - (data.payment.refundedMinor ?? 0) > 0),
    action: (data, context) =>
      send(RegisterPayment.type, {
        orderId: data.orderId,
        companyId: data.companyId,
        paymentId: data.payment.paymentId,
        invoiceId: data.invoice!.invoiceId,
        // What the customer paid in the end: captured, less what the saga refunded.
        amount: { amountMinor: (data.payment.capturedMinor ?? 0) - (data.payment.refundedMinor ?? 0), currency: data.payment.amount.currency },
        journalCode: settings.journalCode,
        paymentDate: context.at.slice(0, 10),
      }),
    on: {
      [OdooCommandSucceeded.type]: {
        matches: (reply) => (reply.payload as OdooCommandSucceeded).commandType === RegisterPayment.type,
        handle: (_reply, data) => done({ ...data, paymentRegistered: true }),
      },
      [OdooCommandFailed.type]: {
        matches: (reply) => (reply.payload as OdooCommandFailed).commandType === RegisterPayment.type,
        handle: (reply) => {
          const result = reply.payload as OdooCommandFailed;
          return failed('PAYMENT_NOT_REGISTERED', `Odoo refused to register the payment on the invoice (${result.failure}): ${result.errorMessage}`);
        },
      },
    },
    timeoutMs: settings.stepMs,
    resends: 1,
  });

/** The invoice id (its reference in Odoo): derived like a command id, so a replay asks for the same invoice. */
function invoiceIdOf(data: Pick<OrderSagaData, 'orderId'>, attempt: number): string {
  return sagaCommandId({ saga: 'order', sagaId: data.orderId, step: INVOICE_STEP, phase: 'invoice', attempt });
}
