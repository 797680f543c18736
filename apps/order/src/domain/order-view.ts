import { formatQuantity } from '@omnibus/contracts';
import type { SagaState, TimelineEntry } from '@omnibus/saga';
import { ReviewItemRecord, reviewItemView } from '../review/review-item';
import type { Order } from './order';
import type { OrderSagaData } from './saga/order-saga-data';
import type { OrderStatus, OrderStatuses } from './saga/order-statuses';
import { cutLines, substitutionView } from './substitution-view';

export interface StatusHistoryEntry {
  status: OrderStatus;
  at: Date;
  detail: string | null;
}

/** What made a saga step happen: an event (its type and id), a timeout, or the order's acceptance. */
export interface TimelineCause {
  type: string;
  eventId: string | null;
}

/** An order with where it stands: what `GET /orders/:id` answers. */
export interface OrderRecord {
  order: Order;
  statuses: Pick<OrderStatuses, 'status' | 'paymentStatus' | 'fulfilmentStatus'>;
  saga: SagaState<OrderSagaData> | null;
  history: StatusHistoryEntry[];
  timeline: Array<{ entry: TimelineEntry; cause: TimelineCause }>;
  /** Every review item of the order, open or resolved, oldest first. */
  reviews: ReviewItemRecord[];
  /** Every refund the gateway connector was asked for (the saga's and returns'), oldest first. */
  refunds?: OrderRefund[];
}

export interface OrderRefund {
  refundId: string;
  returnId: string | null;
  status: 'issued' | 'failed';
  amount: { amountMinor: number; currency: string };
  gatewayReference: string | null;
  reason: string;
  at: string;
}

/**
 * The order as the API shows it: quantities as decimal strings (as channels send them), money in
 * minor units with its currency, times in ISO 8601, the three statuses, why it was cancelled or is in review, and the status history
 * and the saga's timeline (each step with its cause) oldest first.
 */
export function orderView(record: OrderRecord) {
  const { order, saga } = record;
  return {
    orderId: order.orderId,
    status: record.statuses.status,
    paymentStatus: record.statuses.paymentStatus,
    fulfilmentStatus: record.statuses.fulfilmentStatus,
    channelOrderRef: order.channelOrderRef,
    channel: order.channel,
    brand: order.brand,
    companyId: order.companyId,
    currency: order.currency,
    customer: order.customer,
    billingAddress: order.billingAddress,
    shippingAddress: order.shippingAddress,
    lines: order.lines.map((line) => ({ ...line, quantity: formatQuantity(line.quantity) })),
    totals: order.totals,
    pricesIncludeTax: order.pricesIncludeTax,
    fulfilment: { ...order.fulfilment, promisedBy: order.fulfilment.promisedBy?.toISOString() ?? null },
    paymentReference: order.paymentReference,
    notes: order.notes,
    // A replacement order of an exchange: the return and the original order, and who pays what.
    exchange: order.exchange ?? null,
    placedAt: order.placedAt.toISOString(),
    acceptedAt: order.acceptedAt.toISOString(),
    reservation: saga?.data.reservation
      ? { ...saga.data.reservation, committed: saga.data.committed, lines: saga.data.reservation.lines.map((line) => ({ ...line, quantity: formatQuantity(line.quantity) })) }
      : null,
    odoo: saga?.data.saleOrder
      ? { saleOrderId: saga.data.saleOrder.id, saleOrderName: saga.data.saleOrder.name, invoice: saga.data.invoice ?? null, paymentRegistered: saga.data.paymentRegistered ?? false }
      : null,
    payment: saga?.data.payment
      ? {
          policy: saga.data.payment.policy,
          gateway: saga.data.payment.gateway,
          amount: saga.data.payment.amount,
          captured: { amountMinor: saga.data.payment.capturedMinor ?? 0, currency: saga.data.payment.amount.currency },
          // Paid back, whoever asked (the saga after a cancellation, the returns service for a return).
          refunded: { amountMinor: (record.refunds ?? []).filter((refund) => refund.status === 'issued').reduce((total, refund) => total + refund.amount.amountMinor, 0), currency: saga.data.payment.amount.currency },
          refunds: record.refunds ?? [],
          // A prepaid channel's rest-cancel: what the channel owes the customer back (it holds the money).
          refundDueFromChannel: saga.data.remainder?.refundDue ?? null,
          // Pay by link only: the link sent to the customer and their last declined try.
          ...(saga.data.payment.policy === 'pay_by_link' ? { link: saga.data.payment.link ?? null, lastDecline: saga.data.payment.lastDecline ?? null } : {}),
        }
      : null,
    // Quantities cancelled because stock was short (channels that ship what is there).
    cancelledLines: [...(saga?.data.shortStock?.cancelled ?? []), ...(saga?.data.remainder?.cancelled ?? []), ...cutLines(saga?.data)].map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: formatQuantity({ milli: line.cancelledMilli }) })),
    // Line substitutions proposed by stores and warehouses, oldest first, each with its state.
    substitutions: (saga?.data.substitutions ?? []).map(substitutionView),
    shipments: (saga?.data.shipments ?? []).map((shipment) => ({
      shipmentId: shipment.shipmentId,
      carrier: shipment.carrier,
      trackingNumber: shipment.trackingNumber,
      fromLocationId: shipment.fromLocationId,
      status: shipment.status,
      exception: shipment.exception,
      final: shipment.final,
      odooDeliveryValidated: shipment.validated,
      capture: shipment.capture,
      capturedAmount: shipment.capture === 'captured' ? { amountMinor: shipment.captureMinor, currency: saga!.data.payment.amount.currency } : null,
      lines: shipment.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: formatQuantity({ milli: line.milli }) })),
    })),
    cancellation: saga?.status === 'compensating' || saga?.status === 'compensated' ? saga.failure : null,
    review: saga?.review ? { id: saga.review.id, step: saga.review.step, reason: saga.review.reason, detail: saga.review.detail ?? null, dueBy: saga.review.dueBy, allowedActions: saga.review.allowedActions } : null,
    reviews: record.reviews.map((item) => reviewItemView(item, new Date())),
    statusHistory: record.history.map((entry) => ({ status: entry.status, at: entry.at.toISOString(), detail: entry.detail })),
    timeline: record.timeline.map(({ entry, cause }) => ({ at: entry.at, step: entry.step, phase: entry.phase, what: entry.what, detail: entry.detail ?? null, cause })),
  };
}

export type OrderView = ReturnType<typeof orderView>;
