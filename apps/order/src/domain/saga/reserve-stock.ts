import { ReleaseReservation, ReservationRejected, ReservationReleased, ReserveStock, StockReserved } from '@omnibus/contracts';
import { done, failed, sagaStep, send, waiting } from '@omnibus/saga';
import { keepAvailable, repriced } from '../short-stock';
import type { OrderSagaData } from './order-saga-data';

/**
 * Holds stock for every line at the best locations (inventory decides). A rejection cancels the
 * order with inventory's reason and the short lines; nothing is held, so nothing is undone. The undo
 * releases whatever is held for the order, which also covers a reservation whose answer was lost.
 */
export const reserveStock = (timeouts: { stepMs: number; compensationMs: number }) =>
  sagaStep<OrderSagaData>('reserveStock', {
    action: (data) => send(ReserveStock.type, { orderId: data.orderId, channel: data.channel, region: data.region, lines: data.lines }),
    on: {
      [StockReserved.type]: (reply, data) => {
        const reserved = reply.payload as StockReserved;
        return done({ ...data, reservation: { reservationId: reserved.reservationId, lines: reserved.lines, expiresAt: new Date(reserved.expiresAt).toISOString() } });
      },
      [ReservationRejected.type]: (reply, data) => {
        const rejected = reply.payload as ReservationRejected;
        const shortLines = rejected.shortLines.map((line) => ({ lineId: line.lineId, sku: line.sku, requestedMilli: line.requested.milli, availableMilli: line.available.milli }));
        // A channel that ships what is there asks once more for what is available, re-priced.
        if (rejected.reason === 'INSUFFICIENT_STOCK' && data.shortStock && data.shortStock.cancelled.length === 0) {
          const { kept, cancelled } = keepAvailable(data.lines, shortLines);
          if (kept.length > 0) {
            const { lines, totals } = repriced(data.shortStock.pricing, kept);
            const next: OrderSagaData = {
              ...data,
              lines: kept,
              lineValues: Object.fromEntries(lines.map((line) => [line.lineId, line.total.amountMinor])),
              shortStock: { ...data.shortStock, cancelled },
              payment: { ...data.payment, amount: totals.grandTotal },
            };
            return waiting(next, [send(ReserveStock.type, { orderId: data.orderId, channel: data.channel, region: data.region, lines: kept }, { key: 'available' })]);
          }
        }
        const detail = shortLines.map((line) => `${line.sku} (line ${line.lineId}): ${line.requestedMilli / 1000} requested, ${line.availableMilli / 1000} available`).join('; ');
        return failed(rejected.reason === 'INSUFFICIENT_STOCK' ? 'OUT_OF_STOCK' : rejected.reason, detail || undefined, { ...data, rejection: { reason: rejected.reason, shortLines } });
      },
    },
    timeoutMs: timeouts.stepMs,
    // Inventory answers a repeated command (same id) with its first answer: one resend is safe.
    resends: 1,
    compensation: {
      run: (data) => send(ReleaseReservation.type, { orderId: data.orderId, reason: 'ORDER_CANCELLED' satisfies ReleaseReservation['reason'] }),
      on: { [ReservationReleased.type]: () => done() },
      timeoutMs: timeouts.compensationMs,
    },
  });
