import type { LineQuantity } from '@omnibus/contracts';
import type { OrderSagaData, SagaShipment } from './order-saga-data';

/**
 * What the order saga knows about an order's shipments, and the arithmetic of partial shipments: what
 * is still to ship, and what a shipment is worth when its share of the money is captured. Pure.
 */

/** Thousandths of each line still to ship (ordered minus shipped so far), by line id. */
export function unshipped(data: Pick<OrderSagaData, 'lines' | 'shipments'>): Map<string, number> {
  const left = new Map(data.lines.map((line) => [line.lineId, line.quantity.milli]));
  for (const shipment of data.shipments ?? []) {
    for (const line of shipment.lines) left.set(line.lineId, (left.get(line.lineId) ?? 0) - line.milli);
  }
  return left;
}

export function allShipped(data: Pick<OrderSagaData, 'lines' | 'shipments'>): boolean {
  return [...unshipped(data).values()].every((milli) => milli <= 0);
}

/** Lines a shipment carries that the order does not have, or more of a line than is left to ship. */
export function overShipped(data: Pick<OrderSagaData, 'lines' | 'shipments'>, lines: SagaShipment['lines']): string[] {
  const left = unshipped(data);
  return lines.filter((line) => !left.has(line.lineId) || line.milli > (left.get(line.lineId) ?? 0)).map((line) => `${line.sku} (line ${line.lineId})`);
}

/**
 * The amount to capture for a shipment: the grand total's share of the goods it carries (by line value),
 * so shipping and order discounts are spread over the shipments; the last shipment takes whatever is
 * left of the authorisation, so the captures add up to the authorised amount exactly, whatever rounding did.
 */
export function shipmentAmountMinor(data: OrderSagaData, lines: SagaShipment['lines'], final: boolean): number {
  const authorised = data.payment.amount.amountMinor;
  const captured = data.payment.capturedMinor ?? 0;
  if (final) return Math.max(authorised - captured, 0);
  const values = data.lineValues ?? {};
  const ordered = new Map(data.lines.map((line) => [line.lineId, line.quantity.milli]));
  const linesTotal = Object.values(values).reduce((total, value) => total + value, 0);
  if (linesTotal <= 0) return 0;
  const shippedValue = lines.reduce((total, line) => total + ((values[line.lineId] ?? 0) * line.milli) / (ordered.get(line.lineId) || 1), 0);
  return Math.min(Math.round((authorised * shippedValue) / linesTotal), authorised - captured);
}

/** Every shipment's Odoo delivery is validated and every capture asked for is confirmed. */
export function shipmentsSettled(data: Pick<OrderSagaData, 'shipments'>): boolean {
  return (data.shipments ?? []).every((shipment) => shipment.validated && shipment.capture !== 'pending');
}

export function allDelivered(data: Pick<OrderSagaData, 'shipments'>): boolean {
  const shipments = data.shipments ?? [];
  return shipments.length > 0 && shipments.every((shipment) => shipment.status === 'delivered');
}

export function withShipment(data: OrderSagaData, shipmentId: string, change: (shipment: SagaShipment) => SagaShipment): OrderSagaData {
  return { ...data, shipments: (data.shipments ?? []).map((shipment) => (shipment.shipmentId === shipmentId ? change(shipment) : shipment)) };
}

export function findShipment(data: Pick<OrderSagaData, 'shipments'>, shipmentId: string): SagaShipment | undefined {
  return (data.shipments ?? []).find((shipment) => shipment.shipmentId === shipmentId);
}

/** A shipment's lines as the contracts carry quantities. */
export function lineQuantities(shipment: Pick<SagaShipment, 'lines'>): LineQuantity[] {
  return shipment.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: { milli: line.milli } }));
}
