import { CommitReservation, ReservationCommitted, ReservationRejected } from '@omnibus/contracts';
import { done, failed, sagaStep, send } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';

/**
 * Releases the order to the warehouse: inventory commits the reserved stock, which then no longer
 * expires. After the pivot, so a failure is reviewed, not undone: inventory answers a commit of
 * nothing held (the reservation lapsed while Odoo worked, or was released) with ReservationRejected.
 */
export const releaseToWarehouse = (timeouts: { stepMs: number }) =>
  sagaStep<OrderSagaData>('releaseToWarehouse', {
    action: (data) => send(CommitReservation.type, { orderId: data.orderId }),
    on: {
      [ReservationCommitted.type]: (_reply, data) => done({ ...data, committed: true }),
      [ReservationRejected.type]: () =>
        failed('RESERVATION_LAPSED', 'inventory holds nothing to commit: the reservation expired or was released before the order reached the warehouse'),
    },
    timeoutMs: timeouts.stepMs,
    // Inventory passes over a repeated commit (same id) and its first answer is on its way: one resend is enough.
    resends: 1,
  });
