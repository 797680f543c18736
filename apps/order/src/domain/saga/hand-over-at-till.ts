import { OdooCommandFailed, OdooCommandSucceeded, ValidateDelivery } from '@omnibus/contracts';
import { done, failed, sagaCommandId, sagaStep, send } from '@omnibus/saga';
import type { OrderSagaData, SagaShipment } from './order-saga-data';

export const HAND_OVER_AT_TILL = 'handOverAtTill';

/**
 * A till sale (POS, capture at once): the customer leaves with the goods, so the Odoo delivery is
 * validated for everything at once from the store that holds the stock, and the order counts as
 * delivered; the capture, the invoice and its payment follow without waiting for a carrier.
 */
export const handOverAtTill = (timeouts: { stepMs: number }) =>
  sagaStep<OrderSagaData>(HAND_OVER_AT_TILL, {
    skipIf: (data) => data.payment?.policy !== 'capture_at_once' || data.shipments === undefined || !data.reservation,
    action: (data, context) => {
      const shipment = tillShipment(data, context.attempt);
      const location = data.reservation!.lines[0].location;
      return send(ValidateDelivery.type, {
        orderId: data.orderId,
        shipmentId: shipment.shipmentId,
        companyId: data.companyId,
        fromLocation: { locationId: location.locationId, locationType: location.locationType },
        lines: data.lines,
        carrier: 'till',
        trackingNumber: null,
      });
    },
    on: {
      [OdooCommandSucceeded.type]: {
        matches: (reply) => (reply.payload as OdooCommandSucceeded).commandType === ValidateDelivery.type,
        handle: (_reply, data, context) => done({ ...data, shipments: [{ ...tillShipment(data, context.attempt), validated: true }] }),
      },
      [OdooCommandFailed.type]: {
        matches: (reply) => (reply.payload as OdooCommandFailed).commandType === ValidateDelivery.type,
        handle: (reply) => {
          const result = reply.payload as OdooCommandFailed;
          return failed('DELIVERY_NOT_VALIDATED', `Odoo did not validate the till hand-over (${result.failure}): ${result.errorMessage}`);
        },
      },
    },
    timeoutMs: timeouts.stepMs,
    // The adapter finds a picking it already validated by the shipment id: a resend validates once.
    resends: 1,
  });

/** The one "shipment" of a till sale: everything, handed over, from the store the stock was held at. */
function tillShipment(data: OrderSagaData, attempt: number): SagaShipment {
  return {
    shipmentId: `till:${data.orderId}`,
    carrier: 'till',
    trackingNumber: null,
    fromLocationId: data.reservation!.lines[0].location.locationId,
    lines: data.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, milli: line.quantity.milli })),
    final: true,
    validationCommandId: sagaCommandId({ saga: 'order', sagaId: data.orderId, step: HAND_OVER_AT_TILL, phase: 'action', attempt }),
    validated: false,
    capture: 'none',
    captureMinor: 0,
    status: 'delivered',
    exception: null,
  };
}
