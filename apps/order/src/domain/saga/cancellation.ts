import type { SagaState } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';
import { allShipped } from './shipments';
import { substitutionInFlight } from './substitutions';

/** The saga's failure reason of a customer's cancellation (OrderCancelled says CUSTOMER_REQUEST). */
export const CUSTOMER_CANCELLED = 'CUSTOMER_CANCELLED';

export type CancellationDecision =
  | { outcome: 'cancel'; undoAfterPivot: boolean }
  | { outcome: 'cancel-rest' }
  | { outcome: 'already'; detail: string }
  | { outcome: 'refused'; message: string };

/**
 * Whether a customer may still cancel the order, and how. Before Odoo confirms it the saga undoes what
 * it did as on any failure. Once confirmed but before anything ships, undoing is still right (cancel
 * the sale order, void the authorisation, release the stock), so the saga does it without waiting for an
 * operator. Once a parcel has left, what has not shipped is cancelled (the order keeps what left and
 * is invoiced for it); what left is returned, not cancelled. Whatever the payment policy: money captured
 * beyond what is still owed is refunded (a prepaid channel's is recorded as due, for the channel). Pure.
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
      const open = (state.data.substitutions ?? []).find(substitutionInFlight);
      if (open) return { outcome: 'refused', message: `substitution ${open.substitutionId} of line ${open.lineId} is ${open.status === 'awaiting_customer' ? 'awaiting the customer\'s answer: decline it first' : `being carried out (${open.status}): try again in a moment`}` };
      const shipped = state.data.shipments?.length ?? 0;
      if (shipped > 0) {
        if (state.data.remainder) return { outcome: 'already', detail: 'what had not shipped is being cancelled' };
        if (state.step !== 'awaitShipments' || allShipped(state.data)) return { outcome: 'refused', message: `all of the order has left the warehouse (${shipped} parcel(s)): it can no longer be cancelled, only returned` };
        return { outcome: 'cancel-rest' };
      }
      return { outcome: 'cancel', undoAfterPivot: state.data.saleOrder !== null };
    }
  }
}
