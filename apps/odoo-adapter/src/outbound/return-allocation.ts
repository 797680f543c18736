/**
 * Which delivered moves a return takes back: per product, the order's done deliveries in order, each move
 * up to what it still has to return (delivered minus earlier returns). A two-shipment order's return is
 * therefore split per delivery, and a return of more than was delivered is caught before Odoo, which does
 * not check it. Pure: quantities in thousandths.
 */
import type { LineQuantity } from '@omnibus/contracts';

export interface DeliveredMove {
  moveId: number;
  deliveryId: number;
  productId: number;
  /** Delivered and not yet returned. */
  returnableMilli: number;
}

export interface ReturnAllocation {
  /** Per delivery (in delivery order), the quantity to return per move. */
  byDelivery: Map<number, Map<number, number>>;
  /** Per product, what no delivery has left to return. */
  short: Map<number, number>;
}

export function milliBySku(lines: LineQuantity[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines) out.set(line.sku, (out.get(line.sku) ?? 0) + line.quantity.milli);
  return out;
}

export function allocateReturn(moves: DeliveredMove[], wantedByProduct: Map<number, number>): ReturnAllocation {
  const remaining = new Map(wantedByProduct);
  const byDelivery = new Map<number, Map<number, number>>();
  const ordered = [...moves].sort((a, b) => a.deliveryId - b.deliveryId || a.moveId - b.moveId);
  for (const move of ordered) {
    const left = remaining.get(move.productId) ?? 0;
    const take = Math.min(left, Math.max(move.returnableMilli, 0));
    if (take <= 0) continue;
    remaining.set(move.productId, left - take);
    const perMove = byDelivery.get(move.deliveryId) ?? new Map<number, number>();
    perMove.set(move.moveId, take);
    byDelivery.set(move.deliveryId, perMove);
  }
  const short = new Map([...remaining].filter(([, milli]) => milli > 0));
  return { byDelivery, short };
}
