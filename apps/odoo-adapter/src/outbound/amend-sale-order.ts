/**
 * AmendSaleOrder: a confirmed sale order's lines changed after the fact (a line substituted, or cut).
 * Odoo does not let a confirmed line change product, and refuses to delete it ("set the quantity to 0
 * instead"), so the original line is reduced to what is kept and the substitute is a new line; Odoo's
 * sale_stock then lowers the open delivery and procures the new goods onto it. Idempotent against Odoo:
 * a reduced line already at its quantity is left alone, and an added line carries our reference in its
 * description, so a retry or a replay finds it instead of adding it twice.
 */
import type { AmendSaleOrder } from '@omnibus/contracts';
import type { OdooClient, OdooContext } from '@omnibus/odoo-client';
import type { ResolvedMapping } from '../mapping/mapping';
import { quantityToOdoo } from '../shared/units';
import { QUIET } from './batch-calls';
import { CommandRejectedError } from './command-rejected';
import type { CommandOutcome, OdooCommands } from './odoo-commands';
import type { OdooDirectory } from './odoo-directory';
import { saleLineValues } from './sale-order-batch';

type SaleLine = { id: number; name: string; product_id: [number, string] | false; product_uom_qty: number; qty_delivered: number; display_type: string | false };

/** The description of an added line: the customer's product name and our reference, found again by the reference. */
export const addedLineName = (name: string, reference: string) => `${name} [${reference}]`;

export async function amendSaleOrder(
  odoo: OdooClient,
  settings: { mapping: ResolvedMapping; directory: OdooDirectory; majorVersion: number; orders: OdooCommands },
  command: AmendSaleOrder,
): Promise<CommandOutcome> {
  const company = settings.mapping.company(command.companyId);
  const context: OdooContext = { ...QUIET, allowed_company_ids: [company.odooCompanyId] };
  const order = await settings.orders.findSaleOrder(command.orderId, context);
  if (!order) throw new CommandRejectedError(`no Odoo sale order has client_order_ref ${command.orderId}`, 'MISSING_RECORD');
  if (!['sale', 'done'].includes(order.state)) throw new CommandRejectedError(`sale order ${order.name} is ${order.state}: only a confirmed order is amended`, 'VALIDATION');
  const products = await settings.directory.productIds([...command.reduceLines.map((line) => line.sku), ...command.addLines.map((line) => line.sku)]);
  const lines = await odoo.searchRead<SaleLine>('sale.order.line', [['order_id', '=', order.id]], {
    fields: ['name', 'product_id', 'product_uom_qty', 'qty_delivered', 'display_type'],
    order: 'sequence, id',
    context,
  });
  let changed = false;
  for (const reduction of command.reduceLines) {
    const productId = products.get(reduction.sku);
    // The ordered line of the product, not a substitute added by an earlier amendment.
    const line = lines.find((candidate) => !candidate.display_type && candidate.product_id && candidate.product_id[0] === productId && !candidate.name.endsWith(']'));
    if (!line) throw new CommandRejectedError(`sale order ${order.name} has no line of ${reduction.sku}`, 'MISSING_RECORD');
    const quantity = quantityToOdoo(reduction.quantity);
    if (quantity < line.qty_delivered - 1e-9) throw new CommandRejectedError(`sale order ${order.name}: ${line.qty_delivered} of ${reduction.sku} were delivered already, more than the ${quantity} to keep`, 'VALIDATION');
    if (Math.abs(line.product_uom_qty - quantity) < 1e-9) continue;
    await odoo.write('sale.order.line', [line.id], { product_uom_qty: quantity }, { context });
    changed = true;
  }
  const added: unknown[] = [];
  for (const line of command.addLines) {
    const name = addedLineName(line.name, command.reference);
    if (lines.some((existing) => existing.name === name)) continue;
    const values = await saleLineValues(line, { company, pricesIncludeTax: command.pricesIncludeTax, products, directory: settings.directory, majorVersion: settings.majorVersion });
    added.push([0, 0, { ...values, name }]);
  }
  if (added.length > 0) {
    await odoo.write('sale.order', [order.id], { order_line: added }, { context });
    changed = true;
  }
  return { odooModel: 'sale.order', odooRecordId: order.id, odooRecordName: order.name, alreadyApplied: !changed };
}
