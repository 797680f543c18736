/**
 * Commands to Odoo writes, idempotent against Odoo itself: every create first looks for our reference
 * in Odoo (`client_order_ref`, `ref`), every state change first reads the state, so a retry after an
 * unknown outcome (Odoo committed, the answer was lost) or a replay never does anything twice.
 */
import { OdooClient, OdooContext, OdooMissingError, OdooUnknownOutcomeError, OdooUserError } from '@omnibus/odoo-client';
import { moneyToOdoo, quantityToOdoo } from '../shared/units';
import type { AmendSaleOrder, CancelSaleOrder, CreateCreditNote, CreateSaleOrder, PostJournalEntry, ValidateDelivery } from '@omnibus/contracts';
import { amendSaleOrder } from './amend-sale-order';
import { CommandRejectedError } from './command-rejected';
import { refusalOf } from './refusals';
import { OdooDirectory } from './odoo-directory';
import { SaleOrderBatch } from './sale-order-batch';
import { JournalEntryBatch } from './journal-entry-batch';
import { BatchResult, QUIET } from './batch-calls';
import { ResolvedMapping } from '../mapping/mapping';

export interface CommandOutcome {
  odooModel: string;
  odooRecordId: number;
  odooRecordName: string | null;
  /** Odoo already had the result: nothing new was created or changed. */
  alreadyApplied: boolean;
}

export class OdooCommands {
  private readonly saleOrders: SaleOrderBatch;
  private readonly journalEntries: JournalEntryBatch;
  private markerReady?: Promise<void>;

  constructor(
    private readonly odoo: OdooClient,
    private readonly mapping: ResolvedMapping,
    private readonly directory: OdooDirectory,
    private readonly majorVersion: number,
  ) {
    this.saleOrders = new SaleOrderBatch(odoo, mapping, directory, majorVersion);
    this.journalEntries = new JournalEntryBatch(odoo, mapping, directory);
  }

  // ---------------------------------------------------------------- sale orders (§4.6)

  /** Many CreateSaleOrder commands in a few Odoo calls (SaleOrderBatch); one result per command, in order. */
  createSaleOrders(commands: CreateSaleOrder[]): Promise<BatchResult[]> {
    return this.saleOrders.createSaleOrders(commands);
  }

  async cancelSaleOrder(command: CancelSaleOrder): Promise<CommandOutcome> {
    const company = this.mapping.company(command.companyId);
    const context = { ...QUIET, allowed_company_ids: [company.odooCompanyId], disable_cancel_warning: true };
    const order = await this.findSaleOrder(command.orderId, context);
    // The contract: a sale order that does not exist counts as cancelled.
    if (!order) return { odooModel: 'sale.order', odooRecordId: 0, odooRecordName: null, alreadyApplied: true };
    if (command.keepDelivered) return this.cancelUndelivered(order, context);
    const cancelledNow = await this.ensureState('sale.order', order.id, 'action_cancel', ['cancel'], context, order.state);
    return { odooModel: 'sale.order', odooRecordId: order.id, odooRecordName: order.name, alreadyApplied: !cancelledNow };
  }

  /**
   * Cancels what has not left of a partly delivered order: its open deliveries (the backorders) are
   * cancelled and each goods line is reduced to what was delivered, so the order stays confirmed and
   * Odoo invoices what the customer received. Repeating it changes nothing (nothing open is left, the
   * lines already equal their deliveries).
   */
  private async cancelUndelivered(order: { id: number; name: string }, context: OdooContext): Promise<CommandOutcome> {
    const open = await this.odoo.search('stock.picking', [['sale_id', '=', order.id], ['state', 'not in', ['done', 'cancel']]], { context });
    if (open.length > 0) await this.odoo.callMethod('stock.picking', 'action_cancel', open, { context });
    type Line = { id: number; product_uom_qty: number; qty_delivered: number; display_type: string | false };
    const lines = await this.odoo.searchRead<Line>('sale.order.line', [['order_id', '=', order.id]], { fields: ['product_uom_qty', 'qty_delivered', 'display_type', 'product_id'], context });
    const goods = new Set(await this.deliveredProductLines(order.id, context));
    const reduce = lines.filter((line) => !line.display_type && goods.has(line.id) && line.qty_delivered < line.product_uom_qty - 1e-9);
    for (const line of reduce) await this.odoo.write('sale.order.line', [line.id], { product_uom_qty: line.qty_delivered }, { context });
    return { odooModel: 'sale.order', odooRecordId: order.id, odooRecordName: order.name, alreadyApplied: open.length === 0 && reduce.length === 0 };
  }

  /** The order's lines that ship goods (they have stock moves): services such as shipping keep their quantity. */
  private async deliveredProductLines(orderId: number, context: OdooContext): Promise<number[]> {
    const moves = await this.odoo.searchRead<{ id: number; sale_line_id: [number, string] | false }>('stock.move', [['sale_line_id.order_id', '=', orderId]], { fields: ['sale_line_id'], context });
    return [...new Set(moves.flatMap((move) => (move.sale_line_id ? [move.sale_line_id[0]] : [])))];
  }

  /** A confirmed order's lines reduced and substitutes added (amend-sale-order.ts). */
  amendSaleOrder(command: AmendSaleOrder): Promise<CommandOutcome> {
    return amendSaleOrder(this.odoo, { mapping: this.mapping, directory: this.directory, majorVersion: this.majorVersion, orders: this }, command);
  }

  async findSaleOrder(orderId: string, context: OdooContext): Promise<{ id: number; name: string; state: string } | undefined> {
    const [order] = await this.odoo.searchRead<{ id: number; name: string; state: string }>('sale.order', [['client_order_ref', '=', orderId]], {
      fields: ['name', 'state'],
      limit: 1,
      order: 'id asc',
      context: { ...context, active_test: false },
    });
    return order;
  }

  // ---------------------------------------------------------------- deliveries (§4.5)

  /**
   * Validates the order's open delivery for what the shipment carried. The shipment id is written on the
   * picking before validating, so a retry finds the picking it already validated instead of validating
   * the backorder a second time.
   */
  async validateDelivery(command: ValidateDelivery): Promise<CommandOutcome> {
    const company = this.mapping.company(command.companyId);
    const context: OdooContext = { ...QUIET, allowed_company_ids: [company.odooCompanyId] };
    const order = await this.findSaleOrder(command.orderId, context);
    if (!order) throw new CommandRejectedError(`no Odoo sale order has client_order_ref ${command.orderId}`, 'MISSING_RECORD');
    const marker = await this.shipmentMarker();
    type Picking = { id: number; name: string; state: string };
    const pickingFields = ['name', 'state', marker];
    const [marked] = await this.odoo.searchRead<Picking>('stock.picking', [['sale_id', '=', order.id], [marker, '=', command.shipmentId]], {
      fields: pickingFields,
      limit: 1,
      order: 'id asc',
      context,
    });
    if (marked?.state === 'done') return { odooModel: 'stock.picking', odooRecordId: marked.id, odooRecordName: marked.name, alreadyApplied: true };

    let picking = marked;
    if (!picking) {
      [picking] = await this.odoo.searchRead<Picking>(
        'stock.picking',
        [['sale_id', '=', order.id], ['picking_type_code', '=', 'outgoing'], ['state', 'not in', ['done', 'cancel']], [marker, '=', false]],
        { fields: pickingFields, limit: 1, order: 'id asc', context },
      );
      if (!picking) throw new CommandRejectedError(`sale order ${order.name} has no open delivery to validate`, 'MISSING_RECORD');
      await this.odoo.write('stock.picking', [picking.id], { [marker]: command.shipmentId }, { context });
    }
    await this.setShippedQuantities(picking.id, command, context);
    const validateContext: OdooContext = { ...context, skip_backorder: true, skip_immediate: true, skip_sms: true };
    await this.ensureState('stock.picking', picking.id, 'button_validate', ['done'], validateContext);
    return { odooModel: 'stock.picking', odooRecordId: picking.id, odooRecordName: picking.name, alreadyApplied: false };
  }

  /**
   * The picking field holding our shipment id. It must be a plain char field that a backorder does not
   * copy (Odoo copies the picking to make the backorder): a custom `x_` field, created here once through
   * `ir.model.fields` (`copied: false`) when it is missing. An integration user without the right to add
   * fields gets a refusal that says what to create. (`note`, the old default, is HTML in 16–19: Odoo
   * stores `<p>SHIP-1</p>` and copies it into the backorder, so neither lookup below would match.)
   */
  async shipmentMarker(): Promise<string> {
    const marker = this.mapping.shipmentMarkerField;
    this.markerReady ??= (async () => {
      const fields = await this.odoo.fieldsGet('stock.picking', ['type']);
      if (fields[marker]) return;
      if (!marker.startsWith('x_')) throw new CommandRejectedError(`stock.picking has no field ${marker} (mapping shipmentMarkerField)`, 'VALIDATION');
      const [model] = await this.odoo.search('ir.model', [['model', '=', 'stock.picking']], { limit: 1 });
      try {
        await this.odoo.create('ir.model.fields', { model_id: model, name: marker, ttype: 'char', field_description: 'Omnibus shipment id', copied: false, index: true });
      } catch (error) {
        if (refusalOf(error)) {
          throw new CommandRejectedError(
            `stock.picking has no field ${marker} and this Odoo user may not add it (${(error as Error).message}); create it once as a char field, not copied (Settings › Technical › Fields), or set shipmentMarkerField`,
            'VALIDATION',
          );
        }
        throw error;
      }
    })();
    this.markerReady.catch(() => (this.markerReady = undefined));
    await this.markerReady;
    return marker;
  }

  private async setShippedQuantities(pickingId: number, command: ValidateDelivery, context: OdooContext): Promise<void> {
    const products = await this.directory.productIds(command.lines.map((line) => line.sku));
    type Move = { id: number; product_id: [number, string]; product_uom_qty: number; state: string };
    const moves = await this.odoo.searchRead<Move>('stock.move', [['picking_id', '=', pickingId], ['state', 'not in', ['done', 'cancel']]], {
      fields: ['product_id', 'product_uom_qty', 'state'],
      order: 'id asc',
      context,
    });
    // Quantity shipped per product, spread over the product's moves in order.
    const remaining = new Map<number, number>();
    for (const line of command.lines) {
      const productId = products.get(line.sku) as number;
      remaining.set(productId, (remaining.get(productId) ?? 0) + line.quantity.milli);
    }
    for (const move of moves) {
      const left = remaining.get(move.product_id[0]) ?? 0;
      const take = Math.min(left, Math.round(move.product_uom_qty * 1000));
      remaining.set(move.product_id[0], left - take);
      // 16 records done quantities in quantity_done; 17+ in quantity plus the `picked` flag (§4.5).
      const values = this.majorVersion >= 17 ? { quantity: take / 1000, picked: take > 0 } : { quantity_done: take / 1000 };
      await this.odoo.write('stock.move', [move.id], values, { context });
    }
    const unplaced = [...remaining.entries()].filter(([, milli]) => milli > 0);
    if (unplaced.length > 0) {
      throw new CommandRejectedError(`shipment ${command.shipmentId} carries more than the open delivery holds (product ids ${unplaced.map(([id]) => id).join(', ')})`, 'VALIDATION');
    }
  }

  // ---------------------------------------------------------------- journal entries (§4.8)

  /** Many PostJournalEntry commands in a few Odoo calls (JournalEntryBatch); one result per command, in order. */
  postJournalEntries(commands: PostJournalEntry[]): Promise<BatchResult[]> {
    return this.journalEntries.postJournalEntries(commands);
  }

  // ---------------------------------------------------------------- credit notes (§4.8)

  /**
   * The credit note of a refunded return, one line per refunded order line, each like the invoice line it
   * credits: the sale line linked (`sale_line_ids`, so Odoo's `qty_invoiced` goes down as its own credit
   * notes do), that line's taxes (sent explicitly: Odoo would otherwise put the product's default taxes
   * on top of our tax-included amount) and the net unit price of what is refunded. Against the posted
   * invoice that billed the first line (an order shipped twice may have an invoice per shipment).
   */
  async createCreditNote(command: CreateCreditNote): Promise<CommandOutcome> {
    const company = this.mapping.company(command.companyId);
    const context: OdooContext = { ...QUIET, allowed_company_ids: [company.odooCompanyId] };
    const order = await this.findSaleOrder(command.orderId, context);
    if (!order) throw new CommandRejectedError(`no Odoo sale order has client_order_ref ${command.orderId}`, 'MISSING_RECORD');
    const [orderDetails] = await this.odoo.read<{ id: number; partner_id: [number, string] }>('sale.order', [order.id], ['partner_id'], { context });
    const products = await this.directory.productIds(command.lines.map((line) => line.sku));
    const credited = await this.creditedLines(order, context);
    const invoiceLines: unknown[] = [];
    let againstInvoice: number | undefined;
    for (const line of command.lines) {
      const productId = products.get(line.sku) as number;
      const billed = credited.find((candidate) => candidate.productId === productId);
      againstInvoice ??= billed?.invoiceId;
      const taxes = line.tax.amountMinor > 0 ? (billed?.taxIds ?? []) : [];
      // Without taxes the line credits the whole tax-included amount; with them, Odoo adds the tax to the net.
      const gross = taxes.length === 0 || taxes.some((taxId) => credited.priceIncluded.has(taxId));
      const amountMinor = gross ? line.amount.amountMinor : line.amount.amountMinor - line.tax.amountMinor;
      invoiceLines.push([
        0,
        0,
        {
          product_id: productId,
          name: `${command.reason} (${line.sku})`,
          quantity: quantityToOdoo(line.quantity),
          price_unit: Number((moneyToOdoo({ amountMinor, currency: line.amount.currency }) / quantityToOdoo(line.quantity)).toFixed(6)),
          tax_ids: [[6, 0, taxes]],
          ...(billed?.saleLineId ? { sale_line_ids: [[4, billed.saleLineId]] } : {}),
        },
      ]);
    }
    if (command.shippingRefund.amountMinor > 0) {
      invoiceLines.push([0, 0, { name: `${command.reason} (shipping)`, quantity: 1, price_unit: moneyToOdoo(command.shippingRefund), tax_ids: [[6, 0, []]] }]);
    }
    const invoice = againstInvoice ?? credited.firstInvoiceId;
    const { id, created } = await this.odoo.createOnce('account.move', {
      reference: [['ref', '=', command.returnId], ['move_type', '=', 'out_refund'], ['company_id', '=', company.odooCompanyId]],
      values: {
        move_type: 'out_refund',
        ref: command.returnId,
        partner_id: orderDetails.partner_id[0],
        invoice_origin: order.name,
        company_id: company.odooCompanyId,
        ...(invoice ? { reversed_entry_id: invoice } : {}),
        invoice_line_ids: invoiceLines,
      },
      context,
    });
    const postedNow = await this.ensureState('account.move', id, 'action_post', ['posted'], context, created ? 'draft' : undefined);
    const [move] = await this.odoo.read<{ id: number; name: string }>('account.move', [id], ['name'], { context });
    return { odooModel: 'account.move', odooRecordId: id, odooRecordName: move?.name ?? null, alreadyApplied: !created && !postedNow };
  }

  /**
   * The order's posted invoice lines, latest invoice first: per product the sale line, taxes and invoice
   * of the line that billed it, plus which of those taxes are included in the price.
   */
  private async creditedLines(order: { id: number; name: string }, context: OdooContext) {
    type Billed = { invoiceId: number; productId: number; saleLineId?: number; taxIds: number[] };
    const invoices = await this.odoo.search('account.move', [['invoice_origin', '=', order.name], ['move_type', '=', 'out_invoice'], ['state', '=', 'posted']], { order: 'id asc', context });
    const lines =
      invoices.length === 0
        ? []
        : await this.odoo.searchRead<{ id: number; move_id: [number, string]; product_id: [number, string] | false; sale_line_ids: number[]; tax_ids: number[] }>(
            'account.move.line',
            [['move_id', 'in', invoices], ['display_type', '=', 'product']],
            { fields: ['move_id', 'product_id', 'sale_line_ids', 'tax_ids'], order: 'move_id desc, id asc', context },
          );
    const billed: Billed[] = lines.flatMap((line) => (line.product_id ? [{ invoiceId: line.move_id[0], productId: line.product_id[0], saleLineId: line.sale_line_ids[0], taxIds: line.tax_ids }] : []));
    const taxIds = [...new Set(billed.flatMap((line) => line.taxIds))];
    const taxes = taxIds.length ? await this.odoo.read<{ id: number; price_include: boolean }>('account.tax', taxIds, ['price_include'], { context }) : [];
    return Object.assign(billed, { priceIncluded: new Set(taxes.filter((tax) => tax.price_include).map((tax) => tax.id)), firstInvoiceId: invoices[0] as number | undefined });
  }

  // ---------------------------------------------------------------- shared

  /**
   * Brings a record to one of `doneStates` by calling `method`, unless it is there already. After an
   * unknown outcome the state is read again instead of calling blindly. Returns true when this call
   * changed the state. A method answering with a wizard (an action dict) has not finished: that is a
   * business refusal here, since we never drive wizards.
   */
  async ensureState(model: string, id: number, method: string, doneStates: string[], context: OdooContext, knownState?: string): Promise<boolean> {
    const attempts = this.odoo.options.retry.maxAttempts + 1;
    for (let attempt = 1; ; attempt++) {
      let state = attempt === 1 ? knownState : undefined;
      if (state === undefined) {
        const [record] = await this.odoo.read<{ id: number; state: string }>(model, [id], ['state'], { context });
        if (!record) throw new OdooMissingError(`${model} ${id} does not exist`, { model, method });
        state = record.state;
      }
      if (doneStates.includes(state)) return attempt > 1;
      try {
        const result = await this.odoo.callMethod(model, method, [id], { context });
        if (result && typeof result === 'object' && !Array.isArray(result)) {
          const [after] = await this.odoo.read<{ id: number; state: string }>(model, [id], ['state'], { context });
          if (after && doneStates.includes(after.state)) return true;
          throw new OdooUserError(`${model}.${method} on ${id} asked for a wizard (${String((result as { res_model?: string }).res_model)}); state is ${after?.state}`, { model, method });
        }
        return true;
      } catch (error) {
        if (!(error instanceof OdooUnknownOutcomeError) || attempt >= attempts) throw error;
      }
    }
  }
}
