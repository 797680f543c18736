import type { SagaState } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';

/** The saga's failure reason of a customer's cancellation (OrderCancelled says CUSTOMER_REQUEST). */
export const CUSTOMER_CANCELLED = 'CUSTOMER_CANCELLED';

export type CancellationDecision =
  | { outcome: 'cancel'; undoAfterPivot: boolean }
  | { outcome: 'already'; detail: string }
  | { outcome: 'refused'; message: string };

/**
 * Whether a customer may still cancel the order, and how. Before Odoo confirms it the saga undoes what
 * it did as on any failure. Once confirmed but before anything ships, undoing is still right (cancel
 * the sale order, void the authorisation, release the stock), so the saga does it without waiting for an
 * operator. Once a parcel has left, the rest cannot be cancelled here yet: the order goes on, and
 * a return or an operator handles it. Pure.
 */
export function decideCancellation(state: SagaState<OrderSagaData>): CancellationDecision {
  switch (state.status) {
    case 'compensating':
      return { outcome: 'already', detail: `the order is being cancelled (${state.failure?.reason})` };
    case 'compensated':
      return { outcome: 'already', detail: `the order was cancelled (${state.failure?.reason})` };
    case 'completed':
      return { outcome: 'refused', message: 'the order is complete: what was delivered can be returned (POST /returns)' };
    case 'in_review':
      return { outcome: 'refused', message: `the order is in review (${state.review?.reason}): an operator decides its fate (POST /review/${state.review?.id}/resolve)` };
    default: {
      const shipped = state.data.shipments?.length ?? 0;
      if (shipped > 0) return { outcome: 'refused', message: `${shipped} parcel(s) of the order have already left the warehouse: it can no longer be cancelled, only returned` };
      return { outcome: 'cancel', undoAfterPivot: state.data.saleOrder !== null };
    }
  }
}
