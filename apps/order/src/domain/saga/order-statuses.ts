import type { SagaState } from '@omnibus/saga';
import type { OrderSagaData } from './order-saga-data';
import { allShipped } from './shipments';

/**
 * The three statuses retail systems keep on an order, derived from its saga (never stored apart from
 * it, so they cannot disagree). Payment: `pending` until authorised, `declined` or `voided` (the
 * compensation), `partially_refunded` / `refunded` once money went back, `prepaid` when the channel
 * collected the money, `cancelled` when the order was cancelled before any payment was asked for.
 */
export const ORDER_STATUSES = [
  'accepted',
  'stock_reserved',
  'payment_authorised',
  'confirmed_in_odoo',
  'released_to_warehouse',
  'partially_shipped',
  'shipped',
  'completed',
  'cancelling',
  'cancelled',
  'flagged_for_review',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type PaymentStatus = 'pending' | 'authorised' | 'partially_captured' | 'declined' | 'voided' | 'captured' | 'partially_refunded' | 'refunded' | 'prepaid' | 'cancelled';
export type FulfilmentStatus =
  | 'awaiting_stock'
  | 'stock_reserved'
  | 'released_to_warehouse'
  | 'partially_shipped'
  | 'shipped'
  | 'partially_delivered'
  | 'delivered'
  | 'returned_to_sender'
  | 'stock_released'
  | 'not_fulfilled';

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
  const payment = paymentStatus(state);
  switch (state.status) {
    case 'not_started':
    case 'running':
      if (state.step && AFTER_RELEASE.includes(state.step)) return afterRelease(state.step, data, payment);
      if (state.step === 'releaseToWarehouse') {
        return { status: 'confirmed_in_odoo', paymentStatus: payment, fulfilmentStatus: 'stock_reserved', detail: `Odoo sale order ${saleOrderName(data)} confirmed; releasing to the warehouse` };
      }
      if (state.step === 'createSaleOrder') {
        return state.completed.includes('authorisePayment')
          ? { status: 'payment_authorised', paymentStatus: payment, fulfilmentStatus: 'stock_reserved', detail: `payment authorised (${data.payment.gatewayReference}); creating the Odoo sale order` }
          : { status: 'stock_reserved', paymentStatus: payment, fulfilmentStatus: 'stock_reserved', detail: `stock reserved (${data.reservation?.reservationId}); creating the Odoo sale order` };
      }
      if (state.step === 'authorisePayment') {
        const awaiting = data.payment.policy === 'pay_by_link' ? "awaiting the customer's payment by link" : 'authorising the payment';
        return { status: 'stock_reserved', paymentStatus: payment, fulfilmentStatus: 'stock_reserved', detail: `stock reserved (${data.reservation?.reservationId}); ${awaiting}` };
      }
      return { status: 'accepted', paymentStatus: payment, fulfilmentStatus: 'awaiting_stock', detail: 'accepted; reserving stock' };
    case 'completed':
      return {
        status: 'completed',
        paymentStatus: payment,
        fulfilmentStatus: fulfilmentOf(data),
        detail: data.invoice ? `delivered; invoiced in Odoo as ${data.invoice.name ?? data.invoice.invoiceId}${data.paymentRegistered ? ' and paid' : ''}` : `stock committed; Odoo sale order ${saleOrderName(data)} released to the warehouse`,
      };
    case 'compensating':
      return { status: 'cancelling', paymentStatus: payment, fulfilmentStatus: released ? 'stock_released' : state.toCompensate.includes('reserveStock') && data.reservation ? 'stock_reserved' : 'not_fulfilled', detail: `cancelling after ${failure?.step}: ${why}` };
    case 'compensated':
      return {
        status: 'cancelled',
        paymentStatus: payment,
        fulfilmentStatus: released ? 'stock_released' : 'not_fulfilled',
        detail: `cancelled after ${failure?.step}: ${why}`,
      };
    case 'in_review':
      return {
        status: 'flagged_for_review',
        paymentStatus: payment,
        fulfilmentStatus: fulfilmentOf(data),
        detail: `in review (${state.review?.reason}${state.review?.detail ? `: ${state.review.detail}` : ''})`,
      };
  }
}

function paymentStatus(state: SagaState<OrderSagaData>): PaymentStatus {
  const payment = state.data.payment;
  if (!payment) return state.status === 'compensating' || state.status === 'compensated' ? 'cancelled' : 'pending';
  if (payment.policy === 'prepaid') return 'prepaid';
  // The saga's own refunds; a return's refunds are written on the order by the gateway connector.
  const refunded = payment.refundedMinor ?? 0;
  if (refunded > 0) return refunded >= (payment.capturedMinor ?? 0) ? 'refunded' : 'partially_refunded';
  if (payment.status !== 'pending') return payment.status;
  // Nothing was authorised: a cancelled order has nothing to pay.
  return state.status === 'compensating' || state.status === 'compensated' ? 'cancelled' : 'pending';
}

const AFTER_RELEASE = ['handOverAtTill', 'awaitShipments', 'capturePayment', 'invoiceOrder', 'registerPaymentInOdoo', 'awaitDelivery'];

/** Where a released order is: shipping, settling the money, invoicing, waiting for the carriers. */
function afterRelease(step: string, data: OrderSagaData, payment: PaymentStatus): OrderStatuses {
  const shipments = data.shipments ?? [];
  const fulfilmentStatus = fulfilmentOf(data);
  // An order older than shipments went straight from the warehouse to the capture.
  const status: OrderStatus = shipments.length === 0 ? 'released_to_warehouse' : allShipped(data) ? 'shipped' : 'partially_shipped';
  const shipped = `${shipments.length} shipment(s)`;
  const what: Record<string, string> = {
    handOverAtTill: 'handing the goods over at the till',
    awaitShipments: shipments.length === 0 ? `Odoo sale order ${saleOrderName(data)} released to the warehouse; awaiting shipment` : `${shipped} dispatched; ${allShipped(data) ? 'settling deliveries and captures' : 'awaiting the rest'}`,
    capturePayment: `${shipments.length ? `${shipped} dispatched` : 'stock committed'}; capturing the payment`,
    invoiceOrder: `${shipments.length ? `${shipped} dispatched` : 'stock committed'}; invoicing in Odoo`,
    registerPaymentInOdoo: `invoiced in Odoo as ${data.invoice?.name ?? data.invoice?.invoiceId}; registering the payment`,
    awaitDelivery: `${shipments.filter((shipment) => shipment.status === 'delivered').length} of ${shipped} delivered`,
  };
  return { status, paymentStatus: payment, fulfilmentStatus, detail: what[step] };
}

/** The fulfilment status from the shipments, or from the reservation before any. */
function fulfilmentOf(data: OrderSagaData): FulfilmentStatus {
  const shipments = data.shipments ?? [];
  if (shipments.length === 0) return data.committed ? 'released_to_warehouse' : data.reservation ? 'stock_reserved' : 'not_fulfilled';
  if (shipments.some((shipment) => shipment.status === 'returned_to_sender')) return 'returned_to_sender';
  const delivered = shipments.filter((shipment) => shipment.status === 'delivered').length;
  if (!allShipped(data)) return 'partially_shipped';
  if (delivered === shipments.length) return 'delivered';
  return delivered > 0 ? 'partially_delivered' : 'shipped';
}

function saleOrderName(data: OrderSagaData): string {
  return `${data.saleOrder?.name ?? '(no name)'} (id ${data.saleOrder?.id})`;
}
