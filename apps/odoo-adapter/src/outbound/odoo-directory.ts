import { OdooClient, OdooContext } from '@omnibus/odoo-client';
import type { Address, OrderCustomer } from '@omnibus/contracts';
import { CommandRejectedError } from './command-rejected';
import { CreateItem, createOnceEach } from './batch-calls';
import { ResolvedCompany } from '../mapping/mapping';

/**
 * Finds (and for partners, creates once) the Odoo records a command refers to by our identifiers:
 * products by SKU (`default_code`), partners by our customer id (`ref`), journals and accounts by code.
 * Ids are cached for the life of the process; the inbound sync tells `forget` what Odoo changed.
 */
export class OdooDirectory {
  private readonly productsBySku = new Map<string, number>();
  private readonly countries = new Map<string, number>();
  private readonly journals = new Map<string, number>();
  private readonly accounts = new Map<string, number>();
  /** Each company's sale taxes (percent, price-included or not), read once. */
  private readonly saleTaxes = new Map<number, Promise<Array<{ id: number; amount: number; price_include: boolean }>>>();
  /** Customers' partners by our customer id; guests and delivery addresses are per order, so not kept. */
  private readonly partnersByRef = new Map<string, number>();

  constructor(
    private readonly odoo: OdooClient,
    private readonly majorVersion: number,
  ) {}

  /** The ids of those SKUs Odoo knows (one search for the ones not cached); unknown SKUs are left out. */
  async knownProducts(skus: string[]): Promise<Map<string, number>> {
    const missing = [...new Set(skus.filter((sku) => !this.productsBySku.has(sku)))];
    if (missing.length > 0) {
      const found = await this.odoo.searchRead<{ id: number; default_code: string }>('product.product', [['default_code', 'in', missing]], {
        fields: ['default_code'],
        order: 'id asc',
        context: { active_test: false },
      });
      for (const product of found) if (!this.productsBySku.has(product.default_code)) this.productsBySku.set(product.default_code, product.id);
    }
    return new Map(skus.filter((sku) => this.productsBySku.has(sku)).map((sku) => [sku, this.productsBySku.get(sku) as number]));
  }

  /** The ids of these SKUs; a SKU Odoo does not know refuses the command. */
  async productIds(skus: string[]): Promise<Map<string, number>> {
    const known = await this.knownProducts(skus);
    const unknown = [...new Set(skus.filter((sku) => !known.has(sku)))];
    if (unknown.length > 0) throw new CommandRejectedError(`unknown SKU(s) in Odoo: ${unknown.join(', ')}`, 'MISSING_RECORD');
    return known;
  }

  /**
   * The company's sale tax that gives the tax the channel charged on a line: `taxMinor` on `netMinor`
   * (minor units), price-included or not as the order's prices are. A channel rounds each line's tax to
   * the minor unit, so a tax fits when its rate on the net lands within half a minor unit of what the
   * channel charged (3.30 on 21.98 is Odoo's 15 %, though 15.01 % by division). No tax fits: the command
   * is refused, because Odoo adding its own would bill another amount.
   */
  async saleTaxId(company: ResolvedCompany, line: { netMinor: number; taxMinor: number }, priceIncluded: boolean): Promise<number> {
    let taxes = this.saleTaxes.get(company.odooCompanyId);
    if (!taxes) {
      taxes = this.odoo.searchRead<{ id: number; amount: number; price_include: boolean }>(
        'account.tax',
        [['type_tax_use', '=', 'sale'], ['amount_type', '=', 'percent'], ['company_id', '=', company.odooCompanyId]],
        { fields: ['amount', 'price_include'], order: 'sequence, id', context: { allowed_company_ids: [company.odooCompanyId] } },
      );
      this.saleTaxes.set(company.odooCompanyId, taxes);
      taxes.catch(() => this.saleTaxes.delete(company.odooCompanyId));
    }
    const fits = (tax: { amount: number }) => Math.abs((line.netMinor * tax.amount) / 100 - line.taxMinor) <= 0.5 + 1e-9;
    const found = (await taxes).find((tax) => Boolean(tax.price_include) === priceIncluded && fits(tax));
    if (!found) {
      const rate = ((line.taxMinor / line.netMinor) * 100).toFixed(2);
      throw new CommandRejectedError(`Odoo company ${company.companyId} has no ${priceIncluded ? 'price-included ' : ''}sale tax of ${rate}% (or one that gives ${line.taxMinor} on ${line.netMinor})`, 'MISSING_RECORD');
    }
    return found.id;
  }

  /**
   * The partners of a batch of orders by our references: each customer's (our customer id as `ref`, a
   * guest one per order) and, for orders shipped elsewhere, a delivery address under it. One search for
   * the references not cached, one create for the missing customers and one for the missing addresses.
   * An order whose partner Odoo refused gets the error.
   */
  async orderPartners(orders: Array<{ orderId: string; customer: OrderCustomer; billing: Address; shipping: Address | null }>, context: OdooContext): Promise<Map<string, { partnerId: number; shippingId: number } | { error: unknown }>> {
    const customerRef = (order: (typeof orders)[number]) => order.customer.customerId ?? `guest:${order.orderId}`;
    const customers: CreateItem[] = [];
    for (const order of orders) {
      const ref = customerRef(order);
      if (this.partnersByRef.has(ref)) continue;
      customers.push({
        ref,
        values: { name: order.customer.name, ref, email: order.customer.email ?? false, phone: order.customer.phone ?? false, customer_rank: 1, ...(await this.addressValues(order.billing)) },
      });
    }
    const customerIds = await createOnceEach(this.odoo, 'res.partner', 'ref', customers, { context });
    for (const [ref, result] of customerIds) if ('id' in result && !ref.startsWith('guest:')) this.partnersByRef.set(ref, result.id);
    const partnerOf = (order: (typeof orders)[number]): { id: number } | { error: unknown } => {
      const ref = customerRef(order);
      const cached = this.partnersByRef.get(ref);
      return cached !== undefined ? { id: cached } : (customerIds.get(ref) as { id: number } | { error: unknown });
    };
    const addresses: CreateItem[] = [];
    for (const order of orders) {
      const partner = partnerOf(order);
      if (!order.shipping || !('id' in partner)) continue;
      const address = order.shipping;
      const ref = `${order.orderId}:shipping`;
      addresses.push({ ref, values: { parent_id: partner.id, type: 'delivery', name: address.name, ref, email: address.email ?? false, phone: address.phone ?? false, ...(await this.addressValues(address)) } });
    }
    const addressIds = await createOnceEach(this.odoo, 'res.partner', 'ref', addresses, { context });
    const result = new Map<string, { partnerId: number; shippingId: number } | { error: unknown }>();
    for (const order of orders) {
      const partner = partnerOf(order);
      if (!('id' in partner)) {
        result.set(order.orderId, partner);
        continue;
      }
      const address = order.shipping ? (addressIds.get(`${order.orderId}:shipping`) as { id: number } | { error: unknown }) : { id: partner.id };
      result.set(order.orderId, 'id' in address ? { partnerId: partner.id, shippingId: address.id } : address);
    }
    return result;
  }

  /** Forgets what Odoo changed (the inbound sync saw it): a product whose SKU moved, a merged or archived partner. */
  forget(model: string, records: Array<{ id: number }>): void {
    const ids = new Set(records.map((record) => record.id));
    const cache = model === 'product.product' ? this.productsBySku : model === 'res.partner' ? this.partnersByRef : undefined;
    if (!cache) return;
    for (const [key, id] of cache) if (ids.has(id)) cache.delete(key);
  }

  /** Partners of many refs (our customer ids), one search for those not cached; unknown refs are left out. */
  async partnersOf(refs: string[], context: OdooContext): Promise<Map<string, number>> {
    const missing = [...new Set(refs.filter((ref) => !this.partnersByRef.has(ref)))];
    if (missing.length > 0) {
      const found = await this.odoo.searchRead<{ id: number; ref: string }>('res.partner', [['ref', 'in', missing]], { fields: ['ref'], order: 'id asc', context: { ...context, active_test: false } });
      for (const partner of found) if (!this.partnersByRef.has(partner.ref)) this.partnersByRef.set(partner.ref, partner.id);
    }
    return new Map(refs.filter((ref) => this.partnersByRef.has(ref)).map((ref) => [ref, this.partnersByRef.get(ref) as number]));
  }

  async journalId(company: ResolvedCompany, omnibusCode: string): Promise<number> {
    const code = company.journalCodes[omnibusCode] ?? omnibusCode;
    const key = `${company.odooCompanyId}|${code}`;
    if (!this.journals.has(key)) {
      const [id] = await this.odoo.search('account.journal', [['code', '=', code], ['company_id', '=', company.odooCompanyId]], { limit: 1 });
      if (id === undefined) throw new CommandRejectedError(`no Odoo journal with code ${code} in company ${company.companyId}`, 'MISSING_RECORD');
      this.journals.set(key, id);
    }
    return this.journals.get(key) as number;
  }

  /** ≤17 an account belongs to one company (`company_id`); 18+ may be shared (`company_ids`), §4.8. */
  async accountId(company: ResolvedCompany, omnibusCode: string): Promise<number> {
    const code = company.accountCodes[omnibusCode] ?? omnibusCode;
    const key = `${company.odooCompanyId}|${code}`;
    if (!this.accounts.has(key)) {
      const companyField = this.majorVersion >= 18 ? 'company_ids' : 'company_id';
      const [id] = await this.odoo.search('account.account', [['code', '=', code], [companyField, 'in', [company.odooCompanyId]]], {
        limit: 1,
        context: { allowed_company_ids: [company.odooCompanyId] },
      });
      if (id === undefined) throw new CommandRejectedError(`no Odoo account with code ${code} in company ${company.companyId}`, 'MISSING_RECORD');
      this.accounts.set(key, id);
    }
    return this.accounts.get(key) as number;
  }

  private async addressValues(address: Address): Promise<Record<string, unknown>> {
    return {
      street: address.line1,
      street2: address.line2 ?? false,
      city: address.city,
      zip: address.postalCode ?? false,
      country_id: (await this.countryId(address.countryCode)) ?? false,
    };
  }

  private async countryId(code: string): Promise<number | undefined> {
    const upper = code.toUpperCase();
    if (!this.countries.has(upper)) {
      const [id] = await this.odoo.search('res.country', [['code', '=', upper]], { limit: 1 });
      if (id === undefined) return undefined;
      this.countries.set(upper, id);
    }
    return this.countries.get(upper);
  }
}
