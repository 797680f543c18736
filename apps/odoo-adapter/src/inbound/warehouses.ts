/**
 * Odoo's warehouses as canonical locations (StockLocationUpserted on retail.locations). A warehouse the
 * mapping lists keeps its mapped id and type; one it does not list is discovered (when
 * `warehouses.discover`): it gets an id from its code and its stock is followed from then on, as if mapped.
 */
import { StockLocationUpserted } from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import { OdooClient, OdooRecord, parseOdooDatetime, secondOf } from '@omnibus/odoo-client';
import { contentHash } from '../shared/content-hash';
import { ResolvedLocation, ResolvedMapping } from '../mapping/mapping';
import { idOf, Many2one, nameOf } from './canonical';

export interface OdooWarehouse {
  id: number;
  name: string;
  code: string | false;
  company_id: Many2one;
  lot_stock_id: Many2one;
  active?: boolean;
  write_date: string;
}

export const WAREHOUSE_FIELDS = ['name', 'code', 'company_id', 'lot_stock_id', 'active'];

/** `odoo-` + the code in lower case, other characters as dashes: `NDC` → `odoo-ndc`, `ST 01` → `odoo-st-01`. */
export function discoveredLocationId(prefix: string, warehouse: Pick<OdooWarehouse, 'id' | 'code'>): string {
  const code = (warehouse.code || `wh${warehouse.id}`).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${prefix}${code || `wh${warehouse.id}`}`;
}

/**
 * The mapped location of a warehouse: the mapping's entry, else a discovered one (registered in the
 * mapping, so stock polling covers it). Undefined when the warehouse has no stock location or discovery is off.
 */
export function locationOfWarehouse(mapping: ResolvedMapping, warehouse: OdooWarehouse): ResolvedLocation | undefined {
  const known = mapping.locationOfWarehouse(warehouse.id);
  if (known) return known;
  const stockLocationId = idOf(warehouse.lot_stock_id);
  const settings = mapping.settings.warehouses;
  if (!settings.discover || stockLocationId === undefined || warehouse.active === false) return undefined;
  const location: ResolvedLocation = {
    locationId: discoveredLocationId(settings.locationIdPrefix, warehouse),
    locationType: 'WAREHOUSE',
    odooLocationId: stockLocationId,
    odooWarehouseId: warehouse.id,
  };
  mapping.addDiscoveredLocation(location);
  return mapping.locationOfWarehouse(warehouse.id);
}

/** Reads every warehouse once at start, so a restarted adapter follows the stock of those it discovered before. */
export async function discoverWarehouses(odoo: OdooClient, mapping: ResolvedMapping): Promise<void> {
  if (!mapping.settings.warehouses.discover) return;
  const warehouses = await odoo.searchRead<OdooWarehouse & OdooRecord>('stock.warehouse', [], { fields: [...WAREHOUSE_FIELDS, 'write_date'] });
  for (const warehouse of warehouses) locationOfWarehouse(mapping, warehouse);
}

export function stockLocationUpserted(
  warehouse: OdooWarehouse,
  location: ResolvedLocation,
  context: { mapping: ResolvedMapping; locationNames: Map<number, string>; now: Date },
): StockLocationUpserted {
  const odooCompanyId = idOf(warehouse.company_id);
  const company = context.mapping.companies.find((candidate) => candidate.odooCompanyId === odooCompanyId);
  return {
    locationId: location.locationId,
    locationType: location.locationType,
    name: warehouse.name,
    warehouseCode: warehouse.code || null,
    odooWarehouseId: warehouse.id,
    odooLocationId: location.odooLocationId,
    odooLocationName: context.locationNames.get(location.odooLocationId) ?? nameOf(warehouse.lot_stock_id) ?? String(location.odooLocationId),
    odooCompany: nameOf(warehouse.company_id) ?? String(odooCompanyId ?? ''),
    companyId: company?.companyId ?? null,
    brand: company?.brand ?? null,
    active: warehouse.active !== false,
    sourceUpdatedAt: parseOdooDatetime(warehouse.write_date),
    occurredAt: context.now,
  };
}

/** The location facts of these warehouses (content-hashed like every inbound fact). */
export async function warehouseFacts(
  odoo: OdooClient,
  mapping: ResolvedMapping,
  warehouses: OdooWarehouse[],
  now: Date,
  event: (payload: StockLocationUpserted) => OutgoingEvent<StockLocationUpserted>,
): Promise<Array<{ kind: string; key: string; hash: string; sourceSecond: string; observedAt: Date; event: OutgoingEvent; discovered: boolean; location: ResolvedLocation }>> {
  const located = warehouses
    .map((warehouse) => ({ warehouse, known: mapping.locationOfWarehouse(warehouse.id) !== undefined, location: locationOfWarehouse(mapping, warehouse) }))
    .filter((entry): entry is { warehouse: OdooWarehouse; known: boolean; location: ResolvedLocation } => entry.location !== undefined);
  if (located.length === 0) return [];
  const locationIds = [...new Set(located.map((entry) => entry.location.odooLocationId))];
  const names = await odoo.searchRead<{ id: number; complete_name: string }>('stock.location', [['id', 'in', locationIds]], { fields: ['complete_name'], context: { active_test: false } });
  const locationNames = new Map(names.map((row) => [row.id, row.complete_name]));
  return located.map(({ warehouse, known, location }) => {
    const payload = stockLocationUpserted(warehouse, location, { mapping, locationNames, now });
    const { occurredAt: _occurredAt, sourceUpdatedAt: _sourceUpdatedAt, ...content } = payload;
    return {
      kind: 'location',
      key: payload.locationId,
      hash: contentHash(content),
      sourceSecond: secondOf(warehouse.write_date),
      observedAt: payload.sourceUpdatedAt,
      event: event(payload),
      discovered: !known,
      location,
    };
  });
}
