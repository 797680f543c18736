/**
 * The Odoo models we sync and how their records become canonical facts. Each stream is read the same
 * three ways — polled by write_date cursor, fetched on a webhook hint, walked by a full re-sync — and
 * always ends in `factsOf(records)`, so the three cannot disagree.
 */
import { CustomerUpserted, PriceChanged, ProductUpserted, StockLocationUpserted, StockPositionChanged } from '@omnibus/contracts';
import { OdooClient, OdooDomain, OdooRecord, parseOdooDatetime, secondOf } from '@omnibus/odoo-client';
import type { OutgoingEvent } from '@omnibus/messaging';
import { contentHash } from '../shared/content-hash';
import { ResolvedMapping } from '../mapping/mapping';
import {
  customerUpserted,
  idOf,
  listPriceChanged,
  productUpserted,
  MappedLocation,
  OdooPartner,
  OdooPricelistItem,
  OdooProduct,
  OdooQuant,
  pricesOfItem,
  stockPositionChanged,
  stockPositions,
} from './canonical';
import { Fact } from './sync-store';
import { OdooWarehouse, WAREHOUSE_FIELDS, warehouseFacts } from './warehouses';

export type StreamName = 'product.product' | 'product.template' | 'product.pricelist.item' | 'res.partner' | 'stock.quant' | 'stock.warehouse';

export type InboundFact = Fact<OutgoingEvent> & { observedAt: Date };

export interface InboundStream {
  /** The Odoo model polled; also the sync_cursors key and the webhook path. */
  model: StreamName;
  fields: string[];
  domain(): OdooDomain;
  factsOf(records: OdooRecord[], now: Date, hintedTimes?: Map<number, Date>): Promise<InboundFact[]>;
  /** Facts for keys we published that Odoo no longer has (full re-sync), when the stream can say. */
  vanished?(keys: string[], now: Date): InboundFact[];
}

const PRODUCT_FIELDS = [
  'default_code', 'name', 'display_name', 'description_sale', 'barcode', 'categ_id', 'type', 'detailed_type', 'is_storable',
  'uom_id', 'weight', 'lst_price', 'standard_price', 'active', 'company_id', 'product_tmpl_id',
];

type Contract<T> = { topic: string; type: string; keyOf(event: T): string };

/** Renames a catalogue topic (TOPIC_OVERRIDES); identity in production. */
export type TopicOf = (topic: string) => string;

type EventOf = <T>(contract: Contract<T>, payload: T) => OutgoingEvent<T>;

/** Hash what a consumer sees; times of observation are not content. */
function hashOf(payload: object, volatile: string[]): string {
  const content = { ...(payload as Record<string, unknown>) };
  for (const field of volatile) delete content[field];
  return contentHash(content);
}

/**
 * Lookups the streams share: SKU per product id, the mapped location a stock location rolls up to,
 * country codes. Filled from Odoo on first need and refreshed when something unknown shows up.
 */
export class OdooLookups {
  private readonly skus = new Map<number, string | null>();
  private readonly roots = new Map<number, MappedLocation | null>();
  private countries?: Map<number, string>;
  private rootsLoadedAt = 0;

  constructor(
    private readonly odoo: OdooClient,
    private readonly mapping: ResolvedMapping,
  ) {}

  rememberSku(productId: number, sku: string | null): void {
    this.skus.set(productId, sku);
  }

  async skusOf(productIds: number[]): Promise<Map<number, string | null>> {
    const unknown = [...new Set(productIds.filter((id) => !this.skus.has(id)))];
    if (unknown.length > 0) {
      const products = await this.odoo.searchRead<{ id: number; default_code: string | false }>('product.product', [['id', 'in', unknown]], {
        fields: ['default_code'],
        context: { active_test: false },
      });
      for (const product of products) this.skus.set(product.id, product.default_code || null);
    }
    return new Map(productIds.map((id) => [id, this.skus.get(id) ?? null]));
  }

  /** Odoo location ids of every mapped location and its sub-locations. */
  async rootOf(odooLocationIds: number[]): Promise<(id: number) => MappedLocation | undefined> {
    const stale = odooLocationIds.some((id) => !this.roots.has(id)) && Date.now() - this.rootsLoadedAt > 1_000;
    if (this.rootsLoadedAt === 0 || stale) await this.loadLocationTree();
    return (id) => this.roots.get(id) ?? undefined;
  }

  /** A location was added to the mapping (a discovered warehouse): read the tree again on next need. */
  forgetLocationTree(): void {
    this.rootsLoadedAt = 0;
  }

  mappedRootIds(): number[] {
    return this.mapping.locations.map((location) => location.odooLocationId);
  }

  private async loadLocationTree(): Promise<void> {
    this.rootsLoadedAt = Date.now();
    for (const location of this.mapping.locations) {
      const ids = await this.odoo.search('stock.location', [['id', 'child_of', location.odooLocationId]], { context: { active_test: false } });
      for (const id of ids) {
        // A more specific mapping (a store inside a warehouse tree) wins over its ancestor's.
        if (!this.roots.get(id) || id === location.odooLocationId) this.roots.set(id, { locationId: location.locationId, locationType: location.locationType });
      }
    }
  }

  async countryCodes(): Promise<Map<number, string>> {
    if (!this.countries) {
      const countries = await this.odoo.searchRead<{ id: number; code: string }>('res.country', [], { fields: ['code'] });
      this.countries = new Map(countries.map((country) => [country.id, country.code]));
    }
    return this.countries;
  }
}

export function inboundStreams(
  odoo: OdooClient,
  mapping: ResolvedMapping,
  lookups: OdooLookups,
  availableFields: (model: string, wanted: string[]) => string[],
  topics: TopicOf = (topic) => topic,
): InboundStream[] {
  const event: EventOf = (contract, payload) => ({ topic: topics(contract.topic), type: contract.type, key: contract.keyOf(payload), payload });
  const listPrice = { ...mapping.settings.listPrice, currency: mapping.companies[0].currency };

  async function productFacts(products: OdooProduct[], now: Date): Promise<InboundFact[]> {
    const facts: InboundFact[] = [];
    for (const product of products) {
      lookups.rememberSku(product.id, product.default_code || null);
      const company = mapping.companyByOdooId(idOf(product.company_id));
      const upserted = productUpserted(product, { currency: company.currency, brand: company.brand, now });
      if (!upserted) continue;
      const sourceSecond = secondOf(product.write_date);
      facts.push({
        kind: 'product',
        key: upserted.sku,
        hash: hashOf(upserted, ['occurredAt', 'sourceUpdatedAt']),
        sourceSecond,
        observedAt: upserted.sourceUpdatedAt,
        event: event(ProductUpserted, upserted),
      });
      const price = listPriceChanged(product, { ...listPrice, currency: company.currency }, now);
      if (price) {
        facts.push({
          kind: 'price',
          key: `${price.priceListId}|${price.sku}|list`,
          hash: hashOf(price, ['occurredAt']),
          sourceSecond,
          observedAt: upserted.sourceUpdatedAt,
          event: event(PriceChanged, price),
        });
      }
    }
    return facts;
  }

  const products: InboundStream = {
    model: 'product.product',
    fields: availableFields('product.product', PRODUCT_FIELDS),
    domain: () => [],
    factsOf: (records, now) => productFacts(records as unknown as OdooProduct[], now),
  };

  // A template's price or name change does not touch its variants' write_date: follow templates too.
  const templates: InboundStream = {
    model: 'product.template',
    fields: ['id'],
    domain: () => [],
    async factsOf(records, now) {
      if (records.length === 0) return [];
      const variants = await odoo.searchRead<OdooProduct & OdooRecord>('product.product', [['product_tmpl_id', 'in', records.map((record) => record.id)]], {
        fields: [...products.fields, 'write_date'],
        context: { active_test: false },
      });
      // The template's write_date is the newer truth for what it carries (price, name).
      const templateTimes = new Map(records.map((record) => [record.id, String(record.write_date)]));
      for (const variant of variants) {
        const templateTime = templateTimes.get(idOf((variant as unknown as { product_tmpl_id: unknown }).product_tmpl_id) ?? -1);
        if (templateTime && templateTime > variant.write_date) variant.write_date = templateTime;
      }
      return productFacts(variants, now);
    },
  };

  const prices: InboundStream = {
    model: 'product.pricelist.item',
    fields: availableFields('product.pricelist.item', ['pricelist_id', 'applied_on', 'product_id', 'product_tmpl_id', 'compute_price', 'fixed_price', 'min_quantity', 'date_start', 'date_end', 'currency_id']),
    domain: () => [['pricelist_id', 'in', mapping.priceLists.map((priceList) => priceList.odooPricelistId)]],
    async factsOf(records, now) {
      const items = records as unknown as OdooPricelistItem[];
      const variantIds = items.map((item) => idOf(item.product_id)).filter((id): id is number => id !== undefined);
      const templateIds = items.filter((item) => item.applied_on === '1_product').map((item) => idOf(item.product_tmpl_id)).filter((id): id is number => id !== undefined);
      const variantsOfTemplates = new Map<number, number[]>();
      if (templateIds.length > 0) {
        const variants = await odoo.searchRead<{ id: number; product_tmpl_id: [number, string]; default_code: string | false }>(
          'product.product',
          [['product_tmpl_id', 'in', templateIds]],
          { fields: ['product_tmpl_id', 'default_code'], context: { active_test: false } },
        );
        for (const variant of variants) {
          lookups.rememberSku(variant.id, variant.default_code || null);
          variantsOfTemplates.set(variant.product_tmpl_id[0], [...(variantsOfTemplates.get(variant.product_tmpl_id[0]) ?? []), variant.id]);
        }
      }
      const skus = await lookups.skusOf([...variantIds, ...[...variantsOfTemplates.values()].flat()]);
      const facts: InboundFact[] = [];
      for (const item of items) {
        const priceList = mapping.priceListByOdooId(idOf(item.pricelist_id));
        if (!priceList) continue;
        const productIds = item.applied_on === '1_product' ? (variantsOfTemplates.get(idOf(item.product_tmpl_id) ?? -1) ?? []) : [idOf(item.product_id)].filter((id): id is number => id !== undefined);
        const itemSkus = productIds.map((id) => skus.get(id)).filter((sku): sku is string => !!sku);
        for (const price of pricesOfItem(item, itemSkus, priceList, now)) {
          facts.push({
            kind: 'price',
            key: `${price.priceListId}|${price.sku}|item-${item.id}`,
            hash: hashOf(price, ['occurredAt']),
            sourceSecond: secondOf(item.write_date),
            observedAt: parseOdooDatetime(item.write_date),
            event: event(PriceChanged, price),
          });
        }
      }
      return facts;
    },
  };

  const customers: InboundStream = {
    model: 'res.partner',
    fields: availableFields('res.partner', ['name', 'ref', 'is_company', 'email', 'phone', 'mobile', 'vat', 'lang', 'street', 'street2', 'city', 'zip', 'country_id', 'parent_id', 'active']),
    domain: () => mapping.settings.customerDomain as OdooDomain,
    async factsOf(records, now) {
      const countryCodes = await lookups.countryCodes();
      return (records as unknown as OdooPartner[]).map((partner) => {
        const customer = customerUpserted(partner, { countryCodes, now });
        return {
          kind: 'customer',
          key: customer.customerId,
          hash: hashOf(customer, ['occurredAt', 'sourceUpdatedAt']),
          sourceSecond: secondOf(partner.write_date),
          observedAt: customer.sourceUpdatedAt,
          event: event(CustomerUpserted, customer),
        };
      });
    },
  };

  const stock: InboundStream = {
    model: 'stock.quant',
    fields: ['product_id', 'location_id', 'quantity'],
    domain: () => [['location_id', 'child_of', lookups.mappedRootIds()]],
    async factsOf(records, now, hintedTimes) {
      const changed = records as unknown as OdooQuant[];
      const productIds = [...new Set(changed.map((quant) => idOf(quant.product_id)).filter((id): id is number => id !== undefined))];
      if (productIds.length === 0) return [];
      // A position is the sum over all quants of the product under the mapped location: re-read them all.
      const quants = await odoo.searchRead<OdooQuant & OdooRecord>('stock.quant', [['product_id', 'in', productIds], ['location_id', 'child_of', lookups.mappedRootIds()]], {
        fields: ['product_id', 'location_id', 'quantity', 'write_date'],
      });
      const rootOf = await lookups.rootOf(quants.map((quant) => idOf(quant.location_id) as number));
      // A webhook knows the change time to the microsecond; a read only to the second.
      for (const quant of quants) {
        const hinted = hintedTimes?.get(quant.id);
        if (hinted && secondOf(hinted.toISOString().replace('T', ' ')) === secondOf(quant.write_date)) quant.write_date = hinted.toISOString().replace('T', ' ').slice(0, 23);
      }
      const positions = stockPositions(quants, rootOf);
      const skus = await lookups.skusOf(productIds);
      const facts: InboundFact[] = [];
      const seen = new Set<string>();
      for (const position of positions) {
        const sku = skus.get(position.productId);
        if (!sku) continue;
        seen.add(`${position.productId}|${position.location.locationId}`);
        const changedEvent = stockPositionChanged(position, sku, now);
        facts.push(stockFact(event, changedEvent, position.observedAt, false));
      }
      // Quants can disappear (moved out, garbage-collected at zero): a position we published drops to 0.
      const latest = new Date(Math.max(...changed.map((quant) => parseOdooDatetime(quant.write_date).getTime())));
      for (const productId of productIds) {
        const sku = skus.get(productId);
        if (!sku) continue;
        for (const location of mapping.locations) {
          if (seen.has(`${productId}|${location.locationId}`)) continue;
          const zero = stockPositionChanged(
            { productId, location: { locationId: location.locationId, locationType: location.locationType }, onHandMilli: 0, observedAt: latest, quantIds: [] },
            sku,
            now,
          );
          facts.push(stockFact(event, zero, latest, true));
        }
      }
      return facts;
    },
    vanished(keys, now) {
      return keys.flatMap((key) => {
        const separator = key.lastIndexOf('|');
        const sku = key.slice(0, separator);
        const location = mapping.locations.find((candidate) => candidate.locationId === key.slice(separator + 1));
        if (!location) return [];
        const zero = stockPositionChanged(
          { productId: 0, location: { locationId: location.locationId, locationType: location.locationType }, onHandMilli: 0, observedAt: now, quantIds: [] },
          sku,
          now,
        );
        return [stockFact(event, zero, now, true)];
      });
    },
  };

  // Warehouses become locations; a newly discovered one brings its current stock along, since the
  // stock cursor may already be past its quants.
  const warehouses: InboundStream = {
    model: 'stock.warehouse',
    fields: WAREHOUSE_FIELDS,
    domain: () => [],
    async factsOf(records, now) {
      const facts = await warehouseFacts(odoo, mapping, records as unknown as OdooWarehouse[], now, (payload) => event(StockLocationUpserted, payload));
      const discovered = facts.filter((fact) => fact.discovered);
      const stockFacts: InboundFact[] = [];
      if (discovered.length > 0) {
        lookups.forgetLocationTree();
        const quants = await odoo.searchRead('stock.quant', [['location_id', 'child_of', discovered.map((fact) => fact.location.odooLocationId)]], {
          fields: ['product_id', 'location_id', 'quantity', 'write_date'],
        });
        stockFacts.push(...(await stock.factsOf(quants, now)));
      }
      return [...facts.map(({ discovered: _discovered, location: _location, ...fact }) => fact), ...stockFacts];
    },
  };

  return [products, templates, prices, customers, stock, warehouses];
}

function stockFact(event: EventOf, payload: StockPositionChanged, observedAt: Date, onlyIfKnown: boolean): InboundFact {
  return {
    kind: 'stock',
    key: `${payload.sku}|${payload.location.locationId}`,
    hash: hashOf(payload, ['occurredAt', 'observedAt', 'sourceReference']),
    sourceSecond: secondOf(observedAt.toISOString().replace('T', ' ')),
    onlyIfKnown,
    observedAt,
    event: event(StockPositionChanged, payload),
  };
}
