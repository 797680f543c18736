import { ShipmentDelivered, ShipmentTrackingUpdated } from '@omnibus/contracts';
import { change, done, sagaStep, waiting } from '@omnibus/saga';
import { trackingUpdated } from './await-shipments';
import type { OrderSagaData } from './order-saga-data';
import { allDelivered, findShipment, withShipment } from './shipments';

/**
 * Waits until the carriers have delivered every shipment; then the order is complete. Deliveries the
 * carriers reported earlier were recorded on the way (skipped when all are in). A parcel returned to
 * the sender goes to review: reship, refund or accept is a person's decision.
 */
export const awaitDelivery = (timeouts: { stepMs: number }) =>
  sagaStep<OrderSagaData>('awaitDelivery', {
    skipIf: (data) => !data.shipments || data.shipments.length === 0 || allDelivered(data),
    action: (data) => change('awaitDelivery', { orderId: data.orderId }),
    on: {
      [ShipmentDelivered.type]: {
        matches: (reply, data) => findShipment(data, (reply.payload as ShipmentDelivered).shipmentId) !== undefined,
        handle: (reply, data) => {
          const next = withShipment(data, (reply.payload as ShipmentDelivered).shipmentId, (shipment) => ({ ...shipment, status: 'delivered' }));
          return allDelivered(next) ? done(next) : waiting(next);
        },
      },
      [ShipmentTrackingUpdated.type]: {
        matches: (reply, data) => findShipment(data, (reply.payload as ShipmentTrackingUpdated).shipmentId) !== undefined,
        handle: (reply, data) => trackingUpdated(reply.payload as ShipmentTrackingUpdated, data),
      },
    },
    timeoutMs: timeouts.stepMs,
    resends: 0,
  });
