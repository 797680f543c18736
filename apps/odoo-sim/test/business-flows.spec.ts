import { callKw } from '../src/orm/call';
import { call, callError, smallSim } from './helpers';

const WH_STOCK = 9; // Central Warehouse / Stock in the seed

function onHand(sim: ReturnType<typeof smallSim>, productId: number, locationId = WH_STOCK): number {
  const [quant] = call(sim, 'stock.quant', 'search_read', [[['product_id', '=', productId], ['location_id', '=', locationId]]], { fields: ['quantity', 'reserved_quantity'] });
  return quant ? quant.quantity.value : 0;
}

function confirmedOrder(sim: ReturnType<typeof smallSim>, lines: Array<[number, number]>): { order: number; picking: number } {
  const order = call(sim, 'sale.order', 'create', [{ partner_id: 8, client_order_ref: 'WEB-1', order_line: lines.map(([product_id, qty]) => [0, 0, { product_id, product_uom_qty: qty }]) }]);
  expect(call(sim, 'sale.order', 'action_confirm', [[order]])).toBe(true);
  const [{ picking_ids }] = call(sim, 'sale.order', 'read', [[order], ['picking_ids']]);
  return { order, picking: picking_ids[0] };
}

describe('sale orders', () => {
  const sim = smallSim(17);

  it('confirm creates a reserved delivery picking and moves the order to sale', () => {
    expect(call(sim, 'stock.location', 'read', [[WH_STOCK], ['complete_name']])[0].complete_name).toBe('WH/Stock');
    const { order, picking } = confirmedOrder(sim, [[1, 2], [2, 1]]);
    expect(call(sim, 'sale.order', 'read', [[order], ['state', 'client_order_ref', 'name']])[0]).toMatchObject({ state: 'sale', client_order_ref: 'WEB-1', name: expect.stringMatching(/^S\d{5}$/) });
    const [pick] = call(sim, 'stock.picking', 'read', [[picking], ['state', 'origin', 'picking_type_code', 'move_ids', 'location_id']]);
    expect(pick).toMatchObject({ state: 'assigned', picking_type_code: 'outgoing', location_id: [WH_STOCK, 'WH/Stock'] });
    const moves = call(sim, 'stock.move', 'read', [pick.move_ids, ['state', 'quantity', 'sale_line_id']]);
    expect(moves.map((m: any) => m.state)).toEqual(['assigned', 'assigned']);
    expect(callError(sim, 'sale.order', 'action_confirm', [[order]]).message).toBe('Some orders are not in a state requiring confirmation.');
  });

  it('cancel returns the wizard action unless disable_cancel_warning is set', () => {
    const { order, picking } = confirmedOrder(sim, [[3, 1]]);
    const action = call(sim, 'sale.order', 'action_cancel', [[order]]);
    expect(action).toMatchObject({ type: 'ir.actions.act_window', res_model: 'sale.order.cancel', target: 'new', context: { default_order_id: order } });
    expect(call(sim, 'sale.order', 'read', [[order], ['state']])[0].state).toBe('sale');
    expect(call(sim, 'sale.order', 'action_cancel', [[order]], { context: { disable_cancel_warning: true } })).toBe(true);
    expect(call(sim, 'sale.order', 'read', [[order], ['state']])[0].state).toBe('cancel');
    expect(call(sim, 'stock.picking', 'read', [[picking], ['state']])[0].state).toBe('cancel');
  });
});

describe('a confirmed sale order amended (a line substituted)', () => {
  const sim = smallSim(17);

  it('a line set to 0 cancels its open move and gives its reservation back; a line added is procured onto the open delivery', () => {
    const { order, picking } = confirmedOrder(sim, [[1, 2], [2, 1]]);
    const [line1, line2] = call(sim, 'sale.order', 'read', [[order], ['order_line']])[0].order_line;
    call(sim, 'sale.order.line', 'write', [[line2], { product_uom_qty: 0 }]);
    call(sim, 'sale.order', 'write', [[order], { order_line: [[0, 0, { product_id: 3, product_uom_qty: 2, name: 'substitute' }]] }]);
    const moves = call(sim, 'stock.move', 'search_read', [[['picking_id', '=', picking]]], { fields: ['product_id', 'product_uom_qty', 'state', 'sale_line_id'], order: 'id' });
    expect(moves.map((move: any) => [move.product_id[0], move.product_uom_qty.value, move.state])).toEqual([
      [1, 2, 'assigned'],
      [2, 1, 'cancel'],
      [3, 2, 'assigned'],
    ]);
    expect(moves[0].sale_line_id[0]).toBe(line1);
    const [{ reserved_quantity }] = call(sim, 'stock.quant', 'search_read', [[['product_id', '=', 2], ['location_id', '=', WH_STOCK]]], { fields: ['reserved_quantity'] });
    expect(reserved_quantity.value ?? reserved_quantity).toBe(0);
    // Lowering again changes nothing: the line already equals its live moves.
    call(sim, 'sale.order.line', 'write', [[line2], { product_uom_qty: 0 }]);
    expect(call(sim, 'stock.move', 'search_count', [[['picking_id', '=', picking]]])).toBe(3);
  });
});

describe('stock pickings (17+: quantity and picked)', () => {
  const sim = smallSim(17);

  it('partial validation asks for a backorder, then the wizard creates it', () => {
    const before = onHand(sim, 4);
    const { picking } = confirmedOrder(sim, [[4, 5]]);
    const [move] = call(sim, 'stock.picking', 'read', [[picking], ['move_ids']])[0].move_ids;
    call(sim, 'stock.move', 'write', [[move], { quantity: 3, picked: true }]);
    const action = call(sim, 'stock.picking', 'button_validate', [[picking]]);
    expect(action).toMatchObject({ res_model: 'stock.backorder.confirmation', context: { button_validate_picking_ids: [picking], default_pick_ids: [[4, picking]] } });
    const wizard = call(sim, 'stock.backorder.confirmation', 'create', [{}], { context: action.context });
    expect(call(sim, 'stock.backorder.confirmation', 'process', [[wizard]], { context: action.context })).toBe(true);
    const pickings = call(sim, 'stock.picking', 'search_read', [[['id', '>=', picking], ['origin', '!=', false]]], { fields: ['state', 'backorder_id'], order: 'id' });
    expect(pickings[0]).toMatchObject({ id: picking, state: 'done' });
    expect(pickings[1]).toMatchObject({ state: 'assigned', backorder_id: [picking, expect.any(String)] });
    expect(onHand(sim, 4)).toBe(before - 3);
  });

  it('skip_backorder creates the backorder without a wizard; picking_ids_not_to_backorder cancels the rest', () => {
    const first = confirmedOrder(sim, [[5, 4]]);
    const [m1] = call(sim, 'stock.picking', 'read', [[first.picking], ['move_ids']])[0].move_ids;
    call(sim, 'stock.move', 'write', [[m1], { quantity: 1, picked: true }]);
    expect(call(sim, 'stock.picking', 'button_validate', [[first.picking]], { context: { skip_backorder: true } })).toBe(true);
    expect(call(sim, 'stock.picking', 'search_count', [[['backorder_id', '=', first.picking]]])).toBe(1);

    const second = confirmedOrder(sim, [[6, 4]]);
    const [m2] = call(sim, 'stock.picking', 'read', [[second.picking], ['move_ids']])[0].move_ids;
    call(sim, 'stock.move', 'write', [[m2], { quantity: 1, picked: true }]);
    const ctx = { skip_backorder: true, picking_ids_not_to_backorder: [second.picking] };
    expect(call(sim, 'stock.picking', 'button_validate', [[second.picking]], { context: ctx })).toBe(true);
    expect(call(sim, 'stock.picking', 'search_count', [[['backorder_id', '=', second.picking]]])).toBe(0);
    const moves = call(sim, 'stock.move', 'search_read', [[['picking_id', '=', second.picking]]], { fields: ['state', 'product_uom_qty'], order: 'id' });
    expect(moves.map((m: any) => [m.state, m.product_uom_qty.value])).toEqual([['done', 1], ['cancel', 3]]);
  });

  it('a line nothing was shipped of moves whole to the backorder, which holds it alone: the validated picking is done', () => {
    const { picking } = confirmedOrder(sim, [[1, 2], [2, 1]]);
    const [shipped, untouched] = call(sim, 'stock.picking', 'read', [[picking], ['move_ids']])[0].move_ids;
    call(sim, 'stock.move', 'write', [[shipped], { quantity: 2, picked: true }]);
    call(sim, 'stock.move', 'write', [[untouched], { quantity: 0, picked: false }]);
    expect(call(sim, 'stock.picking', 'button_validate', [[picking]], { context: { skip_backorder: true } })).toBe(true);
    const pickings = call(sim, 'stock.picking', 'search_read', [['|', ['id', '=', picking], ['backorder_id', '=', picking]]], { fields: ['state', 'move_ids'], order: 'id' });
    expect(pickings).toMatchObject([
      { id: picking, state: 'done', move_ids: [shipped] },
      { state: 'assigned', move_ids: [untouched] },
    ]);
  });

  it('validating with nothing picked takes the reserved quantities', () => {
    const { picking } = confirmedOrder(sim, [[7, 2]]);
    expect(call(sim, 'stock.picking', 'button_validate', [[picking]])).toBe(true);
    expect(call(sim, 'stock.picking', 'read', [[picking], ['state', 'date_done']])[0]).toMatchObject({ state: 'done', date_done: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
  });

  it('do_unreserve returns None and releases the reservation', () => {
    const { picking } = confirmedOrder(sim, [[8, 2]]);
    expect(call(sim, 'stock.picking', 'do_unreserve', [[picking]])).toBeNull();
    expect(call(sim, 'stock.picking', 'read', [[picking], ['state']])[0].state).toBe('confirmed');
    expect(call(sim, 'stock.picking', 'action_assign', [[picking]])).toBe(true);
  });
});

describe('stock pickings (16: quantity_done and the immediate transfer wizard)', () => {
  const sim = smallSim(16);

  it('returns the immediate transfer wizard when nothing is done, unless skip_immediate', () => {
    const { picking } = confirmedOrder(sim, [[1, 2]]);
    expect(call(sim, 'stock.picking', 'button_validate', [[picking]])).toMatchObject({ res_model: 'stock.immediate.transfer' });
    expect(call(sim, 'stock.picking', 'button_validate', [[picking]], { context: { skip_immediate: true } })).toBe(true);
  });

  it('partial quantity_done gives the backorder wizard', () => {
    const { picking } = confirmedOrder(sim, [[2, 3]]);
    const [move] = call(sim, 'stock.picking', 'read', [[picking], ['move_ids']])[0].move_ids;
    call(sim, 'stock.move', 'write', [[move], { quantity_done: 1 }]);
    expect(call(sim, 'stock.move', 'read', [[move], ['quantity_done', 'reserved_availability']])[0]).toMatchObject({ quantity_done: { value: 1 }, reserved_availability: { value: 3 } });
    expect(call(sim, 'stock.picking', 'button_validate', [[picking]])).toMatchObject({ res_model: 'stock.backorder.confirmation' });
  });
});

describe('stock quants in inventory mode', () => {
  it('merges a count into the existing quant and applies it with a None result', () => {
    const sim = smallSim(17);
    const existing = call(sim, 'stock.quant', 'search', [[['product_id', '=', 3], ['location_id', '=', WH_STOCK]]]);
    const id = call(sim, 'stock.quant', 'create', [{ product_id: 3, location_id: WH_STOCK, inventory_quantity: 42 }], { context: { inventory_mode: true } });
    expect([id]).toEqual(existing);
    expect(call(sim, 'stock.quant', 'read', [[id], ['inventory_quantity_set', 'inventory_diff_quantity']])[0].inventory_quantity_set).toBe(true);
    expect(call(sim, 'stock.quant', 'action_apply_inventory', [[id]], { context: { inventory_mode: true } })).toBeNull();
    expect(onHand(sim, 3)).toBe(42);
    const moves = call(sim, 'stock.move', 'search_read', [[['is_inventory', '=', true], ['product_id', '=', 3]]], { fields: ['state', 'location_dest_id'] });
    expect(moves).toEqual([expect.objectContaining({ state: 'done' })]);
  });

  it('refuses extra fields in inventory mode and quants for consumables', () => {
    const sim = smallSim(18);
    const restricted = callError(sim, 'stock.quant', 'create', [{ product_id: 3, location_id: WH_STOCK, inventory_quantity: 1, quantity: 5 }], { context: { inventory_mode: true } });
    expect(restricted.message).toBe("Quant's creation is restricted, you can't do this operation.");
    const bag = call(sim, 'product.product', 'search', [[['default_code', '=', 'CON-BAG']]])[0];
    const consumable = callError(sim, 'stock.quant', 'create', [{ product_id: bag, location_id: WH_STOCK, inventory_quantity: 1 }], { context: { inventory_mode: true } });
    expect(consumable).toMatchObject({ pythonClass: 'odoo.exceptions.ValidationError', message: 'Quants cannot be created for consumables or services.' });
  });
});

describe('journal entries', () => {
  const sim = smallSim(17);
  const entry = (debit: number, credit: number) =>
    call(sim, 'account.move', 'create', [
      {
        move_type: 'entry',
        journal_id: 3,
        ref: 'OMNI-1',
        line_ids: [
          [0, 0, { account_id: 1, name: 'receivable', debit, credit: 0 }],
          [0, 0, { account_id: 10, name: 'revenue', debit: 0, credit }],
        ],
      },
    ]);

  it('refuses an unbalanced entry and keeps nothing', () => {
    const before = sim.state.db.table('account.move').size;
    const error = callError(sim, 'account.move', 'create', [{ move_type: 'entry', journal_id: 3, line_ids: [[0, 0, { account_id: 1, debit: 100 }], [0, 0, { account_id: 10, credit: 90 }]] }]);
    expect(error.pythonClass).toBe('odoo.exceptions.UserError');
    expect(error.message).toContain('is not balanced.\nThe total of debits equals $ 100.00 and the total of credits equals $ 90.00.');
    expect(sim.state.db.table('account.move').size).toBe(before);
  });

  it('posts (returning False), then refuses writes and unlink on the posted entry', () => {
    const move = entry(100, 100);
    expect(call(sim, 'account.move', 'read', [[move], ['name', 'state']])[0]).toMatchObject({ name: '/', state: 'draft' });
    expect(call(sim, 'account.move', 'action_post', [[move]])).toBe(false);
    const [posted] = call(sim, 'account.move', 'read', [[move], ['name', 'state', 'amount_total']]);
    expect(posted).toMatchObject({ state: 'posted', name: expect.stringMatching(/^MISC\/\d{4}\/00001$/), amount_total: { value: 100 } });
    expect(call(sim, 'account.move', 'write', [[move], { ref: 'allowed on posted' }])).toBe(true);
    expect(callError(sim, 'account.move', 'write', [[move], { line_ids: [[5, 0, 0]] }]).message).toContain('You cannot do this modification on a posted journal entry');
    expect(callError(sim, 'account.move', 'unlink', [[move]]).message).toBe('You cannot delete an entry which has been posted once.');
  });

  it('reverses a posted entry through account.move.reversal', () => {
    const move = entry(50, 50);
    call(sim, 'account.move', 'action_post', [[move]]);
    const ctx = { active_model: 'account.move', active_ids: [move] };
    const wizard = call(sim, 'account.move.reversal', 'create', [{ reason: 'duplicate', journal_id: 3 }], { context: ctx });
    const action = call(sim, 'account.move.reversal', 'refund_moves', [[wizard]], { context: ctx });
    expect(action).toMatchObject({ res_model: 'account.move', view_mode: 'form', type: 'ir.actions.act_window' });
    const [reversal] = call(sim, 'account.move', 'read', [[action.res_id], ['state', 'ref', 'reversed_entry_id', 'line_ids']]);
    expect(reversal).toMatchObject({ state: 'posted', ref: expect.stringContaining('Reversal of: MISC/'), reversed_entry_id: [move, expect.any(String)] });
    const lines = call(sim, 'account.move.line', 'read', [reversal.line_ids, ['debit', 'credit']]);
    expect(lines.map((l: any) => [l.debit.value, l.credit.value])).toEqual([[0, 50], [50, 0]]);
  });

  it('builds invoice receivable and tax lines and posts with a None-free result', () => {
    const invoice = call(sim, 'account.move', 'create', [{ move_type: 'out_invoice', partner_id: 8, invoice_line_ids: [[0, 0, { product_id: 1, quantity: 2, price_unit: 10, tax_ids: [[6, 0, [1]]] }]] }]);
    const [row] = call(sim, 'account.move', 'read', [[invoice], ['amount_untaxed', 'amount_tax', 'amount_total', 'line_ids', 'invoice_line_ids']]);
    expect([row.amount_untaxed.value, row.amount_tax.value, row.amount_total.value]).toEqual([20, 3, 23]);
    expect(row.line_ids).toHaveLength(3);
    expect(row.invoice_line_ids).toHaveLength(1);
    expect(call(sim, 'account.move', 'action_post', [[invoice]])).toBe(false);
    expect(call(sim, 'account.move', 'read', [[invoice], ['name', 'payment_state']])[0]).toMatchObject({ name: expect.stringMatching(/^INV\//), payment_state: 'not_paid' });
  });

  it('posts a payment, whose action_post returns None', () => {
    const payment = call(sim, 'account.payment', 'create', [{ payment_type: 'inbound', partner_type: 'customer', partner_id: 8, amount: 23, ref: 'PAY-1' }]);
    expect(call(sim, 'account.payment', 'action_post', [[payment]])).toBeNull();
    expect(call(sim, 'account.payment', 'read', [[payment], ['state', 'move_id']])[0]).toMatchObject({ state: 'posted', move_id: [expect.any(Number), expect.any(String)] });
  });
});

describe('picking state changes are writes', () => {
  it('moves the picking write_date and fires on_write automations when validation changes its state', () => {
    const sim = smallSim(17);
    const posted: string[] = [];
    sim.automation.post = async (_url, body) => {
      posted.push(body);
      return 200;
    };
    const rule = sim.automation.addOutgoing({ name: 'Ship', model: 'stock.picking', trigger: 'on_write', fields: ['state'], triggerFields: ['state'], url: 'http://127.0.0.1:9/none' });
    const { picking } = confirmedOrder(sim, [[9, 1]]);
    const before = sim.state.db.get('stock.picking', picking)?.write_date as string;
    const validatedAt = '2999-01-01 00:00:00.000000';
    sim.transaction(validatedAt, () => callKw(sim.env(2), 'stock.picking', 'button_validate', [[picking]], {}));
    expect(sim.state.db.get('stock.picking', picking)?.write_date).toBe(validatedAt);
    expect(before < validatedAt).toBe(true);
    const payloads = posted.map((body) => JSON.parse(body));
    expect(payloads.at(-1)).toEqual({ _action: `Ship(#${rule.actionId})`, _id: picking, _model: 'stock.picking', state: 'done' });
  });
});

describe('receipts and internal transfers', () => {
  it('a validated receipt from the vendor location raises stock; a transfer moves it to a store', () => {
    const sim = smallSim(18);
    const before = onHand(sim, 11);
    const receipt = call(sim, 'stock.picking', 'create', [
      { picking_type_id: 1, partner_id: 7, origin: 'PO-42', move_ids: [[0, 0, { product_id: 11, product_uom_qty: 10, name: 'restock' }]] },
    ]);
    expect(call(sim, 'stock.picking', 'read', [[receipt], ['location_id', 'location_dest_id', 'name']])[0]).toMatchObject({
      location_id: [4, 'Partners/Vendors'],
      location_dest_id: [WH_STOCK, 'WH/Stock'],
      name: 'WH/IN/00001',
    });
    expect(call(sim, 'stock.picking', 'action_confirm', [[receipt]])).toBe(true);
    expect(call(sim, 'stock.picking', 'read', [[receipt], ['state']])[0].state).toBe('assigned');
    expect(call(sim, 'stock.picking', 'button_validate', [[receipt]])).toBe(true);
    expect(onHand(sim, 11)).toBe(before + 10);

    const transfer = call(sim, 'stock.picking', 'create', [
      { picking_type_id: 3, location_dest_id: 13, move_ids: [[0, 0, { product_id: 11, product_uom_qty: 4, name: 'to store' }]] },
    ]);
    call(sim, 'stock.picking', 'action_assign', [[transfer]]);
    expect(call(sim, 'stock.picking', 'button_validate', [[transfer]])).toBe(true);
    expect(onHand(sim, 11)).toBe(before + 6);
    expect(onHand(sim, 11, 13)).toBeGreaterThanOrEqual(4);
    const [product] = call(sim, 'product.product', 'read', [[11], ['qty_available']], { context: { warehouse_id: 3 } });
    expect(product.qty_available.value).toBe(onHand(sim, 11, 13));
  });
});

describe.each([16, 17, 18, 19] as const)('invoicing a sale order and registering payments (%i)', (version) => {
  const sim = smallSim(version);
  const saleLines = (order: number) =>
    call(sim, 'sale.order.line', 'search_read', [[['order_id', '=', order]]], { fields: ['qty_to_invoice', 'qty_invoiced', 'invoice_status', 'invoice_lines', 'price_unit'], order: 'id' });
  const orderStatus = (order: number) => call(sim, 'sale.order', 'read', [[order], ['invoice_status', 'invoice_ids']])[0];

  it('an invoice line linked by sale_line_ids counts as invoiced; the wizard then finds nothing left to invoice', () => {
    const { order } = confirmedOrder(sim, [[1, 3]]);
    const [line] = saleLines(order);
    expect(line).toMatchObject({ qty_to_invoice: { value: 3 }, invoice_status: 'to invoice' });
    expect(orderStatus(order).invoice_status).toBe('to invoice');
    const invoice = call(sim, 'account.move', 'create', [
      { move_type: 'out_invoice', partner_id: 8, ref: 'INV-OURS-1', invoice_line_ids: [[0, 0, { product_id: 1, quantity: 2, price_unit: line.price_unit.value, sale_line_ids: [[6, 0, [line.id]]] }]] },
    ]);
    expect(saleLines(order)[0]).toMatchObject({ qty_to_invoice: { value: 1 }, qty_invoiced: { value: 2 }, invoice_status: 'to invoice', invoice_lines: [expect.any(Number)] });
    expect(orderStatus(order).invoice_ids).toEqual([invoice]);
    const ctx = { active_model: 'sale.order', active_ids: [order] };
    const wizard = call(sim, 'sale.advance.payment.inv', 'create', [{}], { context: ctx });
    call(sim, 'sale.advance.payment.inv', 'create_invoices', [[wizard]], { context: ctx });
    expect(saleLines(order)[0]).toMatchObject({ qty_to_invoice: { value: 0 }, qty_invoiced: { value: 3 }, invoice_status: 'invoiced' });
    expect(orderStatus(order)).toMatchObject({ invoice_status: 'invoiced', invoice_ids: [invoice, expect.any(Number)] });
    const again = call(sim, 'sale.advance.payment.inv', 'create', [{}], { context: ctx });
    expect(callError(sim, 'sale.advance.payment.inv', 'create_invoices', [[again]], { context: ctx }).message).toContain('There is no invoiceable line.');
  });

  it('a product invoiced on delivered quantities has only what was delivered to invoice', () => {
    const [{ product_tmpl_id }] = call(sim, 'product.product', 'read', [[5], ['product_tmpl_id']]);
    call(sim, 'product.template', 'write', [[product_tmpl_id[0]], { invoice_policy: 'delivery' }]);
    const { order, picking } = confirmedOrder(sim, [[5, 4]]);
    expect(saleLines(order)[0]).toMatchObject({ qty_to_invoice: { value: 0 }, invoice_status: 'no' });
    const [move] = call(sim, 'stock.picking', 'read', [[picking], ['move_ids']])[0].move_ids;
    call(sim, 'stock.move', 'write', [[move], version >= 17 ? { quantity: 1, picked: true } : { quantity_done: 1 }]);
    call(sim, 'stock.picking', 'button_validate', [[picking]], { context: { skip_backorder: true } });
    expect(saleLines(order)[0]).toMatchObject({ qty_to_invoice: { value: 1 }, invoice_status: 'to invoice' });
    expect(orderStatus(order).invoice_status).toBe('to invoice');
  });

  it('a partial payment leaves the invoice partial, the rest makes it paid (Community: paid, not in_payment)', () => {
    const invoice = call(sim, 'account.move', 'create', [{ move_type: 'out_invoice', partner_id: 8, invoice_line_ids: [[0, 0, { product_id: 1, quantity: 1, price_unit: 100, tax_ids: [[6, 0, [1]]] }]] }]);
    const ctx = { active_model: 'account.move', active_ids: [invoice] };
    expect(callError(sim, 'account.payment.register', 'create', [{}], { context: ctx }).message).toBe('You can only register payment for posted journal entries.');
    call(sim, 'account.move', 'action_post', [[invoice]]);
    const memo = version >= 18 ? 'memo' : 'ref';
    const pay = (amount: number, communication: string) => {
      const wizard = call(sim, 'account.payment.register', 'create', [{ amount, communication, journal_id: 4 }], { context: ctx });
      const action = call(sim, 'account.payment.register', 'action_create_payments', [[wizard]], { context: ctx });
      expect(action).toMatchObject({ type: 'ir.actions.act_window', res_model: 'account.payment', view_mode: 'form' });
      return call(sim, 'account.payment', 'read', [[action.res_id], ['state', memo, 'amount', 'reconciled_invoice_ids']])[0];
    };
    const invoiceState = () => call(sim, 'account.move', 'read', [[invoice], ['payment_state', 'amount_residual', 'amount_total']])[0];

    const first = pay(15, 'PAY-A');
    expect(first).toMatchObject({ state: version >= 18 ? 'in_process' : 'posted', [memo]: 'PAY-A', amount: { value: 15 }, reconciled_invoice_ids: [invoice] });
    expect(invoiceState()).toMatchObject({ payment_state: 'partial', amount_residual: { value: 100 }, amount_total: { value: 115 } });
    const rest = pay(100, 'PAY-B');
    expect(rest.state).toBe(version >= 18 ? 'paid' : 'posted');
    expect(invoiceState()).toMatchObject({ payment_state: 'paid', amount_residual: { value: 0 } });
    expect(callError(sim, 'account.payment.register', 'create', [{}], { context: ctx }).message).toBe(
      "You can't register a payment because there is nothing left to pay on the selected journal items.",
    );
  });
});
