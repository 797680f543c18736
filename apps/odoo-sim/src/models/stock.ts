import { boolean, char, datetime, defineModel, float, html, many2many, many2one, one2many, recordMethod, selection } from '../orm/define';
import type { FieldSpec } from '../orm/define';
import type { Env } from '../orm/env';
import { userError, validationError } from '../orm/errors';
import { create, requireRows, searchIds, unlink, write } from '../orm/orm';
import { toValsList } from '../orm/standard-methods';
import type { ModelDef, OdooVersion, Row, Vals } from '../orm/types';
import { displayName } from '../orm/values';
import { isStorableProduct } from './product';
import { childLocationIds, isInternalLocation } from './stock-quantities';

/**
 * Warehouses, locations, quants (inventory mode), pickings, moves and move lines with the 16 vs 17+ dialects:
 * 16 = quantity_done / qty_done / reserved_uom_qty and the immediate-transfer wizard; 17+ = quantity + picked.
 */

const MOVE_STATES: Array<[string, string]> = [
  ['draft', 'New'],
  ['waiting', 'Waiting Another Move'],
  ['confirmed', 'Waiting Availability'],
  ['partially_available', 'Partially Available'],
  ['assigned', 'Available'],
  ['done', 'Done'],
  ['cancel', 'Cancelled'],
];

const PICKING_STATES: Array<[string, string]> = [
  ['draft', 'Draft'],
  ['waiting', 'Waiting Another Operation'],
  ['confirmed', 'Waiting'],
  ['assigned', 'Ready'],
  ['done', 'Done'],
  ['cancel', 'Cancelled'],
];

export const INVENTORY_LOSS_LOCATION_REF = 'stock.stock_location_inventory';

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

// ------------------------------------------------------------------------------------ move line helpers

function lineReserved(line: Row): number {
  return (line.__reserved as number) ?? 0;
}

function linesOf(env: Env, moveId: number): Row[] {
  return env.db.rowsWhere('stock.move.line', 'move_id', moveId);
}

/** 17+: quantity on a move = its lines' quantity; 16: quantity_done = lines' qty_done. */
function moveQuantity(env: Env, moveId: number): number {
  const field = env.version === 16 ? 'qty_done' : 'quantity';
  return round(linesOf(env, moveId).reduce((sum, line) => sum + ((line[field] as number) ?? 0), 0));
}

function moveReserved(env: Env, moveId: number): number {
  return round(linesOf(env, moveId).reduce((sum, line) => sum + lineReserved(line), 0));
}

/** Setting a quantity on a move adjusts its lines (the inverse of the computed field). */
function setMoveQuantity(env: Env, move: Row, value: number): void {
  const field = env.version === 16 ? 'qty_done' : 'quantity';
  const lines = linesOf(env, move.id);
  let remaining = value;
  for (const line of lines) {
    const take = lines.indexOf(line) === lines.length - 1 ? remaining : Math.min(remaining, Math.max(lineReserved(line), 0));
    write(env, 'stock.move.line', [line.id], { [field]: round(Math.max(take, 0)) });
    remaining = round(remaining - Math.max(take, 0));
  }
  if (lines.length === 0 && value > 0) {
    create(env, 'stock.move.line', [
      {
        move_id: move.id,
        picking_id: move.picking_id,
        product_id: move.product_id,
        location_id: move.location_id,
        location_dest_id: move.location_dest_id,
        [field]: value,
      },
    ]);
  }
}

function quantFor(env: Env, productId: number, locationId: number): Row | undefined {
  for (const quant of env.db.table('stock.quant').values()) {
    if (quant.product_id === productId && quant.location_id === locationId && !quant.lot_id && !quant.owner_id) return quant;
  }
  return undefined;
}

/** _update_available_quantity: only storable products in internal locations keep quants. */
export function updateQuant(env: Env, productId: number, locationId: number, delta: number, reservedDelta = 0): void {
  if (!isStorableProduct(env, productId) || !isInternalLocation(env, locationId)) return;
  const quant = quantFor(env, productId, locationId);
  if (quant) {
    env.db.update('stock.quant', quant.id, {
      quantity: round((quant.quantity as number) + delta),
      reserved_quantity: round(Math.max((quant.reserved_quantity as number) + reservedDelta, 0)),
      write_date: env.now,
      write_uid: env.uid,
    });
  } else {
    create(env.sudo().withContext({ inventory_mode: false }), 'stock.quant', [
      { product_id: productId, location_id: locationId, quantity: delta, reserved_quantity: Math.max(reservedDelta, 0), in_date: env.now },
    ]);
  }
}

/** A stored state change: write_date moves like on any write (pollers rely on it). */
function updateMove(env: Env, moveId: number, patch: Vals): void {
  env.db.update('stock.move', moveId, { ...patch, write_date: env.now, write_uid: env.uid });
}

/** Picking state is stored in Odoo: its recomputation bumps write_date and fires on_write automations. */
function pickingsChanged(env: Env, pickingIds: number[]): void {
  const existing = pickingIds.filter((id) => env.db.get('stock.picking', id));
  for (const id of existing) env.db.update('stock.picking', id, { write_date: env.now, write_uid: env.uid });
  if (existing.length) env.state.onRecordEvent?.(env, { model: 'stock.picking', ids: existing, kind: 'write', fields: ['state', 'date_done'] });
}

// ---------------------------------------------------------------------------------- reservation

function setMoveState(env: Env, move: Row): void {
  const demand = move.product_uom_qty as number;
  const reserved = moveReserved(env, move.id);
  const state = reserved >= demand - 1e-9 ? 'assigned' : reserved > 0 ? 'partially_available' : 'confirmed';
  updateMove(env, move.id, { state });
}

function reserveMove(env: Env, moveId: number): void {
  const move = env.db.get('stock.move', moveId) as Row;
  const demand = move.product_uom_qty as number;
  let need = round(demand - moveReserved(env, moveId));
  if (need <= 0) return setMoveState(env, move);
  const quantityField = env.version === 16 ? 'reserved_uom_qty' : 'quantity';
  if (!isInternalLocation(env, move.location_id as number) || !isStorableProduct(env, move.product_id as number)) {
    // Receipts from partners and non-tracked products are available at once.
    create(env, 'stock.move.line', [
      { move_id: move.id, picking_id: move.picking_id, product_id: move.product_id, location_id: move.location_id, location_dest_id: move.location_dest_id, [quantityField]: need },
    ]);
    const line = linesOf(env, move.id).pop() as Row;
    env.db.update('stock.move.line', line.id, { __reserved: need });
    return setMoveState(env, move);
  }
  const locations = childLocationIds(env, [move.location_id as number]);
  const quants = [...env.db.table('stock.quant').values()]
    .filter((q) => q.product_id === move.product_id && locations.has(q.location_id as number))
    .sort((a, b) => String(a.in_date).localeCompare(String(b.in_date)) || a.id - b.id);
  for (const quant of quants) {
    if (need <= 0) break;
    const available = round((quant.quantity as number) - (quant.reserved_quantity as number));
    if (available <= 0) continue;
    const take = Math.min(available, need);
    env.db.update('stock.quant', quant.id, { reserved_quantity: round((quant.reserved_quantity as number) + take) });
    const existing = linesOf(env, move.id).find((line) => line.location_id === quant.location_id);
    if (existing) {
      env.db.update('stock.move.line', existing.id, {
        [quantityField]: round(((existing[quantityField] as number) ?? 0) + take),
        __reserved: round(lineReserved(existing) + take),
      });
    } else {
      const [lineId] = create(env, 'stock.move.line', [
        { move_id: move.id, picking_id: move.picking_id, product_id: move.product_id, location_id: quant.location_id, location_dest_id: move.location_dest_id, [quantityField]: take },
      ]);
      env.db.update('stock.move.line', lineId, { __reserved: take });
    }
    need = round(need - take);
  }
  setMoveState(env, env.db.get('stock.move', moveId) as Row);
}

function releaseReservation(env: Env, moveId: number, deleteLines: boolean): void {
  const move = env.db.get('stock.move', moveId) as Row;
  for (const line of linesOf(env, moveId)) {
    const reserved = lineReserved(line);
    if (reserved > 0) {
      const quant = quantFor(env, move.product_id as number, line.location_id as number);
      if (quant) env.db.update('stock.quant', quant.id, { reserved_quantity: round(Math.max((quant.reserved_quantity as number) - reserved, 0)) });
    }
    const done = env.version === 16 ? (line.qty_done as number) : line.picked ? (line.quantity as number) : 0;
    if (deleteLines && !done) unlink(env, 'stock.move.line', [line.id]);
    else env.db.update('stock.move.line', line.id, { __reserved: 0, ...(env.version === 16 ? { reserved_uom_qty: 0 } : {}) });
  }
}

// -------------------------------------------------------------------------------------- pickings

export function pickingState(env: Env, picking: Row): string {
  const moves = env.db.rowsWhere('stock.move', 'picking_id', picking.id);
  if (picking.__state_override) return picking.__state_override as string;
  if (moves.length === 0) return 'draft';
  const states = moves.map((m) => m.state as string);
  if (states.some((s) => s === 'draft')) return 'draft';
  if (states.every((s) => s === 'cancel')) return 'cancel';
  if (states.every((s) => s === 'done' || s === 'cancel')) return 'done';
  const open = states.filter((s) => s !== 'done' && s !== 'cancel');
  if ((picking.move_type ?? 'direct') === 'direct') {
    return open.some((s) => s === 'assigned' || s === 'partially_available') ? 'assigned' : open.every((s) => s === 'waiting') ? 'waiting' : 'confirmed';
  }
  return open.every((s) => s === 'assigned') ? 'assigned' : 'confirmed';
}

export function movesOf(env: Env, pickingId: number): Row[] {
  return env.db.rowsWhere('stock.move', 'picking_id', pickingId);
}

export function confirmPickings(env: Env, pickingIds: number[]): true {
  requireRows(env, 'stock.picking', pickingIds);
  for (const pickingId of pickingIds) {
    for (const move of movesOf(env, pickingId)) if (move.state === 'draft') updateMove(env, move.id, { state: 'confirmed' });
    const picking = env.db.get('stock.picking', pickingId) as Row;
    if (!isInternalLocation(env, picking.location_id as number)) assignMoves(env, movesOf(env, pickingId));
  }
  pickingsChanged(env, pickingIds);
  return true;
}

function assignMoves(env: Env, moves: Row[]): void {
  for (const move of moves) if (!['draft', 'cancel', 'done'].includes(move.state as string)) reserveMove(env, move.id);
}

export function assignPickings(env: Env, pickingIds: number[]): true {
  requireRows(env, 'stock.picking', pickingIds);
  for (const id of pickingIds) if (pickingState(env, env.db.get('stock.picking', id) as Row) === 'draft') confirmPickings(env, [id]);
  const moves = pickingIds.flatMap((id) => movesOf(env, id)).filter((m) => !['draft', 'cancel', 'done'].includes(m.state as string));
  if (moves.length === 0) throw userError('Nothing to check the availability for.');
  assignMoves(env, moves);
  pickingsChanged(env, pickingIds);
  return true;
}

function pickingSequence(env: Env, pickingTypeId: number): string {
  const type = env.db.get('stock.picking.type', pickingTypeId) as Row;
  const warehouse = env.db.get('stock.warehouse', type.warehouse_id as number);
  const prefix = `${warehouse?.code ?? 'WH'}/${type.sequence_code}/`;
  return `${prefix}${String(env.db.nextSequence(`picking:${prefix}`)).padStart(5, '0')}`;
}

function backorderWizardAction(env: Env, pickingIds: number[]): Record<string, unknown> {
  return {
    name: 'Create Backorder?',
    type: 'ir.actions.act_window',
    view_mode: 'form',
    res_model: 'stock.backorder.confirmation',
    views: [[env.version === 16 ? 1006 : 1106, 'form']],
    view_id: env.version === 16 ? 1006 : 1106,
    target: 'new',
    context: { ...env.context, button_validate_picking_ids: pickingIds, default_show_transfers: false, default_pick_ids: pickingIds.map((id) => [4, id]) },
  };
}

function immediateTransferAction(env: Env, pickingIds: number[]): Record<string, unknown> {
  return {
    name: 'Immediate Transfer?',
    type: 'ir.actions.act_window',
    view_mode: 'form',
    res_model: 'stock.immediate.transfer',
    views: [[1005, 'form']],
    view_id: 1005,
    target: 'new',
    context: {
      ...env.context,
      button_validate_picking_ids: pickingIds,
      default_show_transfers: false,
      default_pick_ids: pickingIds.map((id) => [4, id]),
      default_immediate_transfer_line_ids: pickingIds.map((id) => [0, 0, { to_immediate: true, picking_id: id }]),
    },
  };
}

/** Done quantity of a move at validation time (16: quantity_done; 17+: quantity of picked moves). */
function doneQuantity(env: Env, move: Row, consideredPicked: boolean): number {
  if (env.version === 16) return moveQuantity(env, move.id);
  return consideredPicked || move.picked ? moveQuantity(env, move.id) : 0;
}

/** Values of the custom (ir.model.fields) fields that copy() carries: those created with `copied` true. */
export function copiedCustomValues(env: Env, modelName: string, row: Row): Vals {
  const values: Vals = {};
  for (const field of env.model(modelName).fields.values()) {
    if (field.manualId !== undefined && field.copy && row[field.name] !== undefined) values[field.name] = row[field.name];
  }
  return values;
}

/** stock.picking._get_without_quantities_error_message, per version. */
function withoutQuantitiesMessage(env: Env): string {
  return env.version === 16
    ? 'You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, switch in edit mode and encode the done quantities.'
    : 'You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, encode quantities.';
}

export function validatePickings(env: Env, pickingIds: number[]): unknown {
  const pickings = requireRows(env, 'stock.picking', pickingIds);
  for (const picking of pickings) if (pickingState(env, picking) === 'draft') confirmPickings(env, [picking.id]);
  const open = pickings.filter((p) => !['done', 'cancel'].includes(pickingState(env, env.db.get('stock.picking', p.id) as Row)));
  // A done (or cancelled) picking has nothing left to do: _sanity_check sees no quantities on open moves.
  if (open.length === 0) throw userError(withoutQuantitiesMessage(env));

  const pickedByDefault = new Set<number>();
  if (env.version === 16) {
    const noQuantities = open.filter((p) => movesOf(env, p.id).every((m) => moveQuantity(env, m.id) === 0));
    if (noQuantities.length && !env.context.skip_immediate) return immediateTransferAction(env, noQuantities.map((p) => p.id));
    for (const picking of noQuantities) {
      for (const move of movesOf(env, picking.id)) {
        for (const line of linesOf(env, move.id)) write(env, 'stock.move.line', [line.id], { qty_done: lineReserved(line) });
      }
    }
  } else {
    // 17+: when nothing is marked picked, the whole reserved quantity counts as picked.
    for (const picking of open) if (!movesOf(env, picking.id).some((m) => m.picked)) pickedByDefault.add(picking.id);
  }

  for (const picking of open) {
    const moves = movesOf(env, picking.id).filter((m) => !['done', 'cancel'].includes(m.state as string));
    const total = moves.reduce((sum, m) => sum + doneQuantity(env, m, pickedByDefault.has(picking.id)), 0);
    if (total <= 0) {
      throw userError(withoutQuantitiesMessage(env));
    }
  }

  const needBackorderDecision = open.filter((picking) =>
    movesOf(env, picking.id)
      .filter((m) => !['done', 'cancel'].includes(m.state as string))
      .some((m) => doneQuantity(env, m, pickedByDefault.has(picking.id)) < (m.product_uom_qty as number) - 1e-9),
  );
  const noBackorder = new Set(((env.context.picking_ids_not_to_backorder as number[]) ?? []).map(Number));
  if (needBackorderDecision.length && !env.context.skip_backorder) {
    const ask = needBackorderDecision.filter((p) => (env.db.get('stock.picking.type', p.picking_type_id as number)?.create_backorder ?? 'ask') === 'ask');
    if (ask.length) return backorderWizardAction(env, open.map((p) => p.id));
    for (const p of needBackorderDecision) {
      if (env.db.get('stock.picking.type', p.picking_type_id as number)?.create_backorder === 'never') noBackorder.add(p.id);
    }
  }

  for (const picking of open) finishPicking(env, picking.id, pickedByDefault.has(picking.id), !noBackorder.has(picking.id));
  pickingsChanged(env, open.map((p) => p.id));
  return true;
}

function finishPicking(env: Env, pickingId: number, pickedByDefault: boolean, createBackorder: boolean): void {
  const picking = env.db.get('stock.picking', pickingId) as Row;
  const now = env.now;
  const remainders: Array<{ move: Row; quantity: number; whole: boolean }> = [];
  for (const move of movesOf(env, pickingId).filter((m) => !['done', 'cancel'].includes(m.state as string))) {
    const done = doneQuantity(env, move, pickedByDefault);
    const demand = move.product_uom_qty as number;
    releaseReservation(env, move.id, false);
    const doneField = env.version === 16 ? 'qty_done' : 'quantity';
    for (const line of linesOf(env, move.id)) {
      const qty = env.version === 16 ? (line.qty_done as number) : pickedByDefault || move.picked || line.picked ? (line.quantity as number) : 0;
      if (qty > 0) {
        updateQuant(env, move.product_id as number, line.location_id as number, -qty);
        updateQuant(env, move.product_id as number, line.location_dest_id as number, qty);
        env.db.update('stock.move.line', line.id, env.version === 16 ? {} : { picked: true });
      } else unlink(env, 'stock.move.line', [line.id]);
      void doneField;
    }
    if (done <= 0) {
      remainders.push({ move, quantity: demand, whole: true });
      continue;
    }
    updateMove(env, move.id, { state: 'done', product_uom_qty: done, date: now, ...(env.version >= 17 ? { picked: true } : {}) });
    if (done < demand - 1e-9) remainders.push({ move, quantity: round(demand - done), whole: false });
  }
  env.db.update('stock.picking', pickingId, { date_done: now, write_date: now, write_uid: env.uid });

  if (remainders.length === 0) return;
  // The undone part of each move goes to a backorder, or is cancelled when no backorder is wanted.
  // Odoo's _create_backorder is picking.copy(...): copyable fields such as note and priority come along.
  const targetPicking = createBackorder
    ? create(env, 'stock.picking', [
        {
          name: pickingSequence(env, picking.picking_type_id as number),
          origin: picking.origin,
          note: picking.note ?? false,
          priority: picking.priority ?? '0',
          ...copiedCustomValues(env, 'stock.picking', picking),
          partner_id: picking.partner_id,
          picking_type_id: picking.picking_type_id,
          location_id: picking.location_id,
          location_dest_id: picking.location_dest_id,
          scheduled_date: picking.scheduled_date,
          backorder_id: pickingId,
          sale_id: picking.sale_id,
          move_type: picking.move_type,
          company_id: picking.company_id,
        },
      ])[0]
    : pickingId;
  const state = createBackorder ? 'confirmed' : 'cancel';
  for (const { move, quantity, whole } of remainders) {
    if (whole) {
      // Nothing was done on this move: it moves to the backorder (or is cancelled) whole, as Odoo's
      // _create_backorder writes picking_id on the untouched moves.
      updateMove(env, move.id, { picking_id: targetPicking, state });
      continue;
    }
    create(env, 'stock.move', [
      {
        name: move.name,
        product_id: move.product_id,
        product_uom_qty: quantity,
        product_uom: move.product_uom,
        location_id: move.location_id,
        location_dest_id: move.location_dest_id,
        picking_id: targetPicking,
        picking_type_id: move.picking_type_id,
        sale_line_id: move.sale_line_id,
        origin: move.origin,
        state,
        company_id: move.company_id,
      },
    ]);
  }
  if (createBackorder) assignMoves(env, movesOf(env, targetPicking));
}

export function cancelPickings(env: Env, pickingIds: number[]): true {
  requireRows(env, 'stock.picking', pickingIds);
  for (const id of pickingIds) {
    for (const move of movesOf(env, id)) {
      if (move.state === 'done') continue;
      releaseReservation(env, move.id, true);
      updateMove(env, move.id, { state: 'cancel' });
    }
  }
  pickingsChanged(env, pickingIds);
  return true;
}

// -------------------------------------------------------------------------------------- quants

const INVENTORY_CREATE_FIELDS = new Set([
  'product_id', 'location_id', 'lot_id', 'package_id', 'owner_id', 'inventory_quantity', 'inventory_quantity_auto_apply',
  'inventory_date', 'user_id', 'inventory_quantity_set', 'company_id',
]);

function inventoryLossLocation(env: Env): number {
  for (const row of env.db.table('stock.location').values()) if (row.usage === 'inventory' && row.scrap_location !== true) return row.id;
  throw userError('No inventory adjustment location.');
}

/** action_apply_inventory: a done inventory move per counted quant; returns None on success. */
function applyInventory(env: Env, quantIds: number[]): null {
  const quants = requireRows(env, 'stock.quant', quantIds);
  const lossLocation = inventoryLossLocation(env);
  for (const quant of quants) {
    if (!quant.inventory_quantity_set) continue;
    const diff = round((quant.inventory_quantity as number) - (quant.quantity as number));
    if (diff !== 0) {
      const [from, to] = diff > 0 ? [lossLocation, quant.location_id] : [quant.location_id, lossLocation];
      const lineField = env.version === 16 ? 'qty_done' : 'quantity';
      create(env, 'stock.move', [
        {
          name: env.version >= 17 ? 'Product Quantity Updated' : 'Product Quantity Updated',
          product_id: quant.product_id,
          product_uom_qty: Math.abs(diff),
          product_uom: 1,
          location_id: from,
          location_dest_id: to,
          state: 'done',
          is_inventory: true,
          date: env.now,
          company_id: quant.company_id,
          move_line_ids: [[0, 0, { product_id: quant.product_id, location_id: from, location_dest_id: to, [lineField]: Math.abs(diff), ...(env.version >= 17 ? { picked: true } : {}) }]],
          ...(env.version >= 17 ? { picked: true } : {}),
        },
      ]);
    }
    env.db.update('stock.quant', quant.id, {
      quantity: quant.inventory_quantity,
      inventory_quantity: 0,
      inventory_diff_quantity: 0,
      inventory_quantity_set: false,
      inventory_date: false,
      write_date: env.now,
      write_uid: env.uid,
    });
  }
  return null;
}

function createQuants(env: Env, valsList: Vals[]): number[] {
  const ids: number[] = [];
  const inventoryMode = Boolean(env.context.inventory_mode);
  for (const vals of valsList) {
    if (inventoryMode && ('inventory_quantity' in vals || 'inventory_quantity_auto_apply' in vals)) {
      if (Object.keys(vals).some((key) => !INVENTORY_CREATE_FIELDS.has(key))) {
        throw userError("Quant's creation is restricted, you can't do this operation.");
      }
      const autoApply = 'inventory_quantity_auto_apply' in vals;
      const counted = Number(autoApply ? vals.inventory_quantity_auto_apply : vals.inventory_quantity);
      const existing = !vals.lot_id && !vals.owner_id && !vals.package_id ? quantFor(env, vals.product_id as number, vals.location_id as number) : undefined;
      let quantId: number;
      if (existing) {
        quantId = existing.id;
      } else {
        [quantId] = create(env, 'stock.quant', [{ product_id: vals.product_id, location_id: vals.location_id, quantity: 0, in_date: env.now }]);
      }
      write(env, 'stock.quant', [quantId], { inventory_quantity: counted, inventory_quantity_set: true });
      if (autoApply) applyInventory(env, [quantId]);
      ids.push(quantId);
    } else {
      ids.push(...create(env, 'stock.quant', [vals]));
    }
  }
  return ids;
}

// -------------------------------------------------------------------------------------- models

export function stockModels(version: OdooVersion): ModelDef[] {
  const moveQuantityFields: Record<string, FieldSpec | undefined> =
    version === 16
      ? {
          quantity_done: {
            type: 'float',
            string: 'Quantity Done',
            compute: (env, row) => moveQuantity(env, row.id),
            inverse: (env, row, value) => setMoveQuantity(env, row, Number(value) || 0),
          },
          reserved_availability: { type: 'float', string: 'Quantity Reserved', compute: (env, row) => moveReserved(env, row.id) },
        }
      : {
          quantity: {
            type: 'float',
            string: 'Quantity',
            compute: (env, row) => moveQuantity(env, row.id),
            inverse: (env, row, value) => setMoveQuantity(env, row, Number(value) || 0),
          },
          picked: boolean('Picked'),
        };

  return [
    defineModel({
      name: 'stock.location',
      description: 'Inventory Locations',
      order: 'complete_name, id',
      parentName: 'location_id',
      fields: {
        name: char('Location Name', { required: true, translate: true }),
        complete_name: { type: 'char', string: 'Full Location Name', compute: (env, row) => locationName(env, row) },
        usage: selection(
          [
            ['supplier', 'Vendor Location'],
            ['view', 'View'],
            ['internal', 'Internal Location'],
            ['customer', 'Customer Location'],
            ['inventory', 'Inventory Loss'],
            ['production', 'Production'],
            ['transit', 'Transit Location'],
          ],
          'Location Type',
          { required: true, default: 'internal' },
        ),
        location_id: many2one('stock.location', 'Parent Location', { ondelete: 'cascade' }),
        child_ids: one2many('stock.location', 'location_id', 'Contains'),
        active: boolean('Active', { default: true }),
        company_id: many2one('res.company', 'Company'),
        barcode: char('Barcode'),
        scrap_location: version <= 17 ? boolean('Is a Scrap Location?') : undefined,
        warehouse_id: {
          type: 'many2one',
          string: 'Warehouse',
          relation: 'stock.warehouse',
          compute: (env, row) => {
            for (const wh of env.db.table('stock.warehouse').values()) {
              if (childLocationIds(env, [wh.view_location_id as number]).has(row.id)) return wh.id;
            }
            return false;
          },
        },
      },
      displayName: (env, row) => locationName(env, row),
    }),
    defineModel({
      name: 'stock.warehouse',
      description: 'Warehouse',
      order: 'sequence,id',
      fields: {
        name: char('Warehouse', { required: true }),
        code: char('Short Name', { required: true }),
        sequence: { type: 'integer', string: 'Sequence', default: 10 },
        active: boolean('Active', { default: true }),
        company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }),
        partner_id: many2one('res.partner', 'Address'),
        view_location_id: many2one('stock.location', 'View Location', { required: true }),
        lot_stock_id: many2one('stock.location', 'Location Stock', { required: true }),
        in_type_id: many2one('stock.picking.type', 'In Type'),
        out_type_id: many2one('stock.picking.type', 'Out Type'),
        int_type_id: many2one('stock.picking.type', 'Internal Type'),
        pick_type_id: many2one('stock.picking.type', 'Pick Type'),
      },
      hooks: {
        // Odoo's create builds the warehouse's locations itself: a view location named by the code under
        // "Physical Locations" and its "Stock" below it (stock_warehouse.py create / _get_locations_values).
        beforeCreate: (env, vals) => {
          if (typeof vals.code === 'string') vals.code = vals.code.slice(0, 5); // Char(size=5) truncates, it does not refuse
          const company = (vals.company_id as number | undefined) ?? env.companyId();
          if (!vals.view_location_id) {
            const physical = [...env.db.table('stock.location').values()].find((row) => row.usage === 'view' && !row.location_id && row.name === 'Physical Locations');
            vals.view_location_id = create(env, 'stock.location', [{ name: vals.code ?? '', usage: 'view', location_id: physical?.id ?? false, company_id: company }])[0];
          }
          if (!vals.lot_stock_id) {
            vals.lot_stock_id = create(env, 'stock.location', [{ name: 'Stock', usage: 'internal', location_id: vals.view_location_id, company_id: company }])[0];
          }
        },
        afterCreate: (env, ids) => {
          for (const id of ids) {
            const row = env.db.get('stock.warehouse', id) as Row;
            if (row.in_type_id) continue;
            const stock = row.lot_stock_id as number;
            const customers = [...env.db.table('stock.location').values()].find((location) => location.usage === 'customer')?.id ?? false;
            const vendors = [...env.db.table('stock.location').values()].find((location) => location.usage === 'supplier')?.id ?? false;
            const [inType, outType, intType] = create(env, 'stock.picking.type', [
              { name: 'Receipts', code: 'incoming', sequence_code: 'IN', warehouse_id: id, default_location_src_id: vendors, default_location_dest_id: stock, company_id: row.company_id },
              { name: 'Delivery Orders', code: 'outgoing', sequence_code: 'OUT', warehouse_id: id, default_location_src_id: stock, default_location_dest_id: customers, company_id: row.company_id },
              { name: 'Internal Transfers', code: 'internal', sequence_code: 'INT', warehouse_id: id, default_location_src_id: stock, default_location_dest_id: stock, company_id: row.company_id },
            ]);
            env.db.update('stock.warehouse', id, { in_type_id: inType, out_type_id: outType, int_type_id: intType });
            // A delivery is returned as a receipt of the same warehouse (_create_or_update_sequences_and_picking_types).
            env.db.update('stock.picking.type', outType, { return_picking_type_id: inType });
          }
        },
        constrain: (env, ids) => {
          for (const id of ids) {
            const row = env.db.get('stock.warehouse', id) as Row;
            for (const other of env.db.table('stock.warehouse').values()) {
              if (other.id !== id && other.company_id === row.company_id && other.code === row.code) {
                throw validationError('The operation cannot be completed: The short name of the warehouse must be unique per company!');
              }
              if (other.id !== id && other.company_id === row.company_id && other.name === row.name) {
                throw validationError('The operation cannot be completed: The name of the warehouse must be unique per company!');
              }
            }
          }
        },
      },
    }),
    defineModel({
      name: 'stock.picking.type',
      description: 'Picking Type',
      order: 'sequence, id',
      fields: {
        name: char('Operation Type', { required: true, translate: true }),
        code: selection(
          [
            ['incoming', 'Receipt'],
            ['outgoing', 'Delivery'],
            ['internal', 'Internal Transfer'],
          ],
          'Type of Operation',
          { required: true },
        ),
        sequence: { type: 'integer', string: 'Sequence', default: 1 },
        sequence_code: char('Sequence Prefix', { required: true }),
        warehouse_id: many2one('stock.warehouse', 'Warehouse', { ondelete: 'cascade' }),
        return_picking_type_id: many2one('stock.picking.type', 'Operation Type for Returns'),
        default_location_src_id: many2one('stock.location', 'Default Source Location'),
        default_location_dest_id: many2one('stock.location', 'Default Destination Location'),
        create_backorder: selection(
          [
            ['ask', 'Ask'],
            ['always', 'Always'],
            ['never', 'Never'],
          ],
          'Create Backorder',
          { required: true, default: 'ask' },
        ),
        active: boolean('Active', { default: true }),
        company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }),
      },
      displayName: (env, row) => {
        const wh = row.warehouse_id ? env.db.get('stock.warehouse', row.warehouse_id as number) : undefined;
        return wh ? `${wh.name}: ${row.name}` : (row.name as string);
      },
    }),
    defineModel({
      name: 'stock.quant',
      description: 'Quants',
      order: 'id',
      recName: 'product_id',
      fields: {
        product_id: many2one('product.product', 'Product', { required: true, ondelete: 'restrict' }),
        location_id: many2one('stock.location', 'Location', { required: true, ondelete: 'restrict' }),
        lot_id: many2one('stock.lot', 'Lot/Serial Number', { ondelete: 'restrict' }),
        owner_id: many2one('res.partner', 'Owner'),
        quantity: float('Quantity', { readonly: true }),
        reserved_quantity: float('Reserved Quantity', { readonly: true, required: true }),
        available_quantity: { type: 'float', string: 'Available Quantity', compute: (_env, row) => round((row.quantity as number) - (row.reserved_quantity as number)) },
        inventory_quantity: float('Counted Quantity'),
        inventory_diff_quantity: {
          type: 'float',
          string: 'Difference',
          compute: (_env, row) => (row.inventory_quantity_set ? round((row.inventory_quantity as number) - (row.quantity as number)) : 0),
        },
        inventory_quantity_set: boolean('Inventory Quantity Set'),
        inventory_quantity_auto_apply: {
          type: 'float',
          string: 'Inventoried Quantity',
          compute: (_env, row) => row.quantity,
          inverse: (env, row, value) => {
            write(env, 'stock.quant', [row.id], { inventory_quantity: value, inventory_quantity_set: true });
            applyInventory(env, [row.id]);
          },
        },
        inventory_date: { type: 'date', string: 'Scheduled Date' },
        in_date: datetime('Incoming Date', { readonly: true }),
        company_id: {
          type: 'many2one',
          string: 'Company',
          relation: 'res.company',
          compute: (env, row) => env.db.get('stock.location', row.location_id as number)?.company_id ?? false,
        },
        warehouse_id: {
          type: 'many2one',
          string: 'Warehouse',
          relation: 'stock.warehouse',
          compute: (env, row) => {
            const loc = env.db.get('stock.location', row.location_id as number);
            return loc ? (env.model('stock.location').fields.get('warehouse_id')?.compute?.(env, loc) ?? false) : false;
          },
        },
      },
      hooks: {
        beforeCreate: (env, vals) => {
          if (vals.product_id && !isStorableProduct(env, vals.product_id as number)) {
            throw validationError('Quants cannot be created for consumables or services.');
          }
          const location = env.db.get('stock.location', vals.location_id as number);
          if (location?.usage === 'view') {
            throw validationError(`You cannot take products from or deliver products to a location of type "view" (${locationName(env, location)}).`);
          }
          if (!vals.in_date) vals.in_date = env.now;
        },
        beforeWrite: (env, _ids, vals) => {
          if (env.context.inventory_mode && ['product_id', 'location_id', 'lot_id', 'package_id', 'owner_id'].some((f) => f in vals)) {
            throw userError("Quant's editing is restricted, you can't do this operation.");
          }
          if ('inventory_quantity' in vals && !('inventory_quantity_set' in vals)) vals.inventory_quantity_set = true;
        },
      },
      methods: {
        create: { api: 'create', params: [{ name: 'vals_list' }], run: (env, _ids, a) => createQuants(env, toValsList(a.vals_list)) },
        action_apply_inventory: recordMethod((env, ids) => applyInventory(env, ids)),
        action_set_inventory_quantity_to_zero: recordMethod((env, ids) => {
          write(env, 'stock.quant', ids, { inventory_quantity: 0, inventory_quantity_set: false });
          return null;
        }),
      },
      displayName: (env, row) => displayName(env, 'product.product', row.product_id as number),
    }),
    defineModel({
      name: 'stock.picking',
      description: 'Transfer',
      order: 'priority desc, scheduled_date asc, id desc',
      fields: {
        name: char('Reference', { default: '/' }),
        origin: char('Source Document'),
        note: html('Notes'),
        partner_id: many2one('res.partner', 'Contact'),
        picking_type_id: many2one('stock.picking.type', 'Operation Type', { required: true }),
        picking_type_code: {
          type: 'selection',
          string: 'Type of Operation',
          selection: [
            ['incoming', 'Receipt'],
            ['outgoing', 'Delivery'],
            ['internal', 'Internal Transfer'],
          ],
          compute: (env, row) => env.db.get('stock.picking.type', row.picking_type_id as number)?.code ?? false,
        },
        location_id: many2one('stock.location', 'Source Location', { required: true }),
        location_dest_id: many2one('stock.location', 'Destination Location', { required: true }),
        scheduled_date: datetime('Scheduled Date', { required: true, default: (env: Env) => env.now }),
        date_done: datetime('Date of Transfer', { readonly: true }),
        priority: selection(
          [
            ['0', 'Normal'],
            ['1', 'Urgent'],
          ],
          'Priority',
          { default: '0' },
        ),
        move_type: selection(
          [
            ['direct', 'As soon as possible'],
            ['one', 'When all products are ready'],
          ],
          'Shipping Policy',
          { required: true, default: 'direct' },
        ),
        state: { type: 'selection', string: 'Status', selection: PICKING_STATES, compute: (env, row) => pickingState(env, row) },
        move_ids: one2many('stock.move', 'picking_id', 'Stock Moves'),
        move_line_ids: one2many('stock.move.line', 'picking_id', 'Operations'),
        backorder_id: many2one('stock.picking', 'Back Order of'),
        backorder_ids: one2many('stock.picking', 'backorder_id', 'Back Orders'),
        sale_id: many2one('sale.order', 'Sales Order'),
        // 18+: the picking a return was made from (stock.return.picking sets it).
        ...(version >= 18 ? { return_id: many2one('stock.picking', 'Return of'), return_ids: one2many('stock.picking', 'return_id', 'Returns') } : {}),
        carrier_tracking_ref: char('Tracking Reference'),
        user_id: many2one('res.users', 'Responsible'),
        company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }),
      },
      hooks: {
        beforeCreate: (env, vals) => {
          const type = env.db.get('stock.picking.type', vals.picking_type_id as number);
          if (type) {
            vals.location_id ??= type.default_location_src_id;
            vals.location_dest_id ??= type.default_location_dest_id;
            if (!vals.name || vals.name === '/') vals.name = pickingSequence(env, type.id);
          }
        },
        afterCreate: (env, ids) => {
          for (const id of ids) {
            const picking = env.db.get('stock.picking', id) as Row;
            for (const move of movesOf(env, id)) {
              const patch: Vals = {};
              if (!move.location_id) patch.location_id = picking.location_id;
              if (!move.location_dest_id) patch.location_dest_id = picking.location_dest_id;
              if (!move.picking_type_id) patch.picking_type_id = picking.picking_type_id;
              if (Object.keys(patch).length) env.db.update('stock.move', move.id, patch);
            }
          }
        },
        // stock.picking.write: new locations go down to the moves (and their lines) that are not done.
        afterWrite: (env, ids, vals) => {
          const patch: Vals = {};
          if (vals.location_id) patch.location_id = vals.location_id;
          if (vals.location_dest_id) patch.location_dest_id = vals.location_dest_id;
          if (Object.keys(patch).length === 0) return;
          for (const id of ids) {
            for (const move of movesOf(env, id)) {
              if (['done', 'cancel'].includes(move.state as string)) continue;
              updateMove(env, move.id, patch);
              for (const line of linesOf(env, move.id)) env.db.update('stock.move.line', line.id, patch);
            }
          }
        },
        beforeUnlink: (env, ids) => {
          for (const id of ids) {
            if (pickingState(env, env.db.get('stock.picking', id) as Row) === 'done') {
              throw userError('You can not delete a done transfer.');
            }
          }
        },
      },
      methods: {
        action_confirm: recordMethod((env, ids) => confirmPickings(env, ids)),
        action_assign: recordMethod((env, ids) => assignPickings(env, ids)),
        button_validate: recordMethod((env, ids) => validatePickings(env, ids)),
        action_cancel: recordMethod((env, ids) => cancelPickings(env, ids)),
        do_unreserve: recordMethod((env, ids) => {
          for (const id of ids) for (const move of movesOf(env, id)) {
            if (['done', 'cancel'].includes(move.state as string)) continue;
            releaseReservation(env, move.id, true);
            updateMove(env, move.id, { state: 'confirmed' });
          }
          pickingsChanged(env, ids);
          return null;
        }),
      },
    }),
    defineModel({
      name: 'stock.move',
      description: 'Stock Move',
      order: 'sequence, id',
      fields: {
        name: version <= 18 ? char('Description', { required: true, default: (_env: Env, vals: Vals) => (vals.product_id ? 'New' : false) }) : char('Description'),
        sequence: { type: 'integer', string: 'Sequence', default: 10 },
        product_id: many2one('product.product', 'Product', { required: true }),
        product_uom_qty: float('Demand', { required: true, default: 0 }),
        product_uom: many2one('uom.uom', 'UoM', { required: true, default: 1 }),
        location_id: many2one('stock.location', 'Source Location', { required: true }),
        location_dest_id: many2one('stock.location', 'Destination Location', { required: true }),
        picking_id: many2one('stock.picking', 'Transfer'),
        picking_type_id: many2one('stock.picking.type', 'Operation Type'),
        state: selection(MOVE_STATES, 'Status', { default: 'draft', readonly: true }),
        date: datetime('Date Scheduled', { default: (env: Env) => env.now }),
        origin: char('Source Document'),
        sale_line_id: many2one('sale.order.line', 'Sale Line'),
        origin_returned_move_id: many2one('stock.move', 'Origin return move'),
        returned_move_ids: one2many('stock.move', 'origin_returned_move_id', 'All returned moves'),
        scrapped: { type: 'boolean', string: 'Scrapped', compute: (env, row) => env.db.get('stock.location', row.location_dest_id as number)?.usage === 'inventory' && Boolean(row.scrap_id) },
        scrap_id: many2one('stock.scrap', 'Scrap operation'),
        is_inventory: boolean('Inventory'),
        move_line_ids: one2many('stock.move.line', 'move_id', 'Move Lines'),
        company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }),
        ...moveQuantityFields,
      },
      hooks: {
        beforeCreate: (env, vals) => {
          if (vals.picking_id) {
            const picking = env.db.get('stock.picking', vals.picking_id as number);
            if (picking) {
              vals.location_id ??= picking.location_id;
              vals.location_dest_id ??= picking.location_dest_id;
              vals.picking_type_id ??= picking.picking_type_id;
            }
          }
          if (vals.name === 'New' && vals.product_id) vals.name = displayName(env, 'product.product', vals.product_id as number) || 'New';
        },
        afterWrite: (env, ids, vals) => {
          if (version >= 17 && 'picked' in vals) {
            for (const id of ids) for (const line of linesOf(env, id)) env.db.update('stock.move.line', line.id, { picked: Boolean(vals.picked) });
          }
        },
      },
      methods: {},
    }),
    defineModel({
      name: 'stock.move.line',
      description: 'Product Moves (Stock Move Line)',
      order: 'id',
      fields: {
        move_id: many2one('stock.move', 'Stock Operation', { ondelete: 'cascade' }),
        picking_id: many2one('stock.picking', 'Transfer'),
        product_id: many2one('product.product', 'Product', { ondelete: 'cascade' }),
        location_id: many2one('stock.location', 'From', { required: true }),
        location_dest_id: many2one('stock.location', 'To', { required: true }),
        ...(version === 16
          ? { reserved_uom_qty: float('Reserved', { default: 0 }), qty_done: float('Quantity Done', { default: 0 }) }
          : { quantity: float('Quantity', { default: 0 }), picked: boolean('Picked') }),
        state: { type: 'selection', string: 'Status', selection: MOVE_STATES, compute: (env, row) => env.db.get('stock.move', row.move_id as number)?.state ?? 'draft' },
        company_id: {
          type: 'many2one',
          string: 'Company',
          relation: 'res.company',
          compute: (env, row) => env.db.get('stock.move', row.move_id as number)?.company_id ?? false,
        },
      },
      hooks: {
        beforeCreate: (env, vals) => {
          const move = vals.move_id ? env.db.get('stock.move', vals.move_id as number) : undefined;
          if (move) {
            vals.picking_id ??= move.picking_id;
            vals.product_id ??= move.product_id;
            vals.location_id ??= move.location_id;
            vals.location_dest_id ??= move.location_dest_id;
          }
        },
      },
    }),
    defineModel({
      name: 'stock.backorder.confirmation',
      description: 'Backorder Confirmation',
      transient: true,
      fields: {
        pick_ids: many2many('stock.picking', 'Pick'),
        show_transfers: boolean('Show Transfers'),
      },
      methods: {
        process: recordMethod((env, ids) => processBackorderWizard(env, ids, true)),
        process_cancel_backorder: recordMethod((env, ids) => processBackorderWizard(env, ids, false)),
      },
    }),
    ...(version === 16
      ? [
          defineModel({
            name: 'stock.immediate.transfer',
            description: 'Immediate Transfer',
            transient: true,
            fields: { pick_ids: many2many('stock.picking', 'Pick'), show_transfers: boolean('Show Transfers') },
            methods: {
              process: recordMethod((env, ids) => {
                const [wizard] = requireRows(env, 'stock.immediate.transfer', ids);
                const pickingIds = (env.context.button_validate_picking_ids as number[]) ?? (wizard.pick_ids as number[]);
                for (const pickingId of wizard.pick_ids as number[]) {
                  for (const move of movesOf(env, pickingId)) {
                    for (const line of linesOf(env, move.id)) write(env, 'stock.move.line', [line.id], { qty_done: lineReserved(line) });
                  }
                }
                return validatePickings(env.withContext({ skip_immediate: true }), pickingIds);
              }),
            },
          }),
        ]
      : []),
    defineModel({
      name: 'stock.lot',
      description: 'Lot/Serial',
      order: 'name, id',
      fields: {
        name: char('Lot/Serial Number', { required: true }),
        product_id: many2one('product.product', 'Product', { required: true }),
        company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }),
      },
    }),
  ];
}

function processBackorderWizard(env: Env, ids: number[], withBackorder: boolean): unknown {
  const [wizard] = requireRows(env, 'stock.backorder.confirmation', ids);
  const pickIds = wizard.pick_ids as number[];
  const toValidate = ((env.context.button_validate_picking_ids as number[]) ?? pickIds).filter((id) => env.db.get('stock.picking', id));
  const ctx: Record<string, unknown> = { skip_backorder: true };
  if (!withBackorder) ctx.picking_ids_not_to_backorder = pickIds;
  return validatePickings(env.withContext(ctx), toValidate);
}

function locationName(env: Env, row: Row): string {
  // _compute_complete_name: a view location shows its own name; others prefix the parent's full name.
  if (row.usage === 'view' || !row.location_id) return row.name as string;
  const parent = env.db.get('stock.location', row.location_id as number);
  return parent ? `${locationName(env, parent)}/${row.name}` : (row.name as string);
}

/** Creates a delivery picking for confirmed sale lines (procurement of a make-to-stock route). */
export function createDelivery(
  env: Env,
  order: Row,
  lines: Array<{ lineId: number; productId: number; quantity: number; name: string }>,
): number | null {
  if (lines.length === 0) return null;
  const warehouse = env.db.get('stock.warehouse', order.warehouse_id as number) as Row;
  const customers = searchIds(env.sudo(), 'stock.location', [['usage', '=', 'customer']], { limit: 1 })[0];
  const [pickingId] = create(env, 'stock.picking', [
    {
      picking_type_id: warehouse.out_type_id,
      location_id: warehouse.lot_stock_id,
      location_dest_id: customers,
      partner_id: order.partner_shipping_id || order.partner_id,
      origin: order.name,
      sale_id: order.id,
      company_id: order.company_id,
      move_ids: lines.map((line) => [
        0,
        0,
        { name: line.name, product_id: line.productId, product_uom_qty: line.quantity, sale_line_id: line.lineId, origin: order.name, state: 'draft' },
      ]),
    },
  ]);
  confirmPickings(env, [pickingId]);
  assignMoves(env, movesOf(env, pickingId));
  return pickingId;
}

/**
 * sale_stock's `_action_launch_stock_rule` when a confirmed order's goods line is added or its quantity
 * changed: the open delivery follows the ordered quantity. More is procured onto the order's open
 * delivery (a new picking when none is open); less lowers the line's open moves, newest first, and
 * cancels those left with nothing (their reservation given back). What was delivered stays.
 */
export function followSaleLineQuantity(env: Env, order: Row, line: Row): void {
  const moves = env.db.rowsWhere('stock.move', 'sale_line_id', line.id).filter((move) => move.state !== 'cancel');
  let delta = round((line.product_uom_qty as number) - moves.reduce((total, move) => total + (move.product_uom_qty as number), 0));
  if (Math.abs(delta) < 1e-9) return;
  const changed = new Set<number>();
  if (delta < 0) {
    for (const move of moves.filter((m) => m.state !== 'done').sort((a, b) => b.id - a.id)) {
      if (delta >= -1e-9) break;
      const demand = move.product_uom_qty as number;
      const cut = Math.min(demand, -delta);
      delta = round(delta + cut);
      releaseReservation(env, move.id, true);
      if (cut >= demand - 1e-9) updateMove(env, move.id, { state: 'cancel' });
      else {
        updateMove(env, move.id, { product_uom_qty: round(demand - cut) });
        reserveMove(env, move.id);
      }
      if (move.picking_id) changed.add(move.picking_id as number);
    }
  } else {
    const [open] = searchIds(env.sudo(), 'stock.picking', [['sale_id', '=', order.id], ['picking_type_code', '=', 'outgoing'], ['state', 'not in', ['done', 'cancel']]], { limit: 1 });
    if (open === undefined) {
      createDelivery(env, order, [{ lineId: line.id, productId: line.product_id as number, quantity: delta, name: line.name as string }]);
      return;
    }
    const picking = env.db.get('stock.picking', open) as Row;
    const [moveId] = create(env, 'stock.move', [
      { name: line.name, product_id: line.product_id, product_uom_qty: delta, sale_line_id: line.id, origin: order.name, picking_id: open, location_id: picking.location_id, location_dest_id: picking.location_dest_id, state: 'confirmed' },
    ]);
    reserveMove(env, moveId);
    changed.add(open);
  }
  pickingsChanged(env, [...changed]);
}

export function deliveredQuantity(env: Env, saleLineId: number): number {
  let total = 0;
  for (const move of env.db.rowsWhere('stock.move', 'sale_line_id', saleLineId)) {
    if (move.state !== 'done') continue;
    // sale_stock's _get_outgoing_incoming_moves: a return from the customer (to_refund) counts back.
    const fromCustomer = env.db.get('stock.location', move.location_id as number)?.usage === 'customer';
    total += fromCustomer ? -(move.product_uom_qty as number) : (move.product_uom_qty as number);
  }
  return round(total);
}

