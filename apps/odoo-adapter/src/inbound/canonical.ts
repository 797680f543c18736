/**
 * Odoo records to canonical events (schemas/catalog, customer, inventory). Pure: everything that needs
 * another Odoo read (currency codes, SKUs of product ids, location roots) is passed in.
 */
import { parseOdooDatetime } from '@omnibus/odoo-client';
import { moneyFromOdoo, quantityFromOdoo } from '../shared/units';
import type { CustomerUpserted, PriceChanged, ProductUpserted, StockPositionChanged } from '@omnibus/contracts';

/** Odoo's many2one as read: `[id, display_name]` or `false`. */
export type Many2one = [number, string] | false;

export function idOf(value: unknown): number | undefined {
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  if (typeof value === 'number') return value;
  return undefined;
}

export function nameOf(value: unknown): string | null {
  return Array.isArray(value) && typeof value[1] === 'string' ? value[1] : null;
}

/** Odoo's `false` for "empty" to null; blank strings too. */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

export function odooTime(writeDate: string): Date {
  return parseOdooDatetime(writeDate);
}

// ------------------------------------------------------------------ products

export interface OdooProduct {
  id: number;
  default_code: string | false;
  display_name?: string;
  name: string;
  description_sale?: string | false;
  barcode?: string | false;
  categ_id?: Many2one;
  type: string;
  detailed_type?: string;
  is_storable?: boolean;
  uom_id?: Many2one;
  weight?: number;
  lst_price?: number;
  list_price?: number;
  standard_price?: number;
  active: boolean;
  company_id?: Many2one;
  write_date: string;
}

/** 16–17: `type` product/consu/service; 18+: `type` consu/service/combo plus `is_storable` (§4.1). */
export function productKind(product: Pick<OdooProduct, 'type' | 'detailed_type' | 'is_storable'>): ProductUpserted['kind'] {
  // 16–17 keep `type` and `detailed_type` in step; accept either saying "product".
  if (product.type === 'product' || product.detailed_type === 'product') return 'STORABLE';
  const type = product.type || product.detailed_type;
  if (type === 'consu' && product.is_storable === true) return 'STORABLE';
  if (type === 'consu') return 'CONSUMABLE';
  if (type === 'service') return 'SERVICE';
  return 'OTHER';
}

export function productUpserted(product: OdooProduct, context: { currency: string; brand: string | null; now: Date }): ProductUpserted | undefined {
  const sku = text(product.default_code);
  if (!sku) return undefined;
  return {
    sku,
    name: product.display_name || product.name,
    description: text(product.description_sale),
    brand: context.brand,
    category: nameOf(product.categ_id),
    barcode: text(product.barcode),
    kind: productKind(product),
    unitOfMeasure: nameOf(product.uom_id) ?? 'Units',
    weightGrams: product.weight ? Math.round(product.weight * 1000) : null,
    attributes: {},
    listPrice: moneyFromOdoo(product.lst_price ?? product.list_price, context.currency),
    standardCost: product.standard_price ? moneyFromOdoo(product.standard_price, context.currency) : null,
    active: product.active !== false,
    odooProductId: product.id,
    sourceUpdatedAt: odooTime(product.write_date),
    occurredAt: context.now,
  };
}

// ------------------------------------------------------------------ prices

export interface OdooPricelistItem {
  id: number;
  pricelist_id: Many2one;
  applied_on: string;
  product_id?: Many2one;
  product_tmpl_id?: Many2one;
  compute_price: string;
  fixed_price?: number;
  min_quantity?: number;
  date_start?: string | false;
  date_end?: string | false;
  currency_id?: Many2one;
  active?: boolean;
  write_date: string;
}

export interface PriceListSettings {
  priceListId: string;
  channelId: string | null;
  taxIncluded: boolean;
  currency: string;
}

/**
 * A fixed price on a variant or a template becomes one PriceChanged per SKU. Percentage and formula
 * items depend on other prices and are left to Odoo's own computation (not carried as events).
 */
export function pricesOfItem(item: OdooPricelistItem, skus: string[], priceList: PriceListSettings, now: Date): PriceChanged[] {
  if (item.compute_price !== 'fixed') return [];
  if (item.applied_on !== '0_product_variant' && item.applied_on !== '1_product') return [];
  const currency = nameOf(item.currency_id) ?? priceList.currency;
  return skus.map((sku) => ({
    sku,
    priceListId: priceList.priceListId,
    channelId: priceList.channelId,
    price: moneyFromOdoo(item.fixed_price ?? 0, currency),
    compareAtPrice: null,
    taxIncluded: priceList.taxIncluded,
    minQuantity: quantityFromOdoo(Math.max(item.min_quantity ?? 0, 1)),
    validFrom: item.date_start ? odooTime(item.date_start) : new Date(0),
    validUntil: item.date_end ? odooTime(item.date_end) : null,
    occurredAt: now,
  }));
}

/** The product's own sales price, published on the configured default price list. */
export function listPriceChanged(product: OdooProduct, priceList: PriceListSettings, now: Date): PriceChanged | undefined {
  const sku = text(product.default_code);
  if (!sku) return undefined;
  return {
    sku,
    priceListId: priceList.priceListId,
    channelId: priceList.channelId,
    price: moneyFromOdoo(product.lst_price ?? product.list_price, priceList.currency),
    compareAtPrice: null,
    taxIncluded: priceList.taxIncluded,
    minQuantity: { milli: 1000 },
    validFrom: new Date(0),
    validUntil: null,
    occurredAt: now,
  };
}

// ------------------------------------------------------------------ customers

export interface OdooPartner {
  id: number;
  name: string | false;
  ref?: string | false;
  is_company?: boolean;
  email?: string | false;
  phone?: string | false;
  mobile?: string | false;
  vat?: string | false;
  lang?: string | false;
  street?: string | false;
  street2?: string | false;
  city?: string | false;
  zip?: string | false;
  country_id?: Many2one;
  parent_id?: Many2one;
  active?: boolean;
  write_date: string;
}

/** Our customer id is the partner's `ref` when Omnibus created it; Odoo-born customers get a derived one. */
export function customerIdOf(partner: Pick<OdooPartner, 'id' | 'ref'>): string {
  return text(partner.ref) ?? `odoo-partner-${partner.id}`;
}

export function customerUpserted(partner: OdooPartner, context: { countryCodes: Map<number, string>; now: Date }): CustomerUpserted {
  const name = text(partner.name) ?? `Odoo partner ${partner.id}`;
  const countryId = idOf(partner.country_id);
  const countryCode = countryId !== undefined ? context.countryCodes.get(countryId) : undefined;
  const street = text(partner.street);
  const city = text(partner.city);
  return {
    customerId: customerIdOf(partner),
    name,
    isCompany: partner.is_company === true,
    email: text(partner.email),
    phone: text(partner.phone) ?? text(partner.mobile),
    vatNumber: text(partner.vat),
    locale: text(partner.lang)?.replace('_', '-') ?? null,
    billingAddress:
      street && city && countryCode
        ? {
            name,
            company: nameOf(partner.parent_id),
            line1: street,
            line2: text(partner.street2),
            city,
            postalCode: text(partner.zip),
            region: null,
            countryCode: countryCode.toUpperCase(),
            phone: text(partner.phone),
            email: text(partner.email),
          }
        : null,
    shippingAddresses: [],
    marketingConsent: false,
    active: partner.active !== false,
    odooPartnerId: partner.id,
    sourceUpdatedAt: odooTime(partner.write_date),
    occurredAt: context.now,
  };
}

// ------------------------------------------------------------------ stock

export interface OdooQuant {
  id: number;
  product_id: Many2one;
  location_id: Many2one;
  quantity: number;
  write_date: string;
}

export interface MappedLocation {
  locationId: string;
  locationType: StockPositionChanged['location']['locationType'];
}

export interface StockPosition {
  productId: number;
  location: MappedLocation;
  /** Sum over every quant of the product in the location and its sub-locations (lots, packages, shelves). */
  onHandMilli: number;
  /** Latest write_date among those quants (second precision, or finer when a webhook said so). */
  observedAt: Date;
  quantIds: number[];
}

/**
 * Sums quants per (product, mapped location). `rootOf` maps an Odoo location id to the configured
 * location it rolls up to, or undefined for locations we do not publish (customers, scrap, other companies).
 */
export function stockPositions(quants: OdooQuant[], rootOf: (odooLocationId: number) => MappedLocation | undefined): StockPosition[] {
  const positions = new Map<string, StockPosition>();
  for (const quant of quants) {
    const productId = idOf(quant.product_id);
    const locationId = idOf(quant.location_id);
    if (productId === undefined || locationId === undefined) continue;
    const location = rootOf(locationId);
    if (!location) continue;
    const key = `${productId}|${location.locationId}`;
    const observedAt = parseOdooDatetime(quant.write_date);
    const position = positions.get(key);
    if (!position) {
      positions.set(key, { productId, location, onHandMilli: quantityFromOdoo(quant.quantity).milli, observedAt, quantIds: [quant.id] });
    } else {
      position.onHandMilli += quantityFromOdoo(quant.quantity).milli;
      if (observedAt > position.observedAt) position.observedAt = observedAt;
      position.quantIds.push(quant.id);
    }
  }
  return [...positions.values()];
}

export function stockPositionChanged(position: StockPosition, sku: string, now: Date): StockPositionChanged {
  return {
    sku,
    location: { locationId: position.location.locationId, locationType: position.location.locationType },
    onHand: { milli: position.onHandMilli },
    inbound: { milli: 0 },
    source: 'ODOO',
    sourceReference: `stock.quant/${position.quantIds.sort((a, b) => a - b).join(',')}`,
    observedAt: position.observedAt,
    occurredAt: now,
  };
}

