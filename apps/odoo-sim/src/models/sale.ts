import { boolean, char, date, datetime, defineModel, float, html, integer, many2many, many2one, one2many, recordMethod, selection, text } from '../orm/define';
import type { FieldSpec } from '../orm/define';
import type { Env } from '../orm/env';
import { userError } from '../orm/errors';
import { create, requireRows, searchIds, write } from '../orm/orm';
import { ensureOne } from '../orm/standard-methods';
import type { ModelDef, OdooVersion, Row, Vals } from '../orm/types';
import { displayName, roundMoney } from '../orm/values';
import { pricelistPrice } from './product';
import { cancelPickings, createDelivery, deliveredQuantity, followSaleLineQuantity } from './stock';

/** sale.order / sale.order.line with 16 (state done) vs 17+ (locked) and 19 renames (tax_ids, product_uom_id). */

export function saleStates(version: OdooVersion): Array<[string, string]> {
  const states: Array<[string, string]> = [
    ['draft', 'Quotation'],
    ['sent', 'Quotation Sent'],
    ['sale', 'Sales Order'],
  ];
  if (version === 16) states.push(['done', 'Locked']);
  states.push(['cancel', 'Cancelled']);
  return states;
}

export const taxField = (version: OdooVersion) => (version >= 19 ? 'tax_ids' : 'tax_id');
export const uomField = (version: OdooVersion) => (version >= 19 ? 'product_uom_id' : 'product_uom');

function lineOf(env: Env, orderId: number): Row[] {
  return env.db.rowsWhere('sale.order.line', 'order_id', orderId).sort((a, b) => (a.sequence as number) - (b.sequence as number) || a.id - b.id);
}

/** The invoice lines linked to a sale line (account.move.line.sale_line_ids, the inverse of sale.order.line.invoice_lines). */
export function invoiceLinesOf(env: Env, saleLineId: number): Row[] {
  return [...env.db.table('account.move.line').values()].filter((l) => ((l.sale_line_ids as number[]) ?? []).includes(saleLineId)).sort((a, b) => a.id - b.id);
}

/** _prepare_qty_invoiced: invoices add, credit notes subtract; drafts count, cancelled moves do not. */
function invoicedQuantity(env: Env, saleLineId: number): number {
  let total = 0;
  for (const line of invoiceLinesOf(env, saleLineId)) {
    const move = env.db.get('account.move', line.move_id as number);
    if (!move || move.state === 'cancel') continue;
    if (move.move_type === 'out_invoice') total += (line.quantity as number) ?? 0;
    else if (move.move_type === 'out_refund') total -= (line.quantity as number) ?? 0;
  }
  return total;
}

const isConfirmed = (env: Env, state: unknown) => state === 'sale' || (env.version === 16 && state === 'done');

function invoicePolicy(env: Env, line: Row): string {
  const product = env.db.get('product.product', line.product_id as number);
  return (env.db.get('product.template', product?.product_tmpl_id as number)?.invoice_policy as string) || 'order';
}

/** _compute_qty_to_invoice: ordered (policy `order`) or delivered (policy `delivery`) minus invoiced. */
function quantityToInvoice(env: Env, line: Row): number {
  const order = env.db.get('sale.order', line.order_id as number);
  if (!isConfirmed(env, order?.state) || line.display_type) return 0;
  const basis = invoicePolicy(env, line) === 'order' ? (line.product_uom_qty as number) : deliveredQuantity(env, line.id);
  return roundQuantity(basis - invoicedQuantity(env, line.id));
}

const roundQuantity = (value: number) => Math.round(value * 1000) / 1000;

/** sale.order.line._compute_invoice_status. */
function lineInvoiceStatus(env: Env, line: Row): string {
  const order = env.db.get('sale.order', line.order_id as number);
  if (!isConfirmed(env, order?.state)) return 'no';
  if (quantityToInvoice(env, line) !== 0) return 'to invoice';
  const ordered = line.product_uom_qty as number;
  if (order?.state === 'sale' && invoicePolicy(env, line) === 'order' && ordered >= 0 && deliveredQuantity(env, line.id) > ordered) return 'upselling';
  if (invoicedQuantity(env, line.id) >= ordered) return 'invoiced';
  return 'no';
}

/** sale.order._compute_invoice_status from its product lines. */
function orderInvoiceStatus(env: Env, order: Row): string {
  if (!isConfirmed(env, order.state)) return 'no';
  const statuses = lineOf(env, order.id)
    .filter((l) => !l.display_type)
    .map((l) => lineInvoiceStatus(env, l));
  if (statuses.includes('to invoice')) return 'to invoice';
  if (statuses.length && statuses.every((s) => s === 'invoiced')) return 'invoiced';
  if (statuses.length && statuses.every((s) => s === 'invoiced' || s === 'upselling')) return 'upselling';
  return 'no';
}

const invoiceStatusField = (compute: FieldSpec['compute']): FieldSpec => ({
  type: 'selection',
  string: 'Invoice Status',
  selection: [
    ['upselling', 'Upselling Opportunity'],
    ['invoiced', 'Fully Invoiced'],
    ['to invoice', 'To Invoice'],
    ['no', 'Nothing to Invoice'],
  ],
  compute,
});

function lineAmounts(env: Env, line: Row): { subtotal: number; tax: number } {
  if (line.display_type) return { subtotal: 0, tax: 0 };
  const subtotal = roundMoney((line.price_unit as number) * (line.product_uom_qty as number) * (1 - ((line.discount as number) ?? 0) / 100));
  const taxIds = (line[taxField(env.version)] as number[]) ?? [];
  let tax = 0;
  for (const taxId of taxIds) {
    const taxRow = env.db.get('account.tax', taxId);
    if (taxRow && taxRow.amount_type === 'percent') tax += roundMoney((subtotal * (taxRow.amount as number)) / 100);
    else if (taxRow) tax += roundMoney((taxRow.amount as number) * (line.product_uom_qty as number));
  }
  return { subtotal, tax: roundMoney(tax) };
}

function orderAmounts(env: Env, orderId: number): { untaxed: number; tax: number } {
  let untaxed = 0;
  let tax = 0;
  for (const line of lineOf(env, orderId)) {
    const amounts = lineAmounts(env, line);
    untaxed += amounts.subtotal;
    tax += amounts.tax;
  }
  return { untaxed: roundMoney(untaxed), tax: roundMoney(tax) };
}

function typeName(row: Row): string {
  return ['sale', 'done'].includes(row.state as string) ? 'Sales Order' : 'Quotation';
}

function confirmOrders(env: Env, ids: number[]): true {
  const orders = requireRows(env, 'sale.order', ids);
  for (const order of orders) {
    if (env.version === 16) {
      if (['done', 'cancel'].includes(order.state as string)) throw userError('It is not allowed to confirm an order in the following states: done, cancel');
    } else if (!['draft', 'sent'].includes(order.state as string)) {
      throw userError('Some orders are not in a state requiring confirmation.');
    }
    if (lineOf(env, order.id).some((l) => !l.display_type && !l.product_id)) {
      throw userError('A line on these orders missing a product, you cannot confirm it.');
    }
  }
  for (const order of orders) {
    write(env, 'sale.order', [order.id], { state: 'sale', date_order: env.now });
    const deliverable = lineOf(env, order.id)
      .filter((line) => line.product_id && !line.display_type)
      .filter((line) => {
        const tmpl = env.db.get('product.template', env.db.get('product.product', line.product_id as number)?.product_tmpl_id as number);
        // sale_stock procures goods (consumable or storable), never services or combos.
        return tmpl?.type === 'product' || tmpl?.type === 'consu';
      })
      // _action_launch_stock_rule procures only what the line's live moves do not cover yet (16 lets a
      // confirmed order be confirmed again: that must not ship twice).
      .map((line) => ({ lineId: line.id, productId: line.product_id as number, quantity: (line.product_uom_qty as number) - procuredQuantity(env, line.id), name: line.name as string }))
      .filter((line) => line.quantity > 1e-9);
    createDelivery(env, env.db.get('sale.order', order.id) as Row, deliverable);
  }
  return true;
}

function followConfirmedLines(env: Env, lineIds: number[]): void {
  for (const line of requireRows(env, 'sale.order.line', lineIds)) {
    const order = env.db.get('sale.order', line.order_id as number);
    if (!order || !isConfirmed(env, order.state) || !line.product_id || line.display_type) continue;
    const tmpl = env.db.get('product.template', env.db.get('product.product', line.product_id as number)?.product_tmpl_id as number);
    if (tmpl?.type === 'product' || tmpl?.type === 'consu') followSaleLineQuantity(env, order, env.db.get('sale.order.line', line.id) as Row);
  }
}

function procuredQuantity(env: Env, lineId: number): number {
  let total = 0;
  for (const move of env.db.rowsWhere('stock.move', 'sale_line_id', lineId)) {
    if (move.state !== 'cancel') total += move.product_uom_qty as number;
  }
  return total;
}

function cancelOrders(env: Env, ids: number[]): unknown {
  const orders = requireRows(env, 'sale.order', ids);
  if (env.version >= 17 && orders.some((o) => o.locked)) throw userError('You cannot cancel a locked order. Please unlock it first.');
  const showWizard = !env.context.disable_cancel_warning && orders.some((o) => o.state !== 'draft');
  if (showWizard) {
    const id = ensureOne('sale.order', ids);
    const order = orders[0];
    return {
      name: `Cancel ${typeName(order)}`,
      view_mode: 'form',
      res_model: 'sale.order.cancel',
      view_id: 1407,
      type: 'ir.actions.act_window',
      context: {
        default_template_id: 27,
        default_order_id: id,
        mark_so_as_canceled: true,
        default_email_layout_xmlid: 'mail.mail_notification_layout_with_responsible_signature',
        model_description: typeName(order),
      },
      target: 'new',
    };
  }
  for (const order of orders) {
    const pickings = searchIds(env.sudo(), 'stock.picking', [['sale_id', '=', order.id], ['state', 'not in', ['done', 'cancel']]]);
    if (pickings.length) cancelPickings(env, pickings);
  }
  return write(env, 'sale.order', ids, { state: 'cancel' });
}

export function saleModels(version: OdooVersion): ModelDef[] {
  const lineVersionFields: Record<string, FieldSpec> = {
    [taxField(version)]: many2many('account.tax', 'Taxes'),
    [uomField(version)]: many2one('uom.uom', 'Unit of Measure', { default: 1 }),
  };
  return [
    defineModel({
      name: 'sale.order',
      description: 'Sales Order',
      order: 'date_order desc, id desc',
      fields: {
        name: char('Order Reference', { required: true, default: 'New', readonly: true }),
        state: selection(saleStates(version), 'Status', { readonly: true, default: 'draft' }),
        locked: version >= 17 ? boolean('Locked', { default: false }) : undefined,
        partner_id: many2one('res.partner', 'Customer', { required: true }),
        partner_invoice_id: many2one('res.partner', 'Invoice Address', { required: true }),
        partner_shipping_id: many2one('res.partner', 'Delivery Address', { required: true }),
        pricelist_id: many2one('product.pricelist', 'Pricelist'),
        currency_id: {
          type: 'many2one',
          string: 'Currency',
          relation: 'res.currency',
          compute: (env, row) => (row.pricelist_id ? (env.db.get('product.pricelist', row.pricelist_id as number)?.currency_id ?? 1) : 1),
        },
        date_order: datetime('Order Date', { required: true, default: (env: Env) => env.now }),
        validity_date: date('Expiration'),
        client_order_ref: char('Customer Reference'),
        origin: char('Source Document'),
        note: html('Terms and conditions'),
        user_id: many2one('res.users', 'Salesperson', { default: (env: Env) => env.uid }),
        company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }),
        warehouse_id: many2one('stock.warehouse', 'Warehouse', {
          required: true,
          default: (env: Env) => searchIds(env.sudo(), 'stock.warehouse', [['company_id', '=', env.companyId()]], { limit: 1 })[0] ?? false,
        }),
        order_line: one2many('sale.order.line', 'order_id', 'Order Lines'),
        picking_ids: one2many('stock.picking', 'sale_id', 'Transfers'),
        delivery_count: { type: 'integer', string: 'Delivery Orders', compute: (env, row) => searchIds(env.sudo(), 'stock.picking', [['sale_id', '=', row.id]]).length },
        invoice_ids: {
          type: 'many2many',
          string: 'Invoices',
          relation: 'account.move',
          // order_line.invoice_lines.move_id, customer invoices and credit notes only.
          compute: (env, row) => {
            const moves = new Set<number>();
            for (const line of lineOf(env, row.id)) for (const invoiceLine of invoiceLinesOf(env, line.id)) moves.add(invoiceLine.move_id as number);
            return [...moves].filter((id) => ['out_invoice', 'out_refund'].includes(env.db.get('account.move', id)?.move_type as string)).sort((a, b) => a - b);
          },
        },
        invoice_status: invoiceStatusField((env, row) => orderInvoiceStatus(env, row)),
        amount_untaxed: { type: 'monetary', string: 'Untaxed Amount', compute: (env, row) => orderAmounts(env, row.id).untaxed },
        amount_tax: { type: 'monetary', string: 'Taxes', compute: (env, row) => orderAmounts(env, row.id).tax },
        amount_total: {
          type: 'monetary',
          string: 'Total',
          compute: (env, row) => {
            const a = orderAmounts(env, row.id);
            return roundMoney(a.untaxed + a.tax);
          },
        },
      },
      hooks: {
        beforeCreate: (env, vals) => {
          if (!vals.name || vals.name === 'New') vals.name = `S${String(env.db.nextSequence('sale.order')).padStart(5, '0')}`;
          const partner = vals.partner_id ? env.db.get('res.partner', vals.partner_id as number) : undefined;
          if (partner) {
            vals.partner_invoice_id ??= partner.id;
            vals.partner_shipping_id ??= partner.id;
            vals.pricelist_id ??= partner.property_product_pricelist || 1;
          }
        },
        beforeWrite: (env, ids, vals) => {
          if (env.version >= 17 && 'order_line' in vals) {
            for (const order of requireRows(env, 'sale.order', ids)) {
              if (order.locked) throw userError('You cannot modify the orders lines of a locked order.');
            }
          }
        },
        beforeUnlink: (env, ids) => {
          for (const order of requireRows(env, 'sale.order', ids)) {
            if (!['draft', 'cancel'].includes(order.state as string)) {
              throw userError('You can not delete a sent quotation or a confirmed sales order. You must first cancel it.');
            }
          }
        },
      },
      methods: {
        action_confirm: recordMethod((env, ids) => confirmOrders(env, ids)),
        action_cancel: recordMethod((env, ids) => cancelOrders(env, ids)),
        action_draft: recordMethod((env, ids) => {
          const orders = requireRows(env, 'sale.order', ids).filter((o) => ['cancel', 'sent'].includes(o.state as string));
          return write(env, 'sale.order', orders.map((o) => o.id), { state: 'draft' });
        }),
        action_quotation_sent: recordMethod((env, ids) => write(env, 'sale.order', ids, { state: 'sent' })),
        ...(version === 16
          ? {
              action_done: recordMethod((env, ids) => write(env, 'sale.order', ids, { state: 'done' })),
              action_unlock: recordMethod((env, ids) => write(env, 'sale.order', ids, { state: 'sale' })),
            }
          : {
              action_lock: recordMethod((env, ids) => {
                write(env, 'sale.order', ids, { locked: true });
                return null;
              }),
              action_unlock: recordMethod((env, ids) => {
                write(env, 'sale.order', ids, { locked: false });
                return null;
              }),
            }),
      },
    }),
    defineModel({
      name: 'sale.order.line',
      description: 'Sales Order Line',
      order: 'order_id, sequence, id',
      fields: {
        order_id: many2one('sale.order', 'Order Reference', { required: true, ondelete: 'cascade' }),
        sequence: integer('Sequence', { default: 10 }),
        display_type: selection(
          [
            ['line_section', 'Section'],
            ['line_note', 'Note'],
          ],
          'Display Type',
        ),
        product_id: many2one('product.product', 'Product', { ondelete: 'restrict' }),
        product_template_id: {
          type: 'many2one',
          string: 'Product Template',
          relation: 'product.template',
          compute: (env, row) => (row.product_id ? (env.db.get('product.product', row.product_id as number)?.product_tmpl_id ?? false) : false),
        },
        name: text('Description', { required: true }),
        product_uom_qty: float('Quantity', { required: true, default: 1.0 }),
        price_unit: float('Unit Price', { required: true }),
        discount: float('Discount (%)', { default: 0.0 }),
        ...lineVersionFields,
        price_subtotal: { type: 'monetary', string: 'Subtotal', compute: (env, row) => lineAmounts(env, row).subtotal },
        price_tax: { type: 'float', string: 'Total Tax', compute: (env, row) => lineAmounts(env, row).tax },
        price_total: {
          type: 'monetary',
          string: 'Total',
          compute: (env, row) => {
            const a = lineAmounts(env, row);
            return roundMoney(a.subtotal + a.tax);
          },
        },
        qty_delivered: { type: 'float', string: 'Delivery Quantity', compute: (env, row) => deliveredQuantity(env, row.id) },
        qty_invoiced: { type: 'float', string: 'Invoiced Quantity', compute: (env, row) => invoicedQuantity(env, row.id) },
        qty_to_invoice: { type: 'float', string: 'Quantity To Invoice', compute: (env, row) => quantityToInvoice(env, row) },
        invoice_lines: {
          type: 'many2many',
          string: 'Invoice Lines',
          relation: 'account.move.line',
          compute: (env, row) => invoiceLinesOf(env, row.id).map((l) => l.id),
        },
        invoice_status: invoiceStatusField((env, row) => lineInvoiceStatus(env, row)),
        state: {
          type: 'selection',
          string: 'Order Status',
          selection: saleStates(version),
          compute: (env, row) => env.db.get('sale.order', row.order_id as number)?.state ?? 'draft',
        },
        company_id: {
          type: 'many2one',
          string: 'Company',
          relation: 'res.company',
          compute: (env, row) => env.db.get('sale.order', row.order_id as number)?.company_id ?? false,
        },
        currency_id: { type: 'many2one', string: 'Currency', relation: 'res.currency', compute: () => 1 },
      },
      hooks: {
        beforeCreate: (env, vals) => prepareLine(env, vals),
        // A line added to, or changed on, a confirmed order: its delivery follows (new goods procured, less cancelled).
        afterCreate: (env, ids) => followConfirmedLines(env, ids),
        afterWrite: (env, ids, vals) => {
          if ('product_uom_qty' in vals) followConfirmedLines(env, ids);
        },
        beforeWrite: (env, ids, vals) => {
          if ('product_uom_qty' in vals || 'price_unit' in vals || 'product_id' in vals) {
            for (const line of requireRows(env, 'sale.order.line', ids)) {
              const order = env.db.get('sale.order', line.order_id as number);
              if (env.version >= 17 && order?.locked) throw userError('You cannot modify the orders lines of a locked order.');
            }
          }
        },
        beforeUnlink: (env, ids) => {
          for (const line of requireRows(env, 'sale.order.line', ids)) {
            const order = env.db.get('sale.order', line.order_id as number);
            if (order && ['sale', 'done'].includes(order.state as string) && !line.display_type) {
              throw userError('Once a sales order is confirmed, you can\'t remove one of its lines (we need to track if something gets invoiced or delivered).\n                Set the quantity to 0 instead.');
            }
          }
        },
      },
      displayName: (env, row) => {
        const order = env.db.get('sale.order', row.order_id as number);
        return `${order?.name ?? ''} - ${row.name}`;
      },
    }),
    defineModel({
      name: 'sale.order.cancel',
      description: 'Sales Order Cancel',
      transient: true,
      fields: {
        order_id: many2one('sale.order', 'Sale Order', { required: true, ondelete: 'cascade' }),
        template_id: integer('Mail Template'),
        subject: char('Subject'),
        body: text('Contents'),
      },
      methods: {
        action_cancel: recordMethod((env, ids) => {
          const [wizard] = requireRows(env, 'sale.order.cancel', ids);
          return cancelOrders(env.withContext({ disable_cancel_warning: true }), [wizard.order_id as number]);
        }),
        action_send_mail_and_cancel: recordMethod((env, ids) => {
          const [wizard] = requireRows(env, 'sale.order.cancel', ids);
          return cancelOrders(env.withContext({ disable_cancel_warning: true }), [wizard.order_id as number]);
        }),
      },
    }),
    defineModel({
      name: 'sale.advance.payment.inv',
      description: 'Sales Advance Payment Invoice',
      transient: true,
      fields: {
        advance_payment_method: selection(
          [
            ['delivered', 'Regular invoice'],
            ['percentage', 'Down payment (percentage)'],
            ['fixed', 'Down payment (fixed amount)'],
          ],
          'Create Invoice',
          { default: 'delivered', required: true },
        ),
        sale_order_ids: many2many('sale.order', 'Sales Orders', {
          default: (env: Env) => (env.context.active_model === 'sale.order' ? ((env.context.active_ids as number[]) ?? []) : []),
        }),
      },
      methods: {
        create_invoices: recordMethod((env, ids) => {
          const [wizard] = requireRows(env, 'sale.advance.payment.inv', ids);
          const invoiceIds = (wizard.sale_order_ids as number[]).map((orderId) => invoiceOrder(env, orderId));
          if (env.context.open_invoices) {
            return { type: 'ir.actions.act_window', res_model: 'account.move', res_id: invoiceIds[0], views: [[false, 'form']], name: 'Customer Invoices' };
          }
          return { type: 'ir.actions.act_window_close' };
        }),
      },
    }),
  ];
}

/** Onchange-like defaults for a line: description, price from the pricelist, taxes from the product. */
function prepareLine(env: Env, vals: Vals): void {
  if (!vals.product_id) return;
  const product = env.db.get('product.product', vals.product_id as number);
  if (!product) return;
  const order = env.db.get('sale.order', vals.order_id as number);
  const template = env.db.get('product.template', product.product_tmpl_id as number) as Row;
  // product_id is check_company: a product of another company is refused (models.py _check_company).
  const productCompany = (template.company_id as number) || false;
  if (productCompany && order && order.company_id && productCompany !== order.company_id) {
    const companyName = (id: number) => displayName(env, 'res.company', id);
    throw userError(
      `Incompatible companies on records:\n- '${order.name as string}' belongs to company '${companyName(order.company_id as number)}' and 'Product' (product_id: '${displayName(env, 'product.product', product.id)}') belongs to another company.`,
    );
  }
  if (!vals.name) vals.name = displayName(env, 'product.product', product.id) + (template.description_sale ? `\n${template.description_sale}` : '');
  if (vals.price_unit === undefined) {
    const day = ((order?.date_order as string) ?? env.now).slice(0, 10);
    vals.price_unit = pricelistPrice(env, (order?.pricelist_id as number) ?? false, product.id, Number(vals.product_uom_qty ?? 1), day);
  }
  const taxKey = taxField(env.version);
  if (vals[taxKey] === undefined) vals[taxKey] = [[6, 0, (template.taxes_id as number[]) ?? []]];
}

/** sale.order._create_invoices for one order: the lines with something to invoice, linked by sale_line_ids. */
function invoiceOrder(env: Env, orderId: number): number {
  const order = env.db.get('sale.order', orderId) as Row;
  const lines = lineOf(env, orderId).filter((l) => !l.display_type && l.product_id && quantityToInvoice(env, l) !== 0);
  if (lines.length === 0) throw userError('There is no invoiceable line. If a product has a control policy based on received quantity, please make sure that a quantity has been received.');
  const journal = searchIds(env.sudo(), 'account.journal', [['type', '=', 'sale']], { limit: 1 })[0];
  const [moveId] = create(env, 'account.move', [
    {
      move_type: 'out_invoice',
      partner_id: order.partner_invoice_id,
      invoice_origin: order.name,
      ref: order.client_order_ref || false,
      journal_id: journal,
      invoice_line_ids: lines.map((line) => [
        0,
        0,
        {
          product_id: line.product_id,
          name: line.name,
          quantity: quantityToInvoice(env, line),
          price_unit: line.price_unit,
          discount: line.discount,
          tax_ids: [[6, 0, (line[taxField(env.version)] as number[]) ?? []]],
          sale_line_ids: [[4, line.id]],
        },
      ]),
    },
  ]);
  return moveId;
}
