import { call, callError, smallSim } from './helpers';

const WH_STOCK = 9; // Central Warehouse / Stock in the seed
const ST01_STOCK = 13; // Store Downtown / Stock
const PRODUCT = 3;

type Sim = ReturnType<typeof smallSim>;

function onHand(sim: Sim, productId: number, locationId: number): number {
  const quants = call(sim, 'stock.quant', 'search_read', [[['product_id', '=', productId], ['location_id', '=', locationId]]], { fields: ['quantity'] });
  return quants.reduce((sum: number, quant: any) => sum + quant.quantity.value, 0);
}

const num = (value: any): number => (typeof value === 'object' && value !== null ? value.value : value);

describe.each([16, 17, 18, 19] as const)('returns and scraps in Odoo %i', (version) => {
  const sim = smallSim(version);
  const createReturns = version <= 17 ? 'create_returns' : 'action_create_returns';
  const doneField = version === 16 ? { quantity_done: 0 } : { quantity: 0, picked: true };

  /** A sale order of 3 delivered in two shipments (1, then 2): the two done deliveries. */
  function deliveredTwice(): { order: number; line: number; deliveries: number[] } {
    const order = call(sim, 'sale.order', 'create', [{ partner_id: 8, client_order_ref: 'RET-1', order_line: [[0, 0, { product_id: PRODUCT, product_uom_qty: 3 }]] }]);
    call(sim, 'sale.order', 'action_confirm', [[order]]);
    const [first] = call(sim, 'sale.order', 'read', [[order], ['picking_ids']])[0].picking_ids;
    const ship = (picking: number, quantity: number) => {
      const [move] = call(sim, 'stock.picking', 'read', [[picking], ['move_ids']])[0].move_ids;
      const key = Object.keys(doneField)[0];
      call(sim, 'stock.move', 'write', [[move], { ...doneField, [key]: quantity }]);
      expect(call(sim, 'stock.picking', 'button_validate', [[picking]], { context: { skip_backorder: true, skip_immediate: true } })).toBe(true);
    };
    ship(first, 1);
    const [second] = call(sim, 'stock.picking', 'search', [[['backorder_id', '=', first]]]);
    ship(second, 2);
    const [line] = call(sim, 'sale.order', 'read', [[order], ['order_line']])[0].order_line;
    return { order, line, deliveries: [first, second] };
  }

  function moveOf(picking: number): number {
    return call(sim, 'stock.picking', 'read', [[picking], ['move_ids']])[0].move_ids[0];
  }

  it('the wizard opened on a done delivery returns it into another warehouse; validating moves the stock there', () => {
    const { line, deliveries } = deliveredTwice();
    const context = { active_id: deliveries[1], active_ids: [deliveries[1]], active_model: 'stock.picking' };
    const defaults = call(sim, 'stock.return.picking', 'default_get', [['picking_id']], { context });
    expect(defaults).toEqual({ picking_id: deliveries[1] });

    // 17+ compute the lines on create (17 with what is returnable, 18+ with 0); 16's onchange does not run over RPC.
    const computed = call(sim, 'stock.return.picking', 'create', [{}], { context });
    const lines = call(sim, 'stock.return.picking.line', 'search_read', [[['wizard_id', '=', computed]]], { fields: ['quantity', 'move_id'] });
    if (version === 16) expect(lines).toEqual([]);
    else expect(lines.map((l: any) => [num(l.quantity), l.move_id[0]])).toEqual([[version === 17 ? 2 : 0, moveOf(deliveries[1])]]);

    const wizard = call(sim, 'stock.return.picking', 'create', [
      { product_return_moves: [[0, 0, { product_id: PRODUCT, quantity: 1, move_id: moveOf(deliveries[1]) }]], ...(version <= 17 ? { location_id: ST01_STOCK } : {}) },
    ], { context });
    const action = call(sim, 'stock.return.picking', createReturns, [[wizard]], { context });
    expect(action).toMatchObject({ res_model: 'stock.picking', type: 'ir.actions.act_window', name: 'Returned Picking' });
    const returned = action.res_id as number;
    const [picking] = call(sim, 'stock.picking', 'read', [[returned], ['state', 'origin', 'picking_type_code', 'location_dest_id', 'sale_id', ...(version >= 18 ? ['return_id'] : [])]]);
    const deliveryName = call(sim, 'stock.picking', 'read', [[deliveries[1]], ['name']])[0].name;
    expect(picking).toMatchObject({ state: 'assigned', origin: `Return of ${deliveryName}`, picking_type_code: 'incoming' });
    if (version >= 18) {
      // 18+ return into the return type's destination (the shipping warehouse): the picking is moved.
      expect(picking.location_dest_id[0]).toBe(WH_STOCK);
      expect(picking.return_id[0]).toBe(deliveries[1]);
      call(sim, 'stock.picking', 'write', [[returned], { location_dest_id: ST01_STOCK }]);
    } else expect(picking.location_dest_id[0]).toBe(ST01_STOCK);
    const [move] = call(sim, 'stock.move', 'search_read', [[['picking_id', '=', returned]]], { fields: ['origin_returned_move_id', 'location_dest_id', 'product_uom_qty'] });
    expect(move).toMatchObject({ origin_returned_move_id: [moveOf(deliveries[1]), expect.any(String)], location_dest_id: [ST01_STOCK, expect.any(String)] });

    const before = onHand(sim, PRODUCT, ST01_STOCK);
    const qtyDelivered = () => num(call(sim, 'sale.order.line', 'read', [[line], ['qty_delivered']])[0].qty_delivered);
    expect(qtyDelivered()).toBe(3);
    if (version === 16) expect(call(sim, 'stock.picking', 'button_validate', [[returned]])).toMatchObject({ res_model: 'stock.immediate.transfer' });
    expect(call(sim, 'stock.picking', 'button_validate', [[returned]], { context: { skip_immediate: true, skip_backorder: true } })).toBe(true);
    expect(call(sim, 'stock.picking', 'read', [[returned], ['state']])[0].state).toBe('done');
    expect(onHand(sim, PRODUCT, ST01_STOCK)).toBe(before + 1);
    // sale_stock counts the return back from what was delivered.
    expect(qtyDelivered()).toBe(2);
    if (version === 17) {
      const again = call(sim, 'stock.return.picking', 'create', [{}], { context });
      expect(num(call(sim, 'stock.return.picking.line', 'search_read', [[['wizard_id', '=', again]]], { fields: ['quantity'] })[0].quantity)).toBe(1);
    }
  });

  it("refuses what Odoo refuses: a picking not done, no quantity, the private method, more than one picking; more than delivered is Odoo's to accept", () => {
    const order = call(sim, 'sale.order', 'create', [{ partner_id: 8, order_line: [[0, 0, { product_id: PRODUCT, product_uom_qty: 1 }]] }]);
    call(sim, 'sale.order', 'action_confirm', [[order]]);
    const [open] = call(sim, 'sale.order', 'read', [[order], ['picking_ids']])[0].picking_ids;
    const openContext = { active_id: open, active_ids: [open], active_model: 'stock.picking' };
    if (version >= 17) expect(callError(sim, 'stock.return.picking', 'create', [{}], { context: openContext }).message).toBe('You may only return Done pickings.');
    expect(callError(sim, 'stock.return.picking', 'default_get', [['picking_id']], { context: { ...openContext, active_ids: [open, open + 1] } }).message).toBe(
      'You may only return one picking at a time.',
    );

    const { deliveries } = deliveredTwice();
    const context = { active_id: deliveries[0], active_ids: [deliveries[0]], active_model: 'stock.picking' };
    const values = (quantity: number) => ({ product_return_moves: [[0, 0, { product_id: PRODUCT, quantity, move_id: moveOf(deliveries[0]) }]], ...(version <= 17 ? { location_id: WH_STOCK } : {}) });
    const zero = call(sim, 'stock.return.picking', 'create', [values(0)], { context });
    expect(callError(sim, 'stock.return.picking', createReturns, [[zero]], { context }).message).toBe('Please specify at least one non-zero quantity.');
    expect(callError(sim, 'stock.return.picking', version <= 17 ? '_create_returns' : '_create_return', [[zero]], { context }).pythonClass).toBe('odoo.exceptions.AccessError');
    expect(callError(sim, 'stock.return.picking', version <= 17 ? 'action_create_returns' : 'create_returns', [[zero]], { context }).pythonClass).toBe('builtins.AttributeError');
    const tooMany = call(sim, 'stock.return.picking', 'create', [values(5)], { context });
    const action = call(sim, 'stock.return.picking', createReturns, [[tooMany]], { context });
    expect(num(call(sim, 'stock.move', 'search_read', [[['picking_id', '=', action.res_id]]], { fields: ['product_uom_qty'] })[0].product_uom_qty)).toBe(5);
  });

  if (version >= 18) {
    it('"Return All" returns what is left of each move', () => {
      const { deliveries } = deliveredTwice();
      const context = { active_id: deliveries[1], active_ids: [deliveries[1]], active_model: 'stock.picking' };
      const wizard = call(sim, 'stock.return.picking', 'create', [{}], { context });
      const action = call(sim, 'stock.return.picking', 'action_create_returns_all', [[wizard]], { context });
      expect(num(call(sim, 'stock.move', 'search_read', [[['picking_id', '=', action.res_id]]], { fields: ['product_uom_qty'] })[0].product_uom_qty)).toBe(2);
    });
  }

  it('a scrap takes stock out of its location into the scrap location; too much asks for the insufficient-quantity wizard', () => {
    const before = onHand(sim, PRODUCT, WH_STOCK);
    expect(before).toBeGreaterThan(1);
    const scrap = call(sim, 'stock.scrap', 'create', [{ product_id: PRODUCT, scrap_qty: 1, location_id: WH_STOCK, origin: 'RMA-1' }]);
    const [draft] = call(sim, 'stock.scrap', 'read', [[scrap], ['name', 'state', 'scrap_location_id']]);
    expect(draft).toMatchObject({ name: expect.stringMatching(/^SP\/\d{5}$/), state: 'draft', scrap_location_id: [7, expect.any(String)] });
    expect(call(sim, 'stock.scrap', 'action_validate', [[scrap]])).toBe(true);
    expect(call(sim, 'stock.scrap', 'read', [[scrap], ['state']])[0].state).toBe('done');
    expect(onHand(sim, PRODUCT, WH_STOCK)).toBe(before - 1);
    const moves = call(sim, 'stock.move', 'search_read', [[['scrap_id', '=', scrap]]], { fields: ['state', 'location_dest_id', 'scrapped'] });
    expect(moves).toMatchObject([{ state: 'done', location_dest_id: [7, expect.any(String)], scrapped: true }]);

    const huge = call(sim, 'stock.scrap', 'create', [{ product_id: PRODUCT, scrap_qty: before + 100, location_id: WH_STOCK }]);
    expect(call(sim, 'stock.scrap', 'action_validate', [[huge]])).toMatchObject({ res_model: 'stock.warn.insufficient.qty.scrap', context: { default_scrap_id: huge } });
    expect(call(sim, 'stock.scrap', 'read', [[huge], ['state']])[0].state).toBe('draft');
    const nothing = call(sim, 'stock.scrap', 'create', [{ product_id: PRODUCT, scrap_qty: 0, location_id: WH_STOCK }]);
    expect(callError(sim, 'stock.scrap', 'action_validate', [[nothing]]).message).toBe('You can only enter positive quantities.');
    expect(callError(sim, 'stock.scrap', 'unlink', [[scrap]]).message).toBe('You cannot delete a scrap which is done.');
  });
});
