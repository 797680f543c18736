import type { CreateSaleOrder, OrderLine } from '@omnibus/contracts';
import { OdooClient, OdooContext, OdooUserError } from '@omnibus/odoo-client';
import { ResolvedCompany, ResolvedMapping } from '../mapping/mapping';
import { moneyToOdoo, quantityToOdoo } from '../shared/units';
import { CommandRejectedError } from './command-rejected';
import { BatchResult, bringToState, createOnceEach, CreateItem, inHalves, perCompany, QUIET } from './batch-calls';
import { OdooDirectory } from './odoo-directory';

type Order = { id: number; name: string; state: string };

/** The channel charged shipping: it becomes a line of the shipping product. */
const charged = (command: CreateSaleOrder) => command.totals.shipping.amountMinor > 0;
/** The channel took a discount off the whole order (a voucher): it becomes a negative line of the discount product. */
const discounted = (command: CreateSaleOrder) => command.totals.orderDiscount.amountMinor > 0;

const CONFIRMED = ['sale', 'done'];

/**
 * CreateSaleOrder commands carried out together, in a handful of Odoo calls whatever their number:
 * one search for the orders Odoo already has (by `client_order_ref`, our order id), one for their
 * partners and one `create` each for the missing customers and addresses, one `create` of all new
 * orders, one `action_confirm` on all ids, one `read` of names and states. Each order stays
 * idempotent on its own: a retry or a replay finds what an earlier try created and finishes it. An
 * order Odoo refuses fails alone (the others are created and confirmed); its error is its result.
 */
export class SaleOrderBatch {
  constructor(
    private readonly odoo: OdooClient,
    private readonly mapping: ResolvedMapping,
    private readonly directory: OdooDirectory,
    private readonly majorVersion: number,
  ) {}

  /** One result per command, in their order. A command for an order already in the batch finds it applied. */
  createSaleOrders(commands: CreateSaleOrder[]): Promise<BatchResult[]> {
    return perCompany(this.mapping, commands, (command) => command.orderId, (company, first) => this.forCompany(company, first));
  }

  private async forCompany(company: ResolvedCompany, first: Map<string, CreateSaleOrder>): Promise<Map<string, BatchResult>> {
    const context: OdooContext = { ...QUIET, allowed_company_ids: [company.odooCompanyId] };
    const failed = new Map<string, unknown>();

    const existing = new Map<string, Order>();
    const found = await this.odoo.searchRead<Order & { client_order_ref: string }>('sale.order', [['client_order_ref', 'in', [...first.keys()]]], {
      fields: ['client_order_ref', 'name', 'state'],
      order: 'id asc',
      context: { ...context, active_test: false },
    });
    for (const order of found) if (!existing.has(order.client_order_ref)) existing.set(order.client_order_ref, order);

    // The new orders: their partners and products for all at once, then one create.
    const fresh = [...first.values()].filter((command) => !existing.has(command.orderId));
    const partners = await this.directory.orderPartners(
      fresh.map((command) => ({ orderId: command.orderId, customer: command.customer, billing: command.billingAddress, shipping: command.shippingAddress })),
      context,
    );
    const shippingSku = this.mapping.shippingProductSku;
    const discountSku = this.mapping.discountProductSku;
    const products = await this.directory.knownProducts([
      ...fresh.flatMap((command) => command.lines.map((line) => line.sku)),
      ...(fresh.some(charged) ? [shippingSku] : []),
      ...(fresh.some(discounted) ? [discountSku] : []),
    ]);
    const items: CreateItem[] = [];
    for (const command of fresh) {
      const partner = partners.get(command.orderId);
      if (!partner || 'error' in partner) {
        failed.set(command.orderId, partner?.error);
        continue;
      }
      const unknown = [...new Set(command.lines.map((line) => line.sku).filter((sku) => !products.has(sku)))];
      if (unknown.length > 0) {
        failed.set(command.orderId, new CommandRejectedError(`unknown SKU(s) in Odoo: ${unknown.join(', ')}`, 'MISSING_RECORD'));
        continue;
      }
      try {
        if (charged(command) && !products.has(shippingSku)) throw new CommandRejectedError(`the shipping product ${shippingSku} (mapping shippingProductSku) is unknown in Odoo`, 'MISSING_RECORD');
        if (discounted(command) && !products.has(discountSku)) throw new CommandRejectedError(`the discount product ${discountSku} (mapping discountProductSku) is unknown in Odoo`, 'MISSING_RECORD');
        items.push({ ref: command.orderId, values: await this.saleOrderValues(command, company, partner, products) });
      } catch (error) {
        failed.set(command.orderId, error);
      }
    }
    const created = await createOnceEach(this.odoo, 'sale.order', 'client_order_ref', items, { context, knownAbsent: true });

    // Confirm every order asked to be confirmed and not yet, with one call.
    const ids = new Map<string, { id: number; created: boolean; state: string }>();
    for (const [orderId, order] of existing) ids.set(orderId, { id: order.id, created: false, state: order.state });
    // Searched first, so every order here is one this batch created: a quotation.
    for (const [orderId, result] of created) {
      if ('error' in result) failed.set(orderId, result.error);
      else ids.set(orderId, { id: result.id, created: true, state: 'draft' });
    }
    const toConfirm = [...ids].filter(([orderId, order]) => first.get(orderId)!.confirm && !CONFIRMED.includes(order.state));
    const confirmedNow = new Set<string>();
    await inHalves(
      toConfirm,
      async (part) => {
        const orders = part.map(([orderId, order]) => ({ key: orderId, id: order.id }));
        for (const orderId of await bringToState(this.odoo, 'sale.order', 'action_confirm', orders, CONFIRMED, context)) confirmedNow.add(orderId);
      },
      ([orderId], error) => failed.set(orderId, error),
    );

    // Names of new orders and states after confirming, with one read.
    const toRead = [...ids].filter(([orderId, order]) => !failed.has(orderId) && (order.created || confirmedNow.has(orderId)));
    const read = new Map<number, Order>();
    if (toRead.length > 0) {
      const records = await this.odoo.read<Order>('sale.order', toRead.map(([, order]) => order.id), ['name', 'state'], { context });
      for (const record of records) read.set(record.id, record);
    }

    const results = new Map<string, BatchResult>();
    for (const orderId of first.keys()) {
      const order = ids.get(orderId);
      if (failed.has(orderId) || !order) {
        results.set(orderId, { error: failed.get(orderId) });
        continue;
      }
      const now = read.get(order.id) ?? existing.get(orderId);
      if (first.get(orderId)!.confirm && now && !CONFIRMED.includes(now.state)) {
        // action_confirm answered with a wizard instead of confirming: we never drive wizards.
        results.set(orderId, { error: new OdooUserError(`sale.order.action_confirm on ${order.id} did not confirm it; state is ${now.state}`, { model: 'sale.order', method: 'action_confirm' }) });
        continue;
      }
      results.set(orderId, {
        outcome: { odooModel: 'sale.order', odooRecordId: order.id, odooRecordName: now?.name ?? null, alreadyApplied: !order.created && !confirmedNow.has(orderId) },
      });
    }
    return results;
  }

  /**
   * The sale order as the channel priced it, so Odoo's totals (and so its invoice) are the channel's:
   * each line with the channel's discount and the sale tax of the rate the channel charged (none when it
   * charged none, rather than the product's default taxes), the shipping charge as a line of the
   * shipping product, and an order-level discount as a negative line of the discount product without
   * tax (the channel's tax total does not change with it), so Odoo's total is the grand total the
   * customer pays and its invoice is what the gateway captures.
   */
  private async saleOrderValues(
    command: CreateSaleOrder,
    company: ResolvedCompany,
    partner: { partnerId: number; shippingId: number },
    products: Map<string, number>,
  ): Promise<Record<string, unknown>> {
    const warehouse = command.fulfilmentLocations[0] ? this.mapping.location(command.fulfilmentLocations[0].location.locationId).odooWarehouseId : undefined;
    const taxField = this.majorVersion >= 19 ? 'tax_ids' : 'tax_id';
    const lines: unknown[] = [];
    for (const line of command.lines) {
      lines.push([0, 0, await saleLineValues(line, { company, pricesIncludeTax: command.pricesIncludeTax, products, directory: this.directory, majorVersion: this.majorVersion })]);
    }
    if (charged(command)) {
      lines.push([0, 0, { product_id: products.get(this.mapping.shippingProductSku), name: 'Shipping', product_uom_qty: 1, price_unit: moneyToOdoo(command.totals.shipping), [taxField]: [[6, 0, []]] }]);
    }
    if (discounted(command)) {
      lines.push([0, 0, { product_id: products.get(this.mapping.discountProductSku), name: 'Order discount', product_uom_qty: 1, price_unit: -moneyToOdoo(command.totals.orderDiscount), [taxField]: [[6, 0, []]] }]);
    }
    return {
      partner_id: partner.partnerId,
      partner_invoice_id: partner.partnerId,
      partner_shipping_id: partner.shippingId,
      client_order_ref: command.orderId,
      origin: `${command.channel.channelId}:${command.channelOrderRef}`,
      company_id: company.odooCompanyId,
      ...(warehouse ? { warehouse_id: warehouse } : {}),
      // Odoo computes each line's unit from its product (product_uom ≤18, product_uom_id 19+ is never written).
      order_line: lines,
    };
  }
}

/**
 * A sale order line as the channel priced it: its discount as Odoo's percentage and the sale tax of the
 * rate the channel charged (none when it charged none, rather than the product's default taxes).
 */
export async function saleLineValues(
  line: OrderLine,
  settings: { company: ResolvedCompany; pricesIncludeTax: boolean; products: Map<string, number>; directory: OdooDirectory; majorVersion: number },
): Promise<Record<string, unknown>> {
  const taxField = settings.majorVersion >= 19 ? 'tax_ids' : 'tax_id';
  const gross = (line.unitPrice.amountMinor * line.quantity.milli) / 1000;
  const discountPercent = gross > 0 ? Number(((line.discount.amountMinor / gross) * 100).toFixed(4)) : 0;
  const net = gross - line.discount.amountMinor - (settings.pricesIncludeTax ? line.tax.amountMinor : 0);
  const taxes = line.tax.amountMinor > 0 && net > 0 ? [await settings.directory.saleTaxId(settings.company, { netMinor: net, taxMinor: line.tax.amountMinor }, settings.pricesIncludeTax)] : [];
  return {
    product_id: settings.products.get(line.sku),
    name: line.name,
    product_uom_qty: quantityToOdoo(line.quantity),
    price_unit: moneyToOdoo(line.unitPrice),
    discount: discountPercent,
    [taxField]: [[6, 0, taxes]],
  };
}
