import { defineSaga, SagaDefinition } from '@omnibus/saga';
import { createSaleOrder } from './create-sale-order';
import type { OrderSagaData } from './order-saga-data';
import { releaseToWarehouse } from './release-to-warehouse';
import { reserveStock } from './reserve-stock';

export interface OrderSagaTimeouts {
  reservationMs: number;
  odooMs: number;
  compensationMs: number;
  reviewSlaMs: number;
}

export type OrderSaga = SagaDefinition<OrderSagaData>;

/**
 * The order journey as far as it runs today. Before the pivot a failure releases what was reserved
 * (newest first); once Odoo has the confirmed sale order, failures go to review. Payment, shipments,
 * capture and invoicing come next, under a new version.
 */
export function orderSaga(timeouts: OrderSagaTimeouts): OrderSaga {
  return defineSaga<OrderSagaData>({
    name: 'order',
    version: 1,
    steps: [
      reserveStock({ stepMs: timeouts.reservationMs, compensationMs: timeouts.compensationMs }),
      createSaleOrder({ stepMs: timeouts.odooMs, compensationMs: timeouts.compensationMs }),
      releaseToWarehouse({ stepMs: timeouts.reservationMs }),
    ],
    pivot: 'createSaleOrder',
    reviewSlaMs: timeouts.reviewSlaMs,
  });
}
