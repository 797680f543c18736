import type { SagaState } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';

/**
 * The three statuses retail systems keep on an order, derived from its saga (never stored apart from
 * it, so they cannot disagree). Payment authorisation is not a step yet: payment stays `pending`
 * until the gateway step exists, and `cancelled` when the order is.
 */
export const ORDER_STATUSES = ['accepted', 'stock_reserved', 'confirmed_in_odoo', 'released_to_warehouse', 'cancelling', 'cancelled', 'flagged_for_review'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type PaymentStatus = 'pending' | 'cancelled';
export type FulfilmentStatus = 'awaiting_stock' | 'stock_reserved' | 'released_to_warehouse' | 'stock_released' | 'not_fulfilled';

export interface OrderStatuses {
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  fulfilmentStatus: FulfilmentStatus;
  /** Why the order is where it is, in words (for the status history). */
  detail: string;
}

export function orderStatuses(state: SagaState<OrderSagaData>): OrderStatuses {
  const { data, failure } = state;
  // A reservation is undone when its release is confirmed; a timed-out reservation may exist, so it is released too.
  const released = (state.completed.includes('reserveStock') || (failure?.step === 'reserveStock' && failure.reason === 'STEP_TIMED_OUT')) && !state.toCompensate.includes('reserveStock');
  const why = failure ? `${failure.reason}${failure.detail ? `: ${failure.detail}` : ''}` : '';
  switch (state.status) {
    case 'not_started':
    case 'running':
      if (state.step === 'releaseToWarehouse') {
        return { status: 'confirmed_in_odoo', paymentStatus: 'pending', fulfilmentStatus: 'stock_reserved', detail: `Odoo sale order ${saleOrderName(data)} confirmed; releasing to the warehouse` };
      }
      if (state.step === 'createSaleOrder') {
        return { status: 'stock_reserved', paymentStatus: 'pending', fulfilmentStatus: 'stock_reserved', detail: `stock reserved (${data.reservation?.reservationId}); creating the Odoo sale order` };
      }
      return { status: 'accepted', paymentStatus: 'pending', fulfilmentStatus: 'awaiting_stock', detail: 'accepted; reserving stock' };
    case 'completed':
      return { status: 'released_to_warehouse', paymentStatus: 'pending', fulfilmentStatus: 'released_to_warehouse', detail: `stock committed; Odoo sale order ${saleOrderName(data)} released to the warehouse` };
    case 'compensating':
      return { status: 'cancelling', paymentStatus: 'cancelled', fulfilmentStatus: released ? 'stock_released' : state.toCompensate.includes('reserveStock') && data.reservation ? 'stock_reserved' : 'not_fulfilled', detail: `cancelling after ${failure?.step}: ${why}` };
    case 'compensated':
      return {
        status: 'cancelled',
        paymentStatus: 'cancelled',
        fulfilmentStatus: released ? 'stock_released' : 'not_fulfilled',
        detail: `cancelled after ${failure?.step}: ${why}`,
      };
    case 'in_review':
      return {
        status: 'flagged_for_review',
        paymentStatus: 'pending',
        fulfilmentStatus: data.committed ? 'released_to_warehouse' : data.reservation ? 'stock_reserved' : 'not_fulfilled',
        detail: `in review (${state.review?.reason}${state.review?.detail ? `: ${state.review.detail}` : ''})`,
      };
  }
}

function saleOrderName(data: OrderSagaData): string {
  return `${data.saleOrder?.name ?? '(no name)'} (id ${data.saleOrder?.id})`;
}
