/**
 * CreateReturnPicking → Odoo's own return of a delivery (the `stock.return.picking` wizard), validated into
 * the receiving warehouse, then the unsellable part scrapped there (`stock.scrap`), so that Odoo's stock
 * follows the disposition. Idempotent against Odoo: each return picking carries our marker (the adapter's
 * picking marker field, `return:<receiptId>:<delivery id>`), each scrap our receipt as its origin, and both
 * are looked up before anything is created.
 */
import type { CreateReturnPicking } from '@omnibus/contracts';
import { OdooClient, OdooContext, OdooUnknownOutcomeError, OdooValues } from '@omnibus/odoo-client';
import { ResolvedMapping } from '../mapping/mapping';
import { QUIET } from './batch-calls';
import { CommandRejectedError } from './command-rejected';
import { OdooDirectory } from './odoo-directory';
import type { CommandOutcome, OdooCommands } from './odoo-commands';
import { allocateReturn, DeliveredMove, milliBySku } from './return-allocation';

type Picking = { id: number; name: string; state: string } & Record<string, unknown>;
type Move = { id: number; product_id: [number, string]; product_uom_qty: number; picking_id: [number, string] | false; state: string };
type ReturnedMove = { id: number; origin_returned_move_id: [number, string] | false; product_uom_qty: number; picking_id: [number, string] | false };

const WIZARDS_THAT_FINISH = new Set(['stock.immediate.transfer', 'stock.backorder.confirmation']);

export class ReturnPickingCommands {
  constructor(
    private readonly odoo: OdooClient,
    private readonly mapping: ResolvedMapping,
    private readonly directory: OdooDirectory,
    private readonly majorVersion: number,
    private readonly commands: OdooCommands,
  ) {}

  async createReturnPicking(command: CreateReturnPicking): Promise<CommandOutcome> {
    const company = this.mapping.company(command.companyId);
    const destination = this.mapping.location(command.toLocation.locationId).odooLocationId;
    const context: OdooContext = { ...QUIET, allowed_company_ids: [company.odooCompanyId] };
    const received = milliBySku(command.lines);
    const scrapped = milliBySku(command.scrapLines);
    for (const [sku, milli] of scrapped) {
      if (milli > (received.get(sku) ?? 0)) throw new CommandRejectedError(`return ${command.returnId} scraps ${milli / 1000} of ${sku} but receives ${(received.get(sku) ?? 0) / 1000}`, 'VALIDATION');
    }
    const products = await this.directory.productIds([...received.keys()]);
    const order = await this.commands.findSaleOrder(command.orderId, context);
    if (!order) throw new CommandRejectedError(`no Odoo sale order has client_order_ref ${command.orderId}`, 'MISSING_RECORD');
    const marker = await this.commands.shipmentMarker();
    const ours = `return:${command.receiptId}:`;

    const deliveries = await this.odoo.searchRead<Picking>('stock.picking', [['sale_id', '=', order.id], ['picking_type_code', '=', 'outgoing'], ['state', '=', 'done']], {
      fields: ['name', 'state'],
      order: 'id asc',
      context,
    });
    if (deliveries.length === 0) throw new CommandRejectedError(`sale order ${order.name} has no done delivery to return`, 'MISSING_RECORD');
    const moves = await this.odoo.searchRead<Move>('stock.move', [['picking_id', 'in', deliveries.map((d) => d.id)], ['state', '=', 'done']], {
      fields: ['product_id', 'product_uom_qty', 'picking_id', 'state'],
      order: 'id asc',
      context,
    });
    const returns = await this.odoo.searchRead<ReturnedMove>('stock.move', [['origin_returned_move_id', 'in', moves.map((m) => m.id)], ['state', '!=', 'cancel']], {
      fields: ['origin_returned_move_id', 'product_uom_qty', 'picking_id'],
      context,
    });
    const existing = await this.odoo.searchRead<Picking>('stock.picking', [[marker, '=like', `${ours}%`]], { fields: ['name', 'state', marker], order: 'id asc', context });
    const oursIds = new Set(existing.map((picking) => picking.id));

    // What was returned before, by others than this receipt, is no longer returnable.
    const returnedBefore = new Map<number, number>();
    for (const returned of returns) {
      if (!returned.origin_returned_move_id || (returned.picking_id && oursIds.has(returned.picking_id[0]))) continue;
      const moveId = returned.origin_returned_move_id[0];
      returnedBefore.set(moveId, (returnedBefore.get(moveId) ?? 0) + Math.round(returned.product_uom_qty * 1000));
    }
    const delivered: DeliveredMove[] = moves.map((move) => ({
      moveId: move.id,
      deliveryId: move.picking_id ? move.picking_id[0] : 0,
      productId: move.product_id[0],
      returnableMilli: Math.round(move.product_uom_qty * 1000) - (returnedBefore.get(move.id) ?? 0),
    }));
    const wanted = new Map([...received].map(([sku, milli]) => [products.get(sku) as number, milli]));
    const allocation = allocateReturn(delivered, wanted);
    if (allocation.short.size > 0) {
      const skuOf = new Map([...products].map(([sku, id]) => [id, sku]));
      const detail = [...allocation.short].map(([productId, milli]) => `${skuOf.get(productId)}: ${milli / 1000} more than delivered and not yet returned`).join('; ');
      throw new CommandRejectedError(`return ${command.returnId} receives more than sale order ${order.name} delivered (${detail})`, 'VALIDATION');
    }

    if (allocation.byDelivery.size === 0) throw new CommandRejectedError(`return ${command.returnId} receives nothing`, 'VALIDATION');

    let changed = false;
    const pickings: Array<{ id: number; name: string; products: Set<number> }> = [];
    for (const [deliveryId, perMove] of allocation.byDelivery) {
      const tag = `${ours}${deliveryId}`;
      let picking = existing.find((candidate) => candidate[marker] === tag);
      if (!picking) {
        picking = await this.createReturn(deliveryId, perMove, moves, { marker, tag, destination, context });
        changed = true;
      }
      if (picking.state !== 'done') {
        await this.validate(picking.id, context);
        changed = true;
      }
      const productIds = new Set(moves.filter((move) => perMove.has(move.id)).map((move) => move.product_id[0]));
      pickings.push({ id: picking.id, name: picking.name, products: productIds });
    }

    for (const [sku, milli] of scrapped) {
      if (milli <= 0) continue;
      const productId = products.get(sku) as number;
      const from = pickings.find((picking) => picking.products.has(productId));
      if (await this.scrap({ productId, sku, milli, location: destination, origin: `Omnibus return ${command.returnId} receipt ${command.receiptId}`, pickingId: from?.id, context })) changed = true;
    }
    return { odooModel: 'stock.picking', odooRecordId: pickings[0].id, odooRecordName: pickings.map((picking) => picking.name).join(', '), alreadyApplied: !changed };
  }

  /**
   * The wizard as the "Return" button opens it (context active_id on the delivery), with the quantities
   * to return on the delivery's moves (0 on the others, as the form sends them), then its create-returns
   * method: `create_returns` in 16–17, `action_create_returns` in 18+. 16–17 take the return location on
   * the wizard; 18+ return into the return type's destination, so the picking is pointed at the receiving
   * warehouse before it is validated (Odoo moves its open moves along). A return left unmarked by a lost
   * answer is recognised by its moves and marked, not made twice.
   */
  private async createReturn(
    deliveryId: number,
    perMove: Map<number, number>,
    moves: Move[],
    target: { marker: string; tag: string; destination: number; context: OdooContext },
  ): Promise<Picking> {
    const { marker, tag, destination, context } = target;
    const deliveryMoves = moves.filter((move) => move.picking_id && move.picking_id[0] === deliveryId);
    let returnId = await this.unmarkedReturn(deliveryMoves, perMove, marker, context);
    if (returnId === undefined) {
      const wizardContext: OdooContext = { ...context, active_id: deliveryId, active_ids: [deliveryId], active_model: 'stock.picking' };
      const values: OdooValues = {
        product_return_moves: deliveryMoves.map((move) => [0, 0, { product_id: move.product_id[0], move_id: move.id, quantity: (perMove.get(move.id) ?? 0) / 1000 }]),
        ...(this.majorVersion <= 17 ? { location_id: destination } : {}),
      };
      const wizard = await this.odoo.create('stock.return.picking', values, { context: wizardContext });
      const method = this.majorVersion <= 17 ? 'create_returns' : 'action_create_returns';
      const action = await this.odoo.callMethod<{ res_id?: number }>('stock.return.picking', method, [wizard], { context: wizardContext });
      if (!action || typeof action.res_id !== 'number') throw new CommandRejectedError(`stock.return.picking.${method} did not answer the return picking`, 'VALIDATION');
      returnId = action.res_id;
    }
    await this.odoo.write('stock.picking', [returnId], { [marker]: tag, location_dest_id: destination }, { context });
    // The reserved move lines follow too (Odoo's picking write carries the destination to the moves).
    const lines = await this.odoo.search('stock.move.line', [['picking_id', '=', returnId], ['location_dest_id', '!=', destination]], { context });
    if (lines.length > 0) await this.odoo.write('stock.move.line', lines, { location_dest_id: destination }, { context });
    const [picking] = await this.odoo.read<Picking>('stock.picking', [returnId], ['name', 'state'], { context });
    return picking;
  }

  /** An open, unmarked return of exactly these quantities of the delivery's moves: ours, from an answer that was lost. */
  private async unmarkedReturn(deliveryMoves: Move[], perMove: Map<number, number>, marker: string, context: OdooContext): Promise<number | undefined> {
    const returned = await this.odoo.searchRead<ReturnedMove>(
      'stock.move',
      [['origin_returned_move_id', 'in', deliveryMoves.map((move) => move.id)], ['state', 'not in', ['done', 'cancel']], [`picking_id.${marker}`, '=', false]],
      { fields: ['origin_returned_move_id', 'product_uom_qty', 'picking_id'], context },
    );
    const byPicking = new Map<number, Map<number, number>>();
    for (const move of returned) {
      if (!move.picking_id || !move.origin_returned_move_id) continue;
      const quantities = byPicking.get(move.picking_id[0]) ?? new Map<number, number>();
      quantities.set(move.origin_returned_move_id[0], (quantities.get(move.origin_returned_move_id[0]) ?? 0) + Math.round(move.product_uom_qty * 1000));
      byPicking.set(move.picking_id[0], quantities);
    }
    const wanted = [...perMove].filter(([, milli]) => milli > 0);
    for (const [pickingId, quantities] of byPicking) {
      if (quantities.size === wanted.length && wanted.every(([moveId, milli]) => quantities.get(moveId) === milli)) return pickingId;
    }
    return undefined;
  }

  /**
   * Done quantities set (16 `quantity_done`; 17+ `quantity` + `picked`), then `button_validate` without
   * backorder or immediate-transfer wizards. Should Odoo still answer a wizard (§4.5), it is created with the
   * action's context and processed, as the UI would. The state is read back: only `done` counts.
   */
  private async validate(pickingId: number, context: OdooContext): Promise<void> {
    const moves = await this.odoo.searchRead<Move>('stock.move', [['picking_id', '=', pickingId], ['state', 'not in', ['done', 'cancel']]], { fields: ['product_uom_qty'], context });
    for (const move of moves) {
      const values = this.majorVersion >= 17 ? { quantity: move.product_uom_qty, picked: true } : { quantity_done: move.product_uom_qty };
      await this.odoo.write('stock.move', [move.id], values, { context });
    }
    const validateContext: OdooContext = { ...context, skip_backorder: true, skip_immediate: true, skip_sms: true };
    const result = await this.odoo.callMethod<unknown>('stock.picking', 'button_validate', [pickingId], { context: validateContext });
    if (result && typeof result === 'object' && !Array.isArray(result)) {
      const action = result as { res_model?: string; context?: OdooContext };
      if (!action.res_model || !WIZARDS_THAT_FINISH.has(action.res_model)) {
        throw new CommandRejectedError(`stock.picking.button_validate on ${pickingId} asks for ${String(action.res_model)}, which the adapter does not answer`, 'VALIDATION');
      }
      const wizardContext = { ...validateContext, ...(action.context ?? {}) };
      const wizard = await this.odoo.create(action.res_model, {}, { context: wizardContext });
      await this.odoo.callMethod(action.res_model, 'process', [wizard], { context: wizardContext });
    }
    const [after] = await this.odoo.read<Picking>('stock.picking', [pickingId], ['state'], { context });
    if (after?.state !== 'done') throw new CommandRejectedError(`return picking ${pickingId} is ${after?.state} after validation`, 'VALIDATION');
  }

  /** One scrap per SKU out of the receiving stock location, found again by its origin. Returns true when it changed Odoo. */
  private async scrap(input: { productId: number; sku: string; milli: number; location: number; origin: string; pickingId?: number; context: OdooContext }): Promise<boolean> {
    const { productId, location, origin, context } = input;
    const { id, created } = await this.odoo.createOnce('stock.scrap', {
      reference: [['origin', '=', origin], ['product_id', '=', productId]],
      values: { product_id: productId, scrap_qty: input.milli / 1000, location_id: location, origin, ...(input.pickingId ? { picking_id: input.pickingId } : {}) },
      context,
    });
    const [scrap] = await this.odoo.read<{ id: number; state: string }>('stock.scrap', [id], ['state'], { context });
    if (scrap?.state === 'done') return created;
    let result: unknown;
    try {
      result = await this.odoo.callMethod('stock.scrap', 'action_validate', [id], { context });
    } catch (error) {
      if (!(error instanceof OdooUnknownOutcomeError)) throw error;
      const [after] = await this.odoo.read<{ id: number; state: string }>('stock.scrap', [id], ['state'], { context });
      if (after?.state === 'done') return true;
      throw error;
    }
    if (result && typeof result === 'object') {
      throw new CommandRejectedError(`Odoo holds less than ${input.milli / 1000} of ${input.sku} at the receiving location to scrap (${String((result as { res_model?: string }).res_model)})`, 'VALIDATION');
    }
    return true;
  }
}
