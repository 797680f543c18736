import type { Env } from '../orm/env';
import type { Row } from '../orm/types';

/** Stock arithmetic shared by product quantity fields and the stock business methods. */

export function isInternalLocation(env: Env, locationId: number): boolean {
  const usage = env.db.get('stock.location', locationId)?.usage;
  return usage === 'internal' || usage === 'transit';
}

export function childLocationIds(env: Env, rootIds: number[]): Set<number> {
  const result = new Set(rootIds);
  let grew = true;
  while (grew) {
    grew = false;
    for (const row of env.db.table('stock.location').values()) {
      if (typeof row.location_id === 'number' && result.has(row.location_id) && !result.has(row.id)) {
        result.add(row.id);
        grew = true;
      }
    }
  }
  return result;
}

/** Locations the context scopes quantities to: `location`, `warehouse` (16) or `warehouse_id` (later). */
function contextLocations(env: Env): Set<number> | null {
  const location = env.context.location;
  const warehouse = env.context.warehouse_id ?? env.context.warehouse;
  const roots: number[] = [];
  if (typeof location === 'number') roots.push(location);
  else if (Array.isArray(location)) roots.push(...(location as number[]));
  const warehouses = typeof warehouse === 'number' ? [warehouse] : Array.isArray(warehouse) ? (warehouse as number[]) : [];
  for (const id of warehouses) {
    const wh = env.db.get('stock.warehouse', id);
    if (wh?.view_location_id) roots.push(wh.view_location_id as number);
  }
  return roots.length ? childLocationIds(env, roots) : null;
}

export function quantsOf(env: Env, productId: number, locations?: Set<number> | null): Row[] {
  const out: Row[] = [];
  for (const quant of env.db.table('stock.quant').values()) {
    if (quant.product_id !== productId) continue;
    if (locations && !locations.has(quant.location_id as number)) continue;
    if (!isInternalLocation(env, quant.location_id as number)) continue;
    out.push(quant);
  }
  return out;
}

export function onHandQuantity(env: Env, productIds: number[], kind: 'on_hand' | 'free' | 'virtual'): number {
  const scope = contextLocations(env);
  let total = 0;
  for (const productId of productIds) {
    for (const quant of quantsOf(env, productId, scope)) {
      total += (quant.quantity as number) - (kind === 'free' ? (quant.reserved_quantity as number) : 0);
    }
    if (kind === 'virtual') {
      for (const move of env.db.table('stock.move').values()) {
        if (move.product_id !== productId || ['done', 'cancel', 'draft'].includes(move.state as string)) continue;
        const fromInside = isInternalLocation(env, move.location_id as number) && (!scope || scope.has(move.location_id as number));
        const toInside = isInternalLocation(env, move.location_dest_id as number) && (!scope || scope.has(move.location_dest_id as number));
        if (fromInside && !toInside) total -= move.product_uom_qty as number;
        if (toInside && !fromInside) total += move.product_uom_qty as number;
      }
    }
  }
  return Math.round(total * 1e6) / 1e6;
}
