import { CancelSaleOrder, CreateSaleOrder, OdooCommandFailed, OdooCommandSucceeded } from '@omnibus/contracts';
import { done, failed, sagaStep, send } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';

/**
 * Creates and confirms the Odoo sale order through the adapter, shipping from where the stock is
 * reserved. Odoo refusing it fails the step (the reservation is released); the adapter's result
 * echoes our command id, so a result of another command is stale. The undo (after a timeout, when the
 * sale order may exist) cancels it; a sale order that does not exist counts as cancelled.
 */
export const createSaleOrder = (timeouts: { stepMs: number; compensationMs: number }) =>
  sagaStep<OrderSagaData>('createSaleOrder', {
    // After short stock, only what is kept (re-priced) goes to Odoo.
    action: (data) => send(CreateSaleOrder.type, { fulfilmentLocations: data.reservation?.lines ?? [], ...(data.shortStock?.cancelled.length ? { keptLines: data.lines } : {}) }),
    on: {
      [OdooCommandSucceeded.type]: (reply, data) => {
        const result = reply.payload as OdooCommandSucceeded;
        return done({ ...data, saleOrder: { id: result.odooRecordId, name: result.odooRecordName } });
      },
      [OdooCommandFailed.type]: (reply, data) => {
        const result = reply.payload as OdooCommandFailed;
        return failed('ODOO_REJECTED', `Odoo refused the sale order (${result.failure}): ${result.errorMessage}`, {
          ...data,
          odooRefusal: { failure: result.failure, message: result.errorMessage },
        });
      },
    },
    timeoutMs: timeouts.stepMs,
    // The adapter finds a sale order by our order id, so a resend never creates a second one.
    resends: 1,
    compensation: {
      run: (data) => send(CancelSaleOrder.type, { orderId: data.orderId, companyId: data.companyId, reason: 'order cancelled by the order saga', keepDelivered: false }),
      on: {
        [OdooCommandSucceeded.type]: () => done(),
        [OdooCommandFailed.type]: (reply) => failed('ODOO_CANCEL_REFUSED', (reply.payload as OdooCommandFailed).errorMessage),
      },
      timeoutMs: timeouts.compensationMs,
    },
  });
