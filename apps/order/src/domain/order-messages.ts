import {
  AmendSaleOrder,
  AuthorisePayment,
  CancelSaleOrder,
  CapturePayment,
  CancellationReason,
  CommitReservation,
  CreateInvoice,
  CreateSaleOrder,
  OrderAccepted,
  OrderCancelled,
  OrderFlaggedForReview,
  OrderLineSubstituted,
  OrderPlaced,
  QueryPayment,
  RefundPayment,
  RegisterPayment,
  ReleaseReservation,
  ReserveStock,
  ReviewReason,
  ValidateDelivery,
  VoidPayment,
} from '@omnibus/contracts';
import type { ReviewItem, SagaEffect } from '@omnibus/saga';
import type { LineQuantity } from '@omnibus/contracts';
import type { Order } from './order';
import { repriced } from './short-stock';

/** The events and commands an order produces, as the contracts define them. */

export function orderPlaced(order: Order): OrderPlaced {
  return {
    ...wholeOrder(order),
    fulfilment: order.fulfilment,
    paymentReference: order.paymentReference,
    notes: order.notes,
    placedAt: order.placedAt,
    occurredAt: order.acceptedAt,
  };
}

export function orderAccepted(order: Order): OrderAccepted {
  return {
    orderId: order.orderId,
    channel: order.channel,
    companyId: order.companyId,
    lines: order.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity })),
    fulfilment: order.fulfilment,
    shippingAddress: order.shippingAddress,
    occurredAt: order.acceptedAt,
  };
}

/** A command the saga emits, as its contract: the effect's deterministic id is the command id. */
export interface SagaCommand {
  type: string;
  payload:
    | ReserveStock
    | ReleaseReservation
    | CommitReservation
    | CreateSaleOrder
    | CancelSaleOrder
    | AuthorisePayment
    | QueryPayment
    | VoidPayment
    | CapturePayment
    | RefundPayment
    | ValidateDelivery
    | CreateInvoice
    | RegisterPayment
    | AmendSaleOrder;
}

/**
 * The contract of a saga effect. Steps name what they need (`send(ReserveStock.type, …)`); the whole
 * order comes from the order itself, so the saga's state stays small. The adapter stores our order id
 * in Odoo (client_order_ref), so a repeated CreateSaleOrder finds the sale order instead of making another.
 */
export function sagaCommand(effect: SagaEffect, order: Order, occurredAt: Date): SagaCommand {
  const given = (effect.payload ?? {}) as Record<string, unknown>;
  const commandId = effect.id;
  if (effect.kind === 'send' && COMPLETE_AS_GIVEN.has(effect.name)) {
    // The step built the whole payload (checked against the contract in the saga's tests).
    return { type: effect.name, payload: { ...given, commandId, occurredAt } as unknown as SagaCommand['payload'] };
  }
  switch (effect.name) {
    case AuthorisePayment.type:
      // The command id is the gateway idempotency key and the payment id.
      // The step names the link fields only for pay by link; the contract wants them on every command.
      return {
        type: effect.name,
        payload: { ...(given as Omit<AuthorisePayment, 'commandId' | 'occurredAt' | 'method'>), payByLink: given.payByLink === true, linkExpiresAt: (given.linkExpiresAt as Date | undefined) ?? null, method: 'CARD', commandId, occurredAt },
      };
    case CreateSaleOrder.type: {
      const kept = given.keptLines as LineQuantity[] | undefined;
      return {
        type: effect.name,
        payload: {
          ...wholeOrder(order),
          ...(kept ? repriced(order, kept) : {}),
          commandId,
          fulfilmentLocations: (given.fulfilmentLocations as CreateSaleOrder['fulfilmentLocations']) ?? [],
          confirm: true,
          occurredAt,
        },
      };
    }
    case OrderLineSubstituted.type:
      // An event of the order, not a command: no command id (its event id is the effect's).
      return { type: effect.name, payload: { ...(given as Omit<OrderLineSubstituted, 'occurredAt'>), occurredAt } satisfies OrderLineSubstituted as unknown as SagaCommand['payload'] };
    default:
      throw new Error(`the order saga emitted ${effect.kind} ${effect.name}, which has no contract here`);
  }
}

/** Commands whose step gives everything but the command id and the time. */
const COMPLETE_AS_GIVEN = new Set<string>([
  ReserveStock.type,
  CommitReservation.type,
  ReleaseReservation.type,
  CancelSaleOrder.type,
  AmendSaleOrder.type,
  QueryPayment.type,
  VoidPayment.type,
  CapturePayment.type,
  RefundPayment.type,
  ValidateDelivery.type,
  CreateInvoice.type,
  RegisterPayment.type,
]);

const CANCELLATION_REASONS: Record<string, CancellationReason> = {
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  CANCELLED_BY_OPERATOR: 'OPERATOR',
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  PAYMENT_NOT_AUTHORISED: 'PAYMENT_TIMEOUT',
  CUSTOMER_CANCELLED: 'CUSTOMER_REQUEST',
  SUBSTITUTION_DECLINED: 'CUSTOMER_REQUEST',
  // The line could not be supplied and no substitute was accepted.
  SUBSTITUTION_UNANSWERED: 'OUT_OF_STOCK',
};

/** The order was cancelled by its saga: why, in the contract's words, and in detail. */
export function orderCancelled(order: Pick<Order, 'orderId' | 'companyId'>, failure: { step: string; reason: string; detail?: string }, occurredAt: Date): OrderCancelled {
  return {
    orderId: order.orderId,
    companyId: order.companyId,
    reason: CANCELLATION_REASONS[failure.reason] ?? 'OTHER',
    note: `${failure.step}: ${failure.reason}${failure.detail ? `: ${failure.detail}` : ''}`,
    cancelledBy: failure.reason === 'CUSTOMER_CANCELLED' || failure.reason === 'SUBSTITUTION_DECLINED' ? 'customer' : 'saga',
    occurredAt,
  };
}

const REVIEW_REASONS: ReviewReason[] = ['COMPENSATION_FAILED', 'PAYMENT_VOID_FAILED', 'ODOO_REJECTED', 'FRAUD_CHECK', 'ADDRESS_INVALID', 'AMOUNT_MISMATCH', 'STEP_TIMED_OUT'];

export function orderFlaggedForReview(order: Pick<Order, 'orderId' | 'companyId'>, item: ReviewItem, occurredAt: Date): OrderFlaggedForReview {
  return {
    orderId: order.orderId,
    companyId: order.companyId,
    reason: (REVIEW_REASONS as string[]).includes(item.reason) ? (item.reason as ReviewReason) : 'OTHER',
    failedStep: item.step,
    detail: `${item.reason}${item.detail ? `: ${item.detail}` : ''}`,
    occurredAt,
  };
}

/** What every message that carries the whole order has in common. */
function wholeOrder(order: Order) {
  const { orderId, channelOrderRef, channel, brand, companyId, customer, billingAddress, shippingAddress, lines, totals, pricesIncludeTax } = order;
  return { orderId, channelOrderRef, channel, brand, companyId, customer, billingAddress, shippingAddress, lines, totals, pricesIncludeTax };
}
