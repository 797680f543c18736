import { boolean, char, datetime, defineModel, float, many2one, one2many, recordMethod, selection } from '../orm/define';
import type { Env } from '../orm/env';
import { userError } from '../orm/errors';
import { create, requireRows, write } from '../orm/orm';
import type { ModelDef, OdooVersion, Row, Vals } from '../orm/types';
import { displayName } from '../orm/values';
import { assignPickings, confirmPickings, copiedCustomValues, movesOf, pickingState, updateQuant } from './stock';
import { childLocationIds, isInternalLocation } from './stock-quantities';

/**
 * Returns and scraps as Odoo's stock module has them (addons/stock/wizard/stock_picking_return.py,
 * addons/stock/models/stock_scrap.py):
 *
 * - `stock.return.picking`, opened with context `active_id` / `active_model: stock.picking`: `default_get`
 *   takes the picking from the context. 16 fills `product_return_moves` in an onchange, which RPC never
 *   runs, so a client sends the lines; 17+ compute them on create (precompute) from the picking's moves,
 *   17 with the quantity still returnable, 18+ with 0 (the UI's "Return All" sets them). Given lines win.
 * - The create-returns method: 16–17 `create_returns()`, 18+ `action_create_returns()` (and
 *   `action_create_returns_all()`); the private `_create_returns` / `_create_return` are not callable.
 *   It copies the picking as a draft return (origin "Return of <name>", the picking type's return type,
 *   from the delivery's destination; 16–17 into the wizard's `location_id`, 18+ into the return type's
 *   default destination), copies each move with a quantity (`origin_returned_move_id`), confirms and
 *   reserves it, and answers an action opening the return.
 * - `stock.scrap`: `action_validate` → True after a done move into the scrap location, or the
 *   `stock.warn.insufficient.qty.scrap` wizard action when the location holds less than the quantity.
 *
 * Odoo does not compare a return's quantity with what was delivered: the wizard accepts more, so the
 * simulator does too.
 */

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function doneMoveQuantity(env: Env, move: Row): number {
  // A done move's demand is what was done (the simulator writes it at validation).
  return move.state === 'done' ? (move.product_uom_qty as number) : 0;
}

/** What of a move is still returnable: its quantity minus the returns made of it that are not cancelled. */
function returnableQuantity(env: Env, move: Row): number {
  let quantity = doneMoveQuantity(env, move);
  for (const returned of env.db.rowsWhere('stock.move', 'origin_returned_move_id', move.id)) {
    if (returned.state === 'cancel') continue;
    quantity -= returned.product_uom_qty as number;
  }
  return round(quantity);
}

function activePicking(env: Env): number | false {
  if (env.context.active_model !== 'stock.picking' || !env.context.active_id) return false;
  if (((env.context.active_ids as unknown[]) ?? []).length > 1) throw userError('You may only return one picking at a time.');
  const id = Number(env.context.active_id);
  return env.db.get('stock.picking', id) ? id : false;
}

/** 17+: `_compute_moves_locations` on create; 16 leaves it to the onchange. */
function computedReturnLines(env: Env, pickingId: number): unknown[] {
  const picking = env.db.get('stock.picking', pickingId) as Row;
  if (pickingState(env, picking) !== 'done') throw userError('You may only return Done pickings.');
  const lines: unknown[] = [];
  for (const move of movesOf(env, pickingId)) {
    if (move.state === 'cancel' || env.db.get('stock.location', move.location_dest_id as number)?.usage === 'inventory') continue;
    lines.push([0, 0, { product_id: move.product_id, move_id: move.id, quantity: env.version >= 18 ? 0 : Math.max(returnableQuantity(env, move), 0) }]);
  }
  if (lines.length === 0) throw userError('No products to return (only lines in Done state and not fully returned yet can be returned).');
  return lines;
}

/** 16–17: the wizard's return location defaults to where the picking came from (or a return location of the return type). */
function defaultReturnLocation(env: Env, pickingId: number | false): number | false {
  if (!pickingId) return false;
  const picking = env.db.get('stock.picking', pickingId) as Row;
  return picking.location_id as number;
}

function createReturn(env: Env, wizardId: number): number {
  const [wizard] = requireRows(env, 'stock.return.picking', [wizardId]);
  const picking = env.db.get('stock.picking', wizard.picking_id as number);
  if (!picking) throw userError('You may only return Done pickings.');
  const type = env.db.get('stock.picking.type', picking.picking_type_id as number) as Row;
  const returnType = type.return_picking_type_id ? (env.db.get('stock.picking.type', type.return_picking_type_id as number) as Row) : undefined;
  const lines = env.db.rowsWhere('stock.return.picking.line', 'wizard_id', wizardId);
  if (env.version <= 17 && lines.some((line) => !line.move_id)) throw userError('You have manually created product lines, please delete them to proceed.');

  const destination =
    env.version <= 17 ? (wizard.location_id as number) : returnType && returnType.code === 'incoming' ? (returnType.default_location_dest_id as number) : (picking.location_id as number);
  // _create_returns copies the picking (copy=False fields such as the name and custom fields not copied stay behind).
  const [returnId] = create(env, 'stock.picking', [
    {
      ...copiedCustomValues(env, 'stock.picking', picking),
      picking_type_id: returnType?.id ?? picking.picking_type_id,
      origin: `Return of ${picking.name as string}`,
      partner_id: picking.partner_id,
      location_id: picking.location_dest_id,
      location_dest_id: destination,
      sale_id: picking.sale_id,
      move_type: picking.move_type,
      company_id: picking.company_id,
      ...(env.version >= 18 ? { return_id: picking.id } : {}),
    },
  ]);
  const returnPicking = env.db.get('stock.picking', returnId) as Row;
  let returned = 0;
  for (const line of lines) {
    if (!((line.quantity as number) > 0) && !((line.quantity as number) < 0)) continue;
    const move = line.move_id ? env.db.get('stock.move', line.move_id as number) : undefined;
    create(env, 'stock.move', [
      {
        name: move?.name ?? displayName(env, 'product.product', line.product_id as number),
        product_id: line.product_id,
        product_uom_qty: line.quantity,
        product_uom: move?.product_uom ?? 1,
        picking_id: returnId,
        picking_type_id: returnPicking.picking_type_id,
        state: 'draft',
        location_id: env.version <= 17 ? (move?.location_dest_id ?? returnPicking.location_id) : returnPicking.location_id,
        location_dest_id: env.version <= 17 ? destination || move?.location_id : returnPicking.location_dest_id,
        origin_returned_move_id: move?.id ?? false,
        sale_line_id: move?.sale_line_id ?? false,
        origin: returnPicking.origin,
        company_id: returnPicking.company_id,
      },
    ]);
    returned++;
  }
  if (returned === 0) throw userError('Please specify at least one non-zero quantity.');
  confirmPickings(env, [returnId]);
  assignPickings(env, [returnId]);
  return returnId;
}

function returnedPickingAction(env: Env, pickingId: number, pickingTypeId: number): Record<string, unknown> {
  if (env.version >= 18) {
    return { name: 'Returned Picking', view_mode: 'form', res_model: 'stock.picking', res_id: pickingId, type: 'ir.actions.act_window', context: env.context };
  }
  // 16–17 also clear the list filters a previous view may have set.
  return {
    name: 'Returned Picking',
    view_mode: 'form,tree,calendar',
    res_model: 'stock.picking',
    res_id: pickingId,
    type: 'ir.actions.act_window',
    context: {
      ...env.context,
      search_default_picking_type_id: pickingTypeId,
      search_default_draft: false,
      search_default_assigned: false,
      search_default_confirmed: false,
      search_default_ready: false,
      search_default_late: false,
      search_default_available: false,
    },
  };
}

function createReturns(env: Env, ids: number[]): Record<string, unknown> {
  if (env.version >= 18 && ids.length !== 1) throw userError(`Expected singleton: stock.return.picking(${ids.join(', ')})`);
  let last = 0;
  for (const id of ids) last = createReturn(env, id);
  const picking = env.db.get('stock.picking', last) as Row;
  return returnedPickingAction(env, last, picking.picking_type_id as number);
}

/** 18+ "Return All": every line set to what is still returnable of its move, then the returns. */
function createReturnsAll(env: Env, ids: number[]): Record<string, unknown> {
  for (const id of ids) {
    for (const line of env.db.rowsWhere('stock.return.picking.line', 'wizard_id', id)) {
      const move = line.move_id ? env.db.get('stock.move', line.move_id as number) : undefined;
      if (!move || move.state === 'cancel') continue;
      write(env, 'stock.return.picking.line', [line.id], { quantity: returnableQuantity(env, move) });
    }
  }
  return createReturns(env, ids);
}

// -------------------------------------------------------------------------------------- scrap

function scrapLocation(env: Env, companyId: number): number | false {
  // ≤17 the location flagged scrap_location; 18+ (flag gone) an inventory-usage location named so.
  for (const row of env.db.table('stock.location').values()) {
    if (row.usage !== 'inventory' || (row.company_id && row.company_id !== companyId)) continue;
    if (env.version <= 17 ? row.scrap_location === true : row.name === 'Scrap') return row.id;
  }
  return false;
}

function defaultScrapSource(env: Env): number | false {
  const company = env.companyId();
  for (const warehouse of env.db.table('stock.warehouse').values()) if (warehouse.company_id === company) return warehouse.lot_stock_id as number;
  return false;
}

function onHandIn(env: Env, productId: number, locationId: number): number {
  const locations = childLocationIds(env, [locationId]);
  let total = 0;
  for (const quant of env.db.table('stock.quant').values()) {
    if (quant.product_id === productId && locations.has(quant.location_id as number)) total += quant.quantity as number;
  }
  return round(total);
}

function insufficientQuantityAction(env: Env, scrap: Row): Record<string, unknown> {
  return {
    name: `Insufficient Quantity: ${displayName(env, 'product.product', scrap.product_id as number)}`,
    view_mode: 'form',
    res_model: 'stock.warn.insufficient.qty.scrap',
    view_id: env.version === 16 ? 1020 : 1120,
    type: 'ir.actions.act_window',
    context: {
      ...env.context,
      default_product_id: scrap.product_id,
      default_location_id: scrap.location_id,
      default_scrap_id: scrap.id,
      default_quantity: scrap.scrap_qty,
      default_product_uom_name: 'Units',
    },
    target: 'new',
  };
}

function doScrap(env: Env, scrap: Row): void {
  const lineField = env.version === 16 ? 'qty_done' : 'quantity';
  const [moveId] = create(env, 'stock.move', [
    {
      name: scrap.name,
      origin: scrap.origin || scrap.name,
      product_id: scrap.product_id,
      product_uom_qty: scrap.scrap_qty,
      product_uom: scrap.product_uom_id || 1,
      location_id: scrap.location_id,
      location_dest_id: scrap.scrap_location_id,
      picking_id: false,
      scrap_id: scrap.id,
      state: 'done',
      date: env.now,
      company_id: scrap.company_id,
      ...(env.version >= 17 ? { picked: true } : {}),
      move_line_ids: [[0, 0, { product_id: scrap.product_id, location_id: scrap.location_id, location_dest_id: scrap.scrap_location_id, [lineField]: scrap.scrap_qty, ...(env.version >= 17 ? { picked: true } : {}) }]],
    },
  ]);
  updateQuant(env, scrap.product_id as number, scrap.location_id as number, -(scrap.scrap_qty as number));
  updateQuant(env, scrap.product_id as number, scrap.scrap_location_id as number, scrap.scrap_qty as number);
  write(env, 'stock.scrap', [scrap.id], { state: 'done', date_done: env.now, ...(env.version === 16 ? { move_id: moveId } : {}) });
}

function validateScrap(env: Env, ids: number[]): unknown {
  if (ids.length !== 1) throw userError(`Expected singleton: stock.scrap(${ids.join(', ')})`);
  const [scrap] = requireRows(env, 'stock.scrap', ids);
  if (!((scrap.scrap_qty as number) > 0)) throw userError('You can only enter positive quantities.');
  if (scrap.state === 'done') return true; // do_scrap on a done scrap: nothing left to move
  // check_available_qty: only storable products in internal locations are checked.
  if (isInternalLocation(env, scrap.location_id as number) && onHandIn(env, scrap.product_id as number, scrap.location_id as number) < (scrap.scrap_qty as number) - 1e-9) {
    return insufficientQuantityAction(env, scrap);
  }
  doScrap(env, scrap);
  return true;
}

export function stockReturnModels(version: OdooVersion): ModelDef[] {
  return [
    defineModel({
      name: 'stock.return.picking.line',
      description: 'Return Picking Line',
      transient: true,
      recName: 'product_id',
      fields: {
        product_id: many2one('product.product', 'Product', { required: true }),
        quantity: float('Quantity', { required: true, default: version >= 18 ? 1 : 0 }),
        uom_id: { type: 'many2one', string: 'Unit of Measure', relation: 'uom.uom', compute: () => 1 },
        wizard_id: many2one('stock.return.picking', 'Wizard'),
        move_id: many2one('stock.move', 'Move'),
        ...(version >= 18 ? { move_quantity: { type: 'float', string: 'Move Quantity', compute: (env: Env, row: Row) => doneMoveQuantity(env, env.db.get('stock.move', row.move_id as number) ?? ({} as Row)) } } : {}),
      },
    }),
    defineModel({
      name: 'stock.return.picking',
      description: 'Return Picking',
      transient: true,
      fields: {
        picking_id: many2one('stock.picking', 'Picking', { default: (env: Env) => activePicking(env) }),
        product_return_moves: one2many('stock.return.picking.line', 'wizard_id', 'Moves', {
          default: version >= 17 ? (env: Env, vals: Vals) => (vals.picking_id ? computedReturnLines(env, vals.picking_id as number) : undefined) : undefined,
        }),
        company_id: { type: 'many2one', string: 'Company', relation: 'res.company', compute: (env, row) => env.db.get('stock.picking', row.picking_id as number)?.company_id ?? false },
        ...(version <= 17
          ? {
              move_dest_exists: boolean('Chained Move Exists', { readonly: true }),
              original_location_id: many2one('stock.location', 'Original Location', {
                default: version >= 17 ? (env: Env, vals: Vals) => defaultReturnLocation(env, (vals.picking_id as number) || false) : undefined,
              }),
              parent_location_id: many2one('stock.location', 'Parent Location'),
              location_id: many2one('stock.location', 'Return Location', {
                default: version >= 17 ? (env: Env, vals: Vals) => defaultReturnLocation(env, (vals.picking_id as number) || false) : undefined,
              }),
            }
          : {}),
      },
      methods:
        version <= 17
          ? { create_returns: recordMethod((env, ids) => createReturns(env, ids)) }
          : {
              action_create_returns: recordMethod((env, ids) => createReturns(env, ids)),
              action_create_returns_all: recordMethod((env, ids) => createReturnsAll(env, ids)),
            },
    }),
    defineModel({
      name: 'stock.scrap',
      description: 'Scrap',
      order: 'id desc',
      fields: {
        name: char('Reference', { required: true, default: 'New', readonly: true }),
        origin: char('Source Document'),
        product_id: many2one('product.product', 'Product', { required: true }),
        product_uom_id: many2one('uom.uom', 'Unit of Measure', { required: true, default: 1 }),
        scrap_qty: float('Quantity', { required: true, default: 1 }),
        location_id: many2one('stock.location', 'Source Location', { required: true, default: (env: Env) => defaultScrapSource(env) }),
        scrap_location_id: many2one('stock.location', 'Scrap Location', { required: true, default: (env: Env) => scrapLocation(env, env.companyId()) }),
        picking_id: many2one('stock.picking', 'Picking'),
        ...(version === 16 ? { move_id: many2one('stock.move', 'Scrap Move', { readonly: true }) } : { move_ids: one2many('stock.move', 'scrap_id', 'Scrap Moves') }),
        state: selection(
          [
            ['draft', 'Draft'],
            ['done', 'Done'],
          ],
          'Status',
          { default: 'draft', readonly: true },
        ),
        date_done: datetime('Date', { readonly: true }),
        company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }),
      },
      hooks: {
        beforeCreate: (env, vals) => {
          if (!vals.name || vals.name === 'New') vals.name = `SP/${String(env.db.nextSequence('stock.scrap')).padStart(5, '0')}`;
        },
        beforeUnlink: (env, ids) => {
          for (const scrap of requireRows(env, 'stock.scrap', ids)) if (scrap.state === 'done') throw userError('You cannot delete a scrap which is done.');
        },
      },
      methods: {
        action_validate: recordMethod((env, ids) => validateScrap(env, ids)),
      },
      displayName: (_env, row) => row.name as string,
    }),
  ];
}

