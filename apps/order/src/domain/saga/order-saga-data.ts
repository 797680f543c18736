import type { Channel, LineQuantity, ReservedLine } from '@omnibus/contracts';
import type { Order } from '../order';

/**
 * What the order saga keeps between steps, stored as JSON in `saga_instance.state` (no Dates: ISO
 * strings). The whole order stays in `orders.document`; this is only what the steps decide on and
 * what their compensations need.
 */
export interface OrderSagaData {
  orderId: string;
  companyId: string;
  channel: Channel;
  /** Region the order ships to, as inventory's sourcing knows regions. */
  region: string;
  lines: LineQuantity[];
  reservation: { reservationId: string; lines: ReservedLine[]; expiresAt: string } | null;
  rejection: { reason: string; shortLines: Array<{ lineId: string; sku: string; requestedMilli: number; availableMilli: number }> } | null;
  saleOrder: { id: number; name: string | null } | null;
  odooRefusal: { failure: string; message: string } | null;
  /** The reserved stock is committed for shipment (released to the warehouse). */
  committed: boolean;
}

/** The saga's data of a new order; `regionOf` maps the ship-to country to an inventory region. */
export function orderSagaData(order: Order, regionOf: (countryCode: string) => string): OrderSagaData {
  const address = order.shippingAddress ?? order.billingAddress;
  return {
    orderId: order.orderId,
    companyId: order.companyId,
    channel: order.channel,
    region: regionOf(address.countryCode),
    lines: order.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity })),
    reservation: null,
    rejection: null,
    saleOrder: null,
    odooRefusal: null,
    committed: false,
  };
}
