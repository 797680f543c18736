import { formatQuantity } from '@omnibus/contracts';
import type { Order } from './order';
import type { OdooSaleOrder, OrderStatus } from './order-status';

export interface StatusHistoryEntry {
  status: OrderStatus;
  at: Date;
  detail: string | null;
}

/** An order with where it stands: what `GET /orders/:id` answers. */
export interface OrderRecord {
  order: Order;
  status: OrderStatus;
  odooSaleOrder: OdooSaleOrder | null;
  review: { failure: string; message: string } | null;
  history: StatusHistoryEntry[];
}

/**
 * The order as the API shows it: quantities as decimal strings (as channels send them), money in
 * minor units with its currency, times in ISO 8601, and the status history oldest first.
 */
export function orderView(record: OrderRecord) {
  const { order } = record;
  return {
    orderId: order.orderId,
    status: record.status,
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
    placedAt: order.placedAt.toISOString(),
    acceptedAt: order.acceptedAt.toISOString(),
    odoo: record.odooSaleOrder ? { saleOrderId: record.odooSaleOrder.id, saleOrderName: record.odooSaleOrder.name } : null,
    review: record.review,
    statusHistory: record.history.map((entry) => ({ status: entry.status, at: entry.at.toISOString(), detail: entry.detail })),
  };
}

export type OrderView = ReturnType<typeof orderView>;
