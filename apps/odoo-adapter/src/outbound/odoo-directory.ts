import { OdooClient, OdooContext } from '@omnibus/odoo-client';
import type { Address, OrderCustomer } from '@omnibus/contracts';
import { CommandRejectedError } from './odoo-commands';
import { ResolvedCompany } from '../mapping/mapping';

/**
 * Finds (and for partners, creates once) the Odoo records a command refers to by our identifiers:
 * products by SKU (`default_code`), partners by our customer id (`ref`), journals and accounts by code.
 * Ids that never change are cached for the life of the process.
 */
export class OdooDirectory {
  private readonly productsBySku = new Map<string, number>();
  private readonly countries = new Map<string, number>();
  private readonly journals = new Map<string, number>();
  private readonly accounts = new Map<string, number>();

  constructor(
    private readonly odoo: OdooClient,
    private readonly majorVersion: number,
  ) {}

  async productIds(skus: string[]): Promise<Map<string, number>> {
    const missing = [...new Set(skus.filter((sku) => !this.productsBySku.has(sku)))];
    if (missing.length > 0) {
      const found = await this.odoo.searchRead<{ id: number; default_code: string }>('product.product', [['default_code', 'in', missing]], {
        fields: ['default_code'],
        order: 'id asc',
        context: { active_test: false },
      });
      for (const product of found) if (!this.productsBySku.has(product.default_code)) this.productsBySku.set(product.default_code, product.id);
    }
    const unknown = skus.filter((sku) => !this.productsBySku.has(sku));
    if (unknown.length > 0) throw new CommandRejectedError(`unknown SKU(s) in Odoo: ${[...new Set(unknown)].join(', ')}`, 'MISSING_RECORD');
    return new Map(skus.map((sku) => [sku, this.productsBySku.get(sku) as number]));
  }

  /** The customer's partner, created once with our customer id as `ref` (guests get one per order). */
  async customerPartner(customer: OrderCustomer, billing: Address, orderId: string, context: OdooContext): Promise<number> {
    const ref = customer.customerId ?? `guest:${orderId}`;
    const { id } = await this.odoo.createOnce('res.partner', {
      reference: [['ref', '=', ref]],
      values: {
        name: customer.name,
        ref,
        email: customer.email ?? false,
        phone: customer.phone ?? false,
        customer_rank: 1,
        ...(await this.addressValues(billing)),
      },
      context,
    });
    return id;
  }

  async deliveryAddress(parentId: number, address: Address, ref: string, context: OdooContext): Promise<number> {
    const { id } = await this.odoo.createOnce('res.partner', {
      reference: [['ref', '=', ref]],
      values: { parent_id: parentId, type: 'delivery', name: address.name, ref, email: address.email ?? false, phone: address.phone ?? false, ...(await this.addressValues(address)) },
      context,
    });
    return id;
  }

  async partnerByRef(ref: string, context: OdooContext): Promise<number | undefined> {
    const [id] = await this.odoo.search('res.partner', [['ref', '=', ref]], { limit: 1, order: 'id asc', context: { ...context, active_test: false } });
    return id;
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
