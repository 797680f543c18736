import type { OrderLine, OrderPlaced, PaymentCaptured, ShipmentDispatched } from '@omnibus/contracts';
import type { EntityManager } from 'typeorm';

/**
 * The returns service's projection of the orders it may take returns for: what was sold (lines and
 * prices as OrderPlaced carries them), what shipped in which parcel and when it was delivered, and
 * what was captured. Every write is keyed by the fact's own id (order, shipment, capture), so a
 * replayed event, even with a new event id, changes nothing.
 */

export async function recordOrderPlaced(manager: EntityManager, order: OrderPlaced): Promise<void> {
  const document = { lines: order.lines, totals: order.totals, pricesIncludeTax: order.pricesIncludeTax, fulfilment: { mode: order.fulfilment.mode, pickupLocationId: order.fulfilment.pickupLocationId } };
  await manager.query(
    `INSERT INTO returns_orders (order_id, channel_id, channel_kind, channel_order_ref, brand, company_id, currency, customer_id, document, placed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10) ON CONFLICT (order_id) DO NOTHING`,
    [order.orderId, order.channel.channelId, order.channel.kind, order.channelOrderRef, order.brand, order.companyId, order.totals.grandTotal.currency, order.customer.customerId, JSON.stringify(document), order.placedAt],
  );
}

/** The substitute keeps the original's line id and takes its place (and price) in the order. */
export async function recordLineSubstituted(manager: EntityManager, orderId: string, substitute: OrderLine): Promise<boolean> {
  const [row] = await manager.query(`SELECT document FROM returns_orders WHERE order_id = $1 FOR UPDATE`, [orderId]);
  if (!row) return false;
  const lines = (row.document.lines as OrderLine[]).map((line) => (line.lineId === substitute.lineId ? substitute : line));
  await manager.query(`UPDATE returns_orders SET document = $2::jsonb, updated_at = now() WHERE order_id = $1 AND document IS DISTINCT FROM $2::jsonb`, [orderId, JSON.stringify({ ...row.document, lines })]);
  return true;
}

export async function recordOrderMilestone(manager: EntityManager, orderId: string, milestone: 'cancelled_at' | 'completed_at', at: Date): Promise<void> {
  await manager.query(`UPDATE returns_orders SET ${milestone} = $2, updated_at = now() WHERE order_id = $1 AND ${milestone} IS NULL`, [orderId, at]);
}

/**
 * A till sale (channel kind STORE) publishes no parcel: the customer left with everything. When such an
 * order completes without any shipment, the hand-over counts as one delivered "shipment" of every line
 * (`till:<order id>`, from the store), so its units can be returned and its window runs from then.
 */
export async function recordTillHandOver(manager: EntityManager, orderId: string, at: Date): Promise<void> {
  const [order] = await manager.query(
    `SELECT o.channel_id, o.document FROM returns_orders o
      WHERE o.order_id = $1 AND o.channel_kind = 'STORE' AND NOT EXISTS (SELECT 1 FROM returns_shipments s WHERE s.order_id = o.order_id)`,
    [orderId],
  );
  if (!order) return;
  const lines = (order.document.lines as OrderLine[]).map((line) => ({ lineId: line.lineId, sku: line.sku, quantityMilli: line.quantity.milli }));
  await manager.query(
    `INSERT INTO returns_shipments (shipment_id, order_id, from_location_id, dispatched_at, delivered_at, lines) VALUES ($1, $2, $3, $4, $4, $5::jsonb) ON CONFLICT (shipment_id) DO NOTHING`,
    [`till:${orderId}`, orderId, order.document.fulfilment?.pickupLocationId ?? order.channel_id, at, JSON.stringify(lines)],
  );
}

export async function recordShipmentDispatched(manager: EntityManager, shipment: ShipmentDispatched): Promise<void> {
  const lines = shipment.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantityMilli: line.quantity.milli }));
  await manager.query(
    `INSERT INTO returns_shipments (shipment_id, order_id, from_location_id, dispatched_at, lines) VALUES ($1, $2, $3, $4, $5::jsonb)
     ON CONFLICT (shipment_id) DO UPDATE SET from_location_id = EXCLUDED.from_location_id, dispatched_at = EXCLUDED.dispatched_at, lines = EXCLUDED.lines
      WHERE returns_shipments.from_location_id = ''`,
    [shipment.shipmentId, shipment.orderId, shipment.fromLocation.locationId, shipment.occurredAt, JSON.stringify(lines)],
  );
}

/** The first delivery report counts (the window runs from it); a delivery before its dispatch is known is kept for it. */
export async function recordShipmentDelivered(manager: EntityManager, shipmentId: string, orderId: string, at: Date): Promise<void> {
  await manager.query(
    `INSERT INTO returns_shipments (shipment_id, order_id, from_location_id, dispatched_at, delivered_at, lines) VALUES ($1, $2, '', $3, $3, '[]'::jsonb)
     ON CONFLICT (shipment_id) DO UPDATE SET delivered_at = coalesce(returns_shipments.delivered_at, EXCLUDED.delivered_at)`,
    [shipmentId, orderId, at],
  );
}

export async function recordCapture(manager: EntityManager, capture: PaymentCaptured): Promise<void> {
  await manager.query(
    `INSERT INTO returns_captures (capture_id, order_id, amount_minor, currency, captured_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (capture_id) DO NOTHING`,
    [capture.captureId, capture.orderId, capture.amount.amountMinor, capture.amount.currency, capture.occurredAt],
  );
}
