import { defineSaga, SagaDefinition } from '@omnibus/saga';
import { authorisePayment } from './authorise-payment';
import { capturePayment } from './capture-payment';
import { createSaleOrder } from './create-sale-order';
import type { OrderSagaData } from './order-saga-data';
import { releaseToWarehouse } from './release-to-warehouse';
import { reserveStock } from './reserve-stock';

export interface OrderSagaTimeouts {
  reservationMs: number;
  /** How long the authorisation may take before the saga asks the gateway what became of it. */
  paymentMs: number;
  odooMs: number;
  compensationMs: number;
  reviewSlaMs: number;
}

export type OrderSaga = SagaDefinition<OrderSagaData>;

/**
 * The order journey as far as it runs today. Before the pivot a failure undoes what was done, newest
 * first (voids the authorisation, releases the reservation); once Odoo has the confirmed sale order,
 * failures go to review. Shipments, capture and invoicing come next. Still version 1: the payment step
 * only adds a step between two unchanged ones, so an instance started without it carries on.
 */
export function orderSaga(timeouts: OrderSagaTimeouts): OrderSaga {
  return defineSaga<OrderSagaData>({
    name: 'order',
    version: 1,
    steps: [
      reserveStock({ stepMs: timeouts.reservationMs, compensationMs: timeouts.compensationMs }),
      authorisePayment({ stepMs: timeouts.paymentMs, compensationMs: timeouts.compensationMs }),
      createSaleOrder({ stepMs: timeouts.odooMs, compensationMs: timeouts.compensationMs }),
      releaseToWarehouse({ stepMs: timeouts.reservationMs }),
      capturePayment({ stepMs: timeouts.paymentMs }),
    ],
    pivot: 'createSaleOrder',
    reviewSlaMs: timeouts.reviewSlaMs,
  });
}
