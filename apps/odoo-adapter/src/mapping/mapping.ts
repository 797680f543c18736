/**
 * How Omnibus identifiers map onto one Odoo database: companies (and the brand they sell), stock
 * locations, price lists, journals and accounts. Written by an operator as YAML, checked twice at
 * start-up: its shape (zod), then every name and code against Odoo, so a typo stops the service with
 * one clear message instead of failing the first order.
 */
import { OdooClient } from '@omnibus/odoo-client';
import { z } from 'zod';

const locationTypes = ['STORE', 'WAREHOUSE', 'DROPSHIP', 'IN_TRANSIT', 'OTHER'] as const;

export const mappingSchema = z.object({
  companies: z
    .array(
      z.object({
        /** The `companyId` commands carry. */
        companyId: z.string().min(1),
        /** Odoo company name (or id). */
        odooCompany: z.union([z.string().min(1), z.number().int().positive()]),
        currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code in upper case'),
        /** Brand published on this company's products (ProductUpserted.brand); null when it sells several. */
        brand: z.string().nullable().default(null),
        /** Omnibus journal code → Odoo journal code; codes not listed are used as they are. */
        journals: z.record(z.string()).default({}),
        /** Omnibus account code → Odoo account code; codes not listed are used as they are. */
        accounts: z.record(z.string()).default({}),
      }),
    )
    .min(1),
  locations: z
    .array(
      z
        .object({
          locationId: z.string().min(1),
          locationType: z.enum(locationTypes),
          /** Odoo warehouse code: its stock location and everything below it. */
          warehouse: z.string().min(1).optional(),
          /** Or an Odoo location by full name (`WH/Stock`), with its sub-locations. */
          odooLocation: z.string().min(1).optional(),
        })
        .refine((location) => (location.warehouse === undefined) !== (location.odooLocation === undefined), {
          message: 'give exactly one of warehouse or odooLocation',
        }),
    )
    .min(1),
  /**
   * Odoo warehouses the `locations` above do not list: published as locations (StockLocationUpserted)
   * with id `<locationIdPrefix><code in lower case>`, and their stock followed like a mapped warehouse's.
   */
  warehouses: z
    .object({
      discover: z.boolean().default(true),
      locationIdPrefix: z.string().regex(/^[a-z0-9-]*$/, 'lower-case letters, digits and dashes').default('odoo-'),
    })
    .strict()
    .default({}),
  priceLists: z
    .array(
      z.object({
        priceListId: z.string().min(1),
        odooPricelist: z.union([z.string().min(1), z.number().int().positive()]),
        channelId: z.string().nullable().default(null),
        taxIncluded: z.boolean().default(false),
      }),
    )
    .default([]),
  /** The price list on which each product's own sales price is published. */
  listPrice: z
    .object({ priceListId: z.string().min(1).default('default'), channelId: z.string().nullable().default(null), taxIncluded: z.boolean().default(false) })
    .default({}),
  /** Which partners are customers. */
  customerDomain: z.array(z.unknown()).default([['customer_rank', '>', 0]]),
  /** stock.picking field that holds our shipment id, so a retried validation finds its picking. */
  shipmentMarkerField: z.string().default('x_omnibus_shipment_id'),
  /** SKU (default_code) of the service product a sale order's shipping charge is billed as. */
  shippingProductSku: z.string().default('SRV-SHIP'),
  /** SKU (default_code) of the service product an order-level discount (a voucher) is billed as, a negative line. */
  discountProductSku: z.string().default('SRV-DISC'),
});

export type MappingInput = z.input<typeof mappingSchema>;
export type Mapping = z.output<typeof mappingSchema>;

export interface ResolvedCompany {
  companyId: string;
  odooCompanyId: number;
  currency: string;
  brand: string | null;
  journalCodes: Record<string, string>;
  accountCodes: Record<string, string>;
}

export interface ResolvedLocation {
  locationId: string;
  locationType: (typeof locationTypes)[number];
  /** The Odoo location stock rolls up to (a warehouse's stock location, or the one named). */
  odooLocationId: number;
  odooWarehouseId?: number;
  /** Learned from Odoo (`warehouses.discover`), not listed in the mapping file. */
  discovered?: boolean;
}

export interface ResolvedPriceList {
  priceListId: string;
  odooPricelistId: number;
  channelId: string | null;
  taxIncluded: boolean;
  currency: string;
}

export class MappingError extends Error {
  constructor(readonly problems: string[]) {
    super(`Odoo mapping is invalid: ${problems.join('; ')}`);
    this.name = 'MappingError';
  }
}

export class ResolvedMapping {
  constructor(
    readonly companies: ResolvedCompany[],
    readonly locations: ResolvedLocation[],
    readonly priceLists: ResolvedPriceList[],
    readonly settings: Mapping,
  ) {}

  get shipmentMarkerField(): string {
    return this.settings.shipmentMarkerField;
  }

  get shippingProductSku(): string {
    return this.settings.shippingProductSku;
  }

  get discountProductSku(): string {
    return this.settings.discountProductSku;
  }

  company(companyId: string): ResolvedCompany {
    const company = this.companies.find((candidate) => candidate.companyId === companyId);
    if (!company) throw new UnmappedError(`company ${companyId} is not in the Odoo mapping`);
    return company;
  }

  companyByOdooId(odooCompanyId: number | undefined): ResolvedCompany {
    return this.companies.find((candidate) => candidate.odooCompanyId === odooCompanyId) ?? this.companies[0];
  }

  /** A warehouse found in Odoo that the mapping file does not list; its stock is followed from now on. */
  addDiscoveredLocation(location: ResolvedLocation): void {
    if (this.locations.some((known) => known.locationId === location.locationId || known.odooLocationId === location.odooLocationId)) return;
    (this.locations as ResolvedLocation[]).push({ ...location, discovered: true });
  }

  /** The mapped location of an Odoo warehouse, whether listed in the file or discovered. */
  locationOfWarehouse(odooWarehouseId: number): ResolvedLocation | undefined {
    return this.locations.find((candidate) => candidate.odooWarehouseId === odooWarehouseId);
  }

  location(locationId: string): ResolvedLocation {
    const location = this.locations.find((candidate) => candidate.locationId === locationId);
    if (!location) throw new UnmappedError(`location ${locationId} is not in the Odoo mapping`);
    return location;
  }

  priceListByOdooId(odooPricelistId: number | undefined): ResolvedPriceList | undefined {
    return this.priceLists.find((candidate) => candidate.odooPricelistId === odooPricelistId);
  }
}

/** A command names something the mapping does not know: fix the mapping, retrying will not help. */
export class UnmappedError extends Error {
  override readonly name = 'UnmappedError';
}

export function parseMapping(input: unknown): Mapping {
  const parsed = mappingSchema.safeParse(input);
  if (!parsed.success) throw new MappingError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  return parsed.data;
}

/** Looks every name and code up in Odoo; reports all that are missing at once. */
export async function resolveMapping(odoo: OdooClient, mapping: Mapping, majorVersion: number): Promise<ResolvedMapping> {
  const problems: string[] = [];
  const byNameOrId = async (model: string, value: string | number, nameField = 'name'): Promise<{ id: number } & Record<string, unknown> | undefined> => {
    const domain = typeof value === 'number' ? [['id', '=', value]] : [[nameField, '=', value]];
    const [record] = await odoo.searchRead(model, domain, { fields: ['id', 'currency_id'], limit: 1, context: { active_test: false } });
    return record;
  };

  const companies: ResolvedCompany[] = [];
  for (const company of mapping.companies) {
    const found = await byNameOrId('res.company', company.odooCompany);
    if (!found) {
      problems.push(`companies.${company.companyId}: no Odoo company ${JSON.stringify(company.odooCompany)}`);
      continue;
    }
    const currency = Array.isArray(found.currency_id) ? String(found.currency_id[1]) : undefined;
    if (currency && currency !== company.currency) problems.push(`companies.${company.companyId}: Odoo company currency is ${currency}, mapping says ${company.currency}`);
    companies.push({ companyId: company.companyId, odooCompanyId: found.id, currency: company.currency, brand: company.brand, journalCodes: company.journals, accountCodes: company.accounts });
    for (const code of Object.values(company.journals)) {
      const count = await odoo.searchCount('account.journal', [['code', '=', code], ['company_id', '=', found.id]]);
      if (count === 0) problems.push(`companies.${company.companyId}.journals: no Odoo journal ${code}`);
    }
    const companyField = majorVersion >= 18 ? 'company_ids' : 'company_id';
    for (const code of Object.values(company.accounts)) {
      const count = await odoo.searchCount('account.account', [['code', '=', code], [companyField, 'in', [found.id]]], { context: { allowed_company_ids: [found.id] } });
      if (count === 0) problems.push(`companies.${company.companyId}.accounts: no Odoo account ${code}`);
    }
  }

  // Multi-company record rules show only the companies in context: make all mapped companies visible.
  if (companies.length > 0) odoo.extendDefaultContext({ allowed_company_ids: companies.map((company) => company.odooCompanyId) });

  const locations: ResolvedLocation[] = [];
  for (const location of mapping.locations) {
    if (location.warehouse !== undefined) {
      const [warehouse] = await odoo.searchRead<{ id: number; lot_stock_id: [number, string] | false }>('stock.warehouse', [['code', '=', location.warehouse]], {
        fields: ['lot_stock_id'],
        limit: 1,
      });
      if (!warehouse || !warehouse.lot_stock_id) problems.push(`locations.${location.locationId}: no Odoo warehouse with code ${location.warehouse}`);
      else locations.push({ locationId: location.locationId, locationType: location.locationType, odooLocationId: warehouse.lot_stock_id[0], odooWarehouseId: warehouse.id });
    } else {
      const [found] = await odoo.searchRead<{ id: number; warehouse_id: [number, string] | false }>('stock.location', [['complete_name', '=', location.odooLocation]], {
        fields: ['warehouse_id'],
        limit: 1,
      });
      if (!found) problems.push(`locations.${location.locationId}: no Odoo location ${location.odooLocation}`);
      else locations.push({ locationId: location.locationId, locationType: location.locationType, odooLocationId: found.id, odooWarehouseId: found.warehouse_id ? found.warehouse_id[0] : undefined });
    }
  }

  const priceLists: ResolvedPriceList[] = [];
  for (const priceList of mapping.priceLists) {
    const found = await byNameOrId('product.pricelist', priceList.odooPricelist);
    if (!found) problems.push(`priceLists.${priceList.priceListId}: no Odoo pricelist ${JSON.stringify(priceList.odooPricelist)}`);
    else
      priceLists.push({
        priceListId: priceList.priceListId,
        odooPricelistId: found.id,
        channelId: priceList.channelId,
        taxIncluded: priceList.taxIncluded,
        currency: Array.isArray(found.currency_id) ? String(found.currency_id[1]) : mapping.companies[0].currency,
      });
  }

  if (problems.length > 0) throw new MappingError(problems);
  return new ResolvedMapping(companies, locations, priceLists, mapping);
}
