import type { DispositionLine } from '@omnibus/contracts';
import type { Milli } from './quantity';

/**
 * What a return's disposition does to inventory's own on-hand. Only RESTOCK puts units back into
 * sellable stock; DAMAGED, VENDOR_RETURN, REFURBISH, DESTROY and OTHER move nothing (the goods never
 * re-enter sellable stock).
 *
 * Where Odoo reports the location's stock, Odoo's count brings the restock: the adapter's return picking
 * receives every returned unit there and scraps the unsellable ones (CreateReturnPicking), so Odoo's quant
 * grows by exactly the RESTOCK quantity and arrives as an absolute StockPositionChanged. Adding the same
 * units as a delta would count them twice whenever that count came first (absolute counts and deltas are
 * not ordered in time), so there inventory leaves them to Odoo. Elsewhere (stock fed by WMS, POS or
 * partner feeds) nobody else will report them: inventory adds them itself.
 */
export interface Restock {
  sku: string;
  quantity: Milli;
}

export interface RestockDecision {
  /** Added to on-hand by inventory. */
  apply: Restock[];
  /** RESTOCK units Odoo's count will bring (nothing applied here). */
  leftToOdoo: Restock[];
}

export function restockOf(lines: Array<Pick<DispositionLine, 'sku' | 'quantity' | 'disposition'>>, odooReportsLocation: boolean): RestockDecision {
  const bySku = new Map<string, Milli>();
  for (const line of lines) {
    if (line.disposition !== 'RESTOCK' || line.quantity.milli <= 0) continue;
    bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity.milli);
  }
  const restock = [...bySku].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
  return odooReportsLocation ? { apply: [], leftToOdoo: restock } : { apply: restock, leftToOdoo: [] };
}
