import type { CreateSaleOrder, OrderAccepted, OrderFlaggedForReview, OrderPlaced } from '@omnibus/contracts';
import type { Order } from './order';

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

/**
 * The command that makes the order's Odoo sale order, confirmed at once. The adapter stores our order
 * id in Odoo (client_order_ref), so a repeated command finds the sale order instead of making another.
 * No stock is reserved yet in this slice, so there are no fulfilment locations: Odoo picks its
 * default warehouse.
 */
export function createSaleOrder(order: Order, commandId: string): CreateSaleOrder {
  return { ...wholeOrder(order), commandId, fulfilmentLocations: [], confirm: true, occurredAt: order.acceptedAt };
}

export function orderFlaggedForReview(
  order: Pick<Order, 'orderId' | 'companyId'>,
  detail: string,
  occurredAt: Date,
): OrderFlaggedForReview {
  return { orderId: order.orderId, companyId: order.companyId, reason: 'ODOO_REJECTED', failedStep: 'createSaleOrder', detail, occurredAt };
}

/** What every message that carries the whole order has in common. */
function wholeOrder(order: Order) {
  const { orderId, channelOrderRef, channel, brand, companyId, customer, billingAddress, shippingAddress, lines, totals, pricesIncludeTax } = order;
  return { orderId, channelOrderRef, channel, brand, companyId, customer, billingAddress, shippingAddress, lines, totals, pricesIncludeTax };
}
