/**
 * Invoicing commands, idempotent against Odoo like the others: the invoice carries our invoice id as
 * `ref`, the payment our payment id as `memo` (`ref` up to 17), and both are searched for before anything
 * is created, again after an unknown outcome, so a retry or a replay never invoices or pays twice.
 */
import { OdooClient, OdooContext, OdooUnknownOutcomeError } from '@omnibus/odoo-client';
import type { CreateInvoice, RegisterPayment } from '@omnibus/contracts';
import { ResolvedCompany, ResolvedMapping } from '../mapping/mapping';
import { moneyToOdoo, quantityToOdoo } from '../shared/units';
import { QUIET } from './batch-calls';
import { CommandRejectedError } from './command-rejected';
import { CommandOutcome, OdooCommands } from './odoo-commands';
import { OdooDirectory } from './odoo-directory';

type Invoice = { id: number; name: string; state: string };

interface SaleLine {
  id: number;
  sequence: number;
  name: string;
  product_id: [number, string] | false;
  display_type: string | false;
  qty_to_invoice: number;
  price_unit: number;
  discount: number;
  [taxes: string]: unknown;
}

export class InvoicingCommands {
  constructor(
    private readonly odoo: OdooClient,
    private readonly mapping: ResolvedMapping,
    private readonly directory: OdooDirectory,
    private readonly majorVersion: number,
    private readonly orders: OdooCommands,
  ) {}

  // ---------------------------------------------------------------- invoices (§4.6, §4.8)

  /**
   * Creates the customer invoice of a confirmed sale order and posts it. The invoice is created directly
   * (`account.move` out_invoice) with lines linked to the order's lines by `sale_line_ids`, as
   * `sale.order._create_invoices` builds it: Odoo then counts them in `qty_invoiced` and
   * `invoice_status`. The `sale.advance.payment.inv` wizard would set `ref` to the order's reference, so
   * the invoice could not be found again by ours after a lost answer.
   */
  async createInvoice(command: CreateInvoice): Promise<CommandOutcome> {
    const company = this.mapping.company(command.companyId);
    const context: OdooContext = { ...QUIET, allowed_company_ids: [company.odooCompanyId] };
    const existing = await this.findInvoice(command.invoiceId, company, context);
    if (existing) {
      // A retry or a replay: finish what is missing (posting), create nothing.
      if (existing.state === 'cancel') throw new CommandRejectedError(`invoice ${existing.name} (ref ${command.invoiceId}) is cancelled in Odoo`, 'VALIDATION');
      const postedNow = await this.orders.ensureState('account.move', existing.id, 'action_post', ['posted'], context, existing.state);
      return await this.invoiceOutcome(existing.id, !postedNow, context);
    }
    const order = await this.orders.findSaleOrder(command.orderId, context);
    if (!order) throw new CommandRejectedError(`no Odoo sale order has client_order_ref ${command.orderId}`, 'MISSING_RECORD');
    if (!['sale', 'done'].includes(order.state)) throw new CommandRejectedError(`sale order ${order.name} is ${order.state}: only a confirmed order is invoiced`, 'VALIDATION');
    const values = await this.invoiceValues(command, order, context);
    const { id, created } = await this.odoo.createOnce('account.move', {
      reference: this.invoiceReference(command.invoiceId, company),
      values,
      context,
      knownAbsent: true,
    });
    const postedNow = await this.orders.ensureState('account.move', id, 'action_post', ['posted'], context, created ? 'draft' : undefined);
    return await this.invoiceOutcome(id, !created && !postedNow, context);
  }

  private async invoiceValues(command: CreateInvoice, order: { id: number; name: string }, context: OdooContext): Promise<Record<string, unknown>> {
    const [header] = await this.odoo.read<{ id: number; partner_invoice_id: [number, string]; currency_id: [number, string] | false }>(
      'sale.order',
      [order.id],
      ['partner_invoice_id', 'currency_id'],
      { context },
    );
    const taxField = this.majorVersion >= 19 ? 'tax_ids' : 'tax_id';
    const saleLines = (
      await this.odoo.searchRead<SaleLine>('sale.order.line', [['order_id', '=', order.id]], {
        fields: ['sequence', 'name', 'product_id', 'display_type', 'qty_to_invoice', 'price_unit', 'discount', taxField],
        order: 'sequence asc, id asc',
        context,
      })
    ).filter((line) => !line.display_type && line.product_id);
    const quantities = command.lines.length > 0 ? await this.requestedQuantities(command, order.name, saleLines) : new Map(saleLines.map((line) => [line.id, line.qty_to_invoice]));
    const invoiceLines = saleLines
      .filter((line) => (quantities.get(line.id) ?? 0) > 0)
      .map((line) => [
        0,
        0,
        {
          display_type: 'product',
          sequence: line.sequence,
          name: line.name,
          product_id: (line.product_id as [number, string])[0],
          quantity: quantities.get(line.id),
          price_unit: line.price_unit,
          discount: line.discount,
          tax_ids: [[6, 0, (line[taxField] as number[]) ?? []]],
          sale_line_ids: [[4, line.id]],
        },
      ]);
    if (invoiceLines.length === 0) throw new CommandRejectedError(`sale order ${order.name} has nothing to invoice`, 'VALIDATION');
    return {
      move_type: 'out_invoice',
      ref: command.invoiceId,
      partner_id: header.partner_invoice_id[0],
      invoice_origin: order.name,
      ...(header.currency_id ? { currency_id: header.currency_id[0] } : {}),
      ...(command.invoiceDate ? { invoice_date: command.invoiceDate } : {}),
      invoice_line_ids: invoiceLines,
    };
  }

  /** The command's quantities per SKU, spread over the order's lines of that product, never beyond what Odoo has to invoice. */
  private async requestedQuantities(command: CreateInvoice, orderName: string, saleLines: SaleLine[]): Promise<Map<number, number>> {
    const products = await this.directory.productIds(command.lines.map((line) => line.sku));
    const wanted = new Map<number, number>();
    for (const line of command.lines) {
      const productId = products.get(line.sku) as number;
      wanted.set(productId, (wanted.get(productId) ?? 0) + line.quantity.milli);
    }
    const quantities = new Map<number, number>();
    for (const line of saleLines) {
      const productId = (line.product_id as [number, string])[0];
      const left = wanted.get(productId) ?? 0;
      const take = Math.min(left, Math.max(0, Math.round(line.qty_to_invoice * 1000)));
      wanted.set(productId, left - take);
      if (take > 0) quantities.set(line.id, quantityToOdoo({ milli: take }));
    }
    const beyond = command.lines.filter((line) => (wanted.get(products.get(line.sku) as number) ?? 0) > 0).map((line) => line.sku);
    if (beyond.length > 0) {
      throw new CommandRejectedError(`invoice ${command.invoiceId} asks for more than sale order ${orderName} has to invoice (${[...new Set(beyond)].join(', ')})`, 'VALIDATION');
    }
    return quantities;
  }

  private invoiceReference(invoiceId: string, company: ResolvedCompany): unknown[] {
    return [['ref', '=', invoiceId], ['move_type', '=', 'out_invoice'], ['company_id', '=', company.odooCompanyId]];
  }

  private async findInvoice(invoiceId: string, company: ResolvedCompany, context: OdooContext): Promise<Invoice | undefined> {
    const [invoice] = await this.odoo.searchRead<Invoice>('account.move', this.invoiceReference(invoiceId, company), { fields: ['name', 'state'], limit: 1, order: 'id asc', context });
    return invoice;
  }

  private async invoiceOutcome(id: number, alreadyApplied: boolean, context: OdooContext): Promise<CommandOutcome> {
    const [move] = await this.odoo.read<{ id: number; name: string }>('account.move', [id], ['name'], { context });
    return { odooModel: 'account.move', odooRecordId: id, odooRecordName: move?.name ?? null, alreadyApplied };
  }

  // ---------------------------------------------------------------- payments (§4.8)

  /**
   * Registers a customer payment on our posted invoice through `account.payment.register` (context
   * `active_model`/`active_ids`) and `action_create_payments`, which creates, posts and reconciles the
   * payment in one transaction; `communication` becomes the payment's memo (`ref` ≤17). A partial
   * amount keeps the rest open (`payment_difference_handling: open`).
   */
  async registerPayment(command: RegisterPayment): Promise<CommandOutcome> {
    const company = this.mapping.company(command.companyId);
    const context: OdooContext = { ...QUIET, allowed_company_ids: [company.odooCompanyId] };
    if (command.amount.currency !== company.currency) throw new CommandRejectedError(`payment ${command.paymentId} is not in ${company.currency}`, 'VALIDATION');
    if (command.amount.amountMinor <= 0) throw new CommandRejectedError(`payment ${command.paymentId} has no positive amount`, 'VALIDATION');
    const existing = await this.findPayment(command.paymentId, company, context);
    if (existing) return { odooModel: 'account.payment', odooRecordId: existing.id, odooRecordName: existing.name, alreadyApplied: true };

    const invoice = await this.findInvoice(command.invoiceId, company, context);
    if (!invoice) throw new CommandRejectedError(`no Odoo customer invoice has ref ${command.invoiceId} in company ${company.companyId}`, 'MISSING_RECORD');
    if (invoice.state !== 'posted') throw new CommandRejectedError(`invoice ${invoice.name} (ref ${command.invoiceId}) is ${invoice.state}: only a posted invoice is paid`, 'VALIDATION');
    const journalId = await this.directory.journalId(company, command.journalCode);
    const wizardContext: OdooContext = { ...context, active_model: 'account.move', active_ids: [invoice.id], dont_redirect_to_payments: true };
    const attempts = this.odoo.options.retry.maxAttempts + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const wizardId = await this.odoo.create(
          'account.payment.register',
          { amount: moneyToOdoo(command.amount), payment_date: command.paymentDate, journal_id: journalId, communication: command.paymentId, payment_difference_handling: 'open' },
          { context: wizardContext },
        );
        await this.odoo.callMethod('account.payment.register', 'action_create_payments', [wizardId], { context: wizardContext });
        break;
      } catch (error) {
        // A lost answer to the wizard's create leaves only a transient record; to action_create_payments,
        // maybe a payment: look for it before trying again.
        if (!(error instanceof OdooUnknownOutcomeError) || attempt >= attempts) throw error;
        const found = await this.findPayment(command.paymentId, company, context);
        if (found) return { odooModel: 'account.payment', odooRecordId: found.id, odooRecordName: found.name, alreadyApplied: false };
      }
    }
    const payment = await this.findPayment(command.paymentId, company, context);
    // Never retried blindly: another attempt would register the money a second time.
    if (!payment) throw new CommandRejectedError(`Odoo registered the payment on invoice ${invoice.name} but not with memo ${command.paymentId}: check it before re-driving`, 'VALIDATION');
    return { odooModel: 'account.payment', odooRecordId: payment.id, odooRecordName: payment.name, alreadyApplied: false };
  }

  private async findPayment(paymentId: string, company: ResolvedCompany, context: OdooContext): Promise<{ id: number; name: string } | undefined> {
    const memoField = this.majorVersion >= 18 ? 'memo' : 'ref';
    const [payment] = await this.odoo.searchRead<{ id: number; name: string }>(
      'account.payment',
      [[memoField, '=', paymentId], ['partner_type', '=', 'customer'], ['company_id', '=', company.odooCompanyId]],
      { fields: ['name'], limit: 1, order: 'id asc', context },
    );
    return payment;
  }
}
