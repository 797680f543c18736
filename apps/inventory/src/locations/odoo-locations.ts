import type { StockLocationUpserted } from '@omnibus/contracts';
import type { LocationConfig, LocationKind, OdooLocationsConfig } from '../domain/network';

const KIND: Partial<Record<StockLocationUpserted['locationType'], LocationKind>> = { STORE: 'store', WAREHOUSE: 'warehouse', DROPSHIP: 'drop_ship' };

/** What Odoo says about a location, as inventory keeps it (`odoo_locations`). */
export interface OdooLocationFact {
  locationId: string;
  locationType: StockLocationUpserted['locationType'];
  name: string;
  warehouseCode: string | null;
  odooCompany: string;
  companyId: string | null;
  brand: string | null;
  active: boolean;
}

export type LearnedLocation = { ok: true; location: LocationConfig } | { ok: false; problem: string };

/**
 * A location from Odoo with the network's settings for it: `defaults`, then its company (by Omnibus
 * company id, else Odoo company name), then its warehouse code, the most specific winning field by
 * field; the brand falls back to the one the adapter's mapping gives the company. Odoo's type gives the
 * kind (warehouse unless it is a store or drop-ship location). Pure: unit-tested.
 */
export function learnedLocation(fact: OdooLocationFact, settings: OdooLocationsConfig): LearnedLocation {
  if (!fact.active) return { ok: false, problem: 'archived in Odoo' };
  const company = (fact.companyId !== null ? settings.companies[fact.companyId] : undefined) ?? settings.companies[fact.odooCompany] ?? {};
  const warehouse = (fact.warehouseCode !== null ? settings.warehouses[fact.warehouseCode] : undefined) ?? {};
  const merged = { ...settings.defaults, ...company, ...warehouse };
  const brand = merged.brand ?? fact.brand ?? fact.companyId ?? undefined;
  const missing = [merged.region === undefined && 'region', brand === undefined && 'brand', merged.channels === undefined && 'channels'].filter(Boolean);
  if (missing.length > 0) {
    return { ok: false, problem: `no ${missing.join(', ')} for it in the network's odooLocations (defaults, companies.${fact.companyId ?? fact.odooCompany}, warehouses.${fact.warehouseCode ?? '?'})` };
  }
  return {
    ok: true,
    location: {
      id: fact.locationId,
      kind: KIND[fact.locationType] ?? 'warehouse',
      region: merged.region!,
      brand: brand!,
      channels: merged.channels!,
      safetyStock: merged.safetyStock ?? 0,
    },
  };
}
