import { CreateCreditNote, CreateInvoice, CreateReturnPicking, CreateSaleOrder, OdooCommandFailed, OdooCommandSucceeded, ValidateDelivery } from '@omnibus/contracts';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { v7 as uuidv7 } from 'uuid';
import { createCreditNote, createInvoice, createSaleOrder, validateDelivery } from './commands';
import { AdapterUnderTest, RegistryProcess, SimVersion, startAdapter, waitFor } from './harness';

let sim: OdooSimProcess;
let registry: RegistryProcess;

beforeAll(async () => {
  [sim, registry] = await Promise.all([OdooSimProcess.start(), RegistryProcess.start()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([sim?.stop(), registry?.stop()]);
});

const line = (orderId: string, index: number, sku: string, quantity: number) => ({ lineId: `${orderId}-${index}`, sku, quantity: { milli: quantity * 1000 } });

function createReturnPicking(returnId: string, orderId: string, lines: CreateReturnPicking['lines'], scrapLines: CreateReturnPicking['scrapLines'], locationId = 'store-downtown'): CreateReturnPicking {
  return {
    commandId: uuidv7(),
    returnId,
    receiptId: `${returnId}-R1`,
    orderId,
    companyId: 'omnibus-retail',
    toLocation: { locationId, locationType: 'STORE' },
    lines,
    scrapLines,
    occurredAt: new Date(),
  };
}

describe.each([16, 17, 18, 19] as SimVersion[])('returns into Odoo %i', (version) => {
  let under: AdapterUnderTest;
  let odoo: OdooClient;
  const id = (name: string) => `${name}-v${version}`;

  const results = <T extends { aggregateId: string }>(type: string, aggregateId: string) =>
    under.eventsOf(type).map((event) => event.value as T).filter((result) => result.aggregateId === aggregateId);
  const awaitSucceeded = async (aggregateId: string, count = 1): Promise<OdooCommandSucceeded[]> => {
    await waitFor(() => results(OdooCommandSucceeded.type, aggregateId).length >= count, { timeoutMs: 25_000, what: `${count} OdooCommandSucceeded for ${aggregateId}` });
    return results<OdooCommandSucceeded>(OdooCommandSucceeded.type, aggregateId);
  };
  const awaitFailed = (aggregateId: string) =>
    waitFor(() => results<OdooCommandFailed>(OdooCommandFailed.type, aggregateId)[0], { timeoutMs: 25_000, what: `OdooCommandFailed for ${aggregateId}` });

  const product = async (sku: string) => (await odoo.search('product.product', [['default_code', '=', sku]]))[0];
  const stockLocation = async (code: string) => (await odoo.searchRead<{ id: number; lot_stock_id: [number, string] }>('stock.warehouse', [['code', '=', code]], { fields: ['lot_stock_id'] }))[0].lot_stock_id[0];
  const onHand = async (productId: number, locationId: number) =>
    (await odoo.searchRead<{ id: number; quantity: number }>('stock.quant', [['product_id', '=', productId], ['location_id', '=', locationId]], { fields: ['quantity'] })).reduce((sum, quant) => sum + quant.quantity, 0);

  /** An order of 3 × APP-10001 and 1 × FTW-10002 shipped as 1 APP, then 2 APP + the FTW: two done deliveries. */
  async function deliveredInTwoShipments(orderId: string): Promise<number> {
    await under.publish(CreateSaleOrder, createSaleOrder(orderId, [{ sku: 'APP-10001', quantity: 3 }, { sku: 'FTW-10002', quantity: 1 }]));
    await awaitSucceeded(orderId);
    await under.publish(ValidateDelivery, validateDelivery(orderId, `${orderId}-S1`, [{ sku: 'APP-10001', quantity: 1 }]));
    await awaitSucceeded(orderId, 2);
    await under.publish(ValidateDelivery, { ...validateDelivery(orderId, `${orderId}-S2`, [{ sku: 'APP-10001', quantity: 2 }]), lines: [line(orderId, 1, 'APP-10001', 2), line(orderId, 2, 'FTW-10002', 1)] });
    await awaitSucceeded(orderId, 3);
    const [order] = await odoo.searchRead<{ id: number }>('sale.order', [['client_order_ref', '=', orderId]], { fields: ['id'] });
    return order.id;
  }

  beforeAll(async () => {
    await sim.reset(version);
    await sim.clearFaults();
    odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
    const apiKey: Record<string, string> = version >= 19 ? { ODOO_API_KEY: await sim.createApiKey() } : {};
    under = await startAdapter(sim, registry, { ...apiKey, ODOO_SYNC_ENABLED: 'false', ODOO_RETRY_MAX_ATTEMPTS: '2' });
  }, 60_000);

  afterAll(async () => {
    await under?.stop();
    await odoo?.close();
  }, 30_000);

  it('a return spanning both shipments, received at another warehouse with one unit scrapped: one done return per delivery into that warehouse, the scrap done; again creates nothing', async () => {
    const orderId = id('ORD-RET');
    const returnId = id('RET-1');
    const saleOrderId = await deliveredInTwoShipments(orderId);
    const [app, ftw, store, central] = await Promise.all([product('APP-10001'), product('FTW-10002'), stockLocation('ST01'), stockLocation('WH')]);
    const before = { app: await onHand(app, store), ftw: await onHand(ftw, store), central: await onHand(app, central) };

    // 2 APP (1 from each shipment) and the FTW back at Store Downtown; one APP is damaged.
    const command = createReturnPicking(returnId, orderId, [line(orderId, 1, 'APP-10001', 2), line(orderId, 2, 'FTW-10002', 1)], [line(orderId, 1, 'APP-10001', 1)]);
    const sent = await under.publish(CreateReturnPicking, command);
    const [result] = await awaitSucceeded(returnId);
    expect(result).toMatchObject({ commandType: CreateReturnPicking.type, odooModel: 'stock.picking', alreadyApplied: false });

    const deliveries = await odoo.searchRead<{ id: number; name: string }>('stock.picking', [['sale_id', '=', saleOrderId], ['picking_type_code', '=', 'outgoing']], { fields: ['name'], order: 'id asc' });
    const returns = await odoo.searchRead<{ id: number; name: string; state: string; origin: string; location_dest_id: [number, string]; picking_type_code: string }>(
      'stock.picking',
      [['x_omnibus_shipment_id', '=like', `return:${command.receiptId}:%`]],
      { fields: ['name', 'state', 'origin', 'location_dest_id', 'picking_type_code'], order: 'id asc' },
    );
    expect(returns.map((picking) => [picking.origin, picking.state, picking.picking_type_code, picking.location_dest_id[0]])).toEqual(
      deliveries.map((delivery) => [`Return of ${delivery.name}`, 'done', 'incoming', store]),
    );
    expect(result.odooRecordName).toBe(returns.map((picking) => picking.name).join(', '));
    const returnedMoves = await odoo.searchRead<{ id: number; product_id: [number, string]; product_uom_qty: number; picking_id: [number, string] }>(
      'stock.move',
      [['picking_id', 'in', returns.map((picking) => picking.id)]],
      { fields: ['product_id', 'product_uom_qty', 'picking_id'], order: 'id asc' },
    );
    const byPickingAndProduct = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1];
    expect(returnedMoves.map((move) => [move.picking_id[0], move.product_id[0], move.product_uom_qty]).sort(byPickingAndProduct)).toEqual([
      [returns[0].id, app, 1],
      [returns[1].id, app, 1],
      [returns[1].id, ftw, 1],
    ].sort(byPickingAndProduct));
    const scraps = await odoo.searchRead<{ id: number; state: string; scrap_qty: number; product_id: [number, string]; location_id: [number, string] }>(
      'stock.scrap',
      [['origin', '=', `Omnibus return ${returnId} receipt ${command.receiptId}`]],
      { fields: ['state', 'scrap_qty', 'product_id', 'location_id'] },
    );
    expect(scraps.map((scrap) => [scrap.state, scrap.product_id[0], scrap.scrap_qty, scrap.location_id[0]])).toEqual([['done', app, 1, store]]);
    // Sellable stock follows the disposition: +1 APP (2 in, 1 scrapped), +1 FTW at the store; the shipping warehouse unchanged.
    expect([await onHand(app, store), await onHand(ftw, store), await onHand(app, central)]).toEqual([before.app + 1, before.ftw + 1, before.central]);
    const [orderLine] = await odoo.searchRead<{ id: number; qty_delivered: number }>('sale.order.line', [['order_id', '=', saleOrderId], ['product_id', '=', app]], { fields: ['qty_delivered'] });
    expect(orderLine.qty_delivered).toBe(1);

    // The same command redelivered (the inbox drops it), then re-issued with a new id: nothing new in Odoo.
    const createsBefore = (await sim.calls({ model: 'stock.return.picking', method: 'create' })).length;
    await under.resend(sent);
    await under.publish(CreateReturnPicking, { ...command, commandId: uuidv7() });
    const [, again] = await awaitSucceeded(returnId, 2);
    expect(again).toMatchObject({ alreadyApplied: true, odooRecordId: result.odooRecordId });
    expect((await sim.calls({ model: 'stock.return.picking', method: 'create' })).length).toBe(createsBefore);
    expect(await odoo.searchCount('stock.picking', [['x_omnibus_shipment_id', '=like', `return:${command.receiptId}:%`]])).toBe(2);
    expect(await odoo.searchCount('stock.scrap', [['origin', '=', `Omnibus return ${returnId} receipt ${command.receiptId}`]])).toBe(1);
    expect([await onHand(app, store), await onHand(ftw, store)]).toEqual([before.app + 1, before.ftw + 1]);
    expect(results(OdooCommandSucceeded.type, returnId)).toHaveLength(2);
  }, 90_000);

  it('returning more than was delivered (counting earlier returns) is refused with the reason, and nothing is created', async () => {
    const orderId = id('ORD-RET-MORE');
    await deliveredInTwoShipments(orderId);
    const first = createReturnPicking(id('RET-MORE-1'), orderId, [line(orderId, 1, 'APP-10001', 2)], []);
    await under.publish(CreateReturnPicking, first);
    await awaitSucceeded(first.returnId);

    const createsBefore = (await sim.calls({ model: 'stock.return.picking', method: 'create' })).length;
    const tooMany = createReturnPicking(id('RET-MORE-2'), orderId, [line(orderId, 1, 'APP-10001', 2)], []);
    await under.publish(CreateReturnPicking, tooMany);
    const failure = await awaitFailed(tooMany.returnId);
    expect(failure).toMatchObject({ commandType: CreateReturnPicking.type, failure: 'VALIDATION', retryable: false, errorMessage: expect.stringContaining('APP-10001: 1 more than delivered and not yet returned') });
    expect((await sim.calls({ model: 'stock.return.picking', method: 'create' })).length).toBe(createsBefore);
  }, 90_000);

  it('credits a partial return of a two-shipment order per line, against the invoice that billed it: its sale line and taxes, the refunded amount', async () => {
    const orderId = id('ORD-RET-CN');
    const returnId = id('RET-CN');
    const saleOrderId = await deliveredInTwoShipments(orderId);
    // One invoice per shipment: 1 APP, then 2 APP + the FTW (10.00 each, 15 % tax).
    await under.publish(CreateInvoice, createInvoice(id('INV-CN-1'), orderId, [{ sku: 'APP-10001', quantity: 1 }]));
    await under.publish(CreateInvoice, { ...createInvoice(id('INV-CN-2'), orderId), lines: [line(orderId, 1, 'APP-10001', 2), line(orderId, 2, 'FTW-10002', 1)] });
    await awaitSucceeded(orderId, 5);
    const [, second] = await odoo.searchRead<{ id: number }>('account.move', [['ref', 'in', [id('INV-CN-1'), id('INV-CN-2')]]], { fields: ['id'], order: 'id asc' });
    const [ftw] = await odoo.searchRead<{ id: number; qty_invoiced: number; tax_id?: number[]; tax_ids?: number[] }>('sale.order.line', [['order_id', '=', saleOrderId], ['product_id.default_code', '=', 'FTW-10002']], {
      fields: ['qty_invoiced', version >= 19 ? 'tax_ids' : 'tax_id'],
    });
    expect(ftw.qty_invoiced).toBe(1);

    // The FTW comes back: 10.00 + 1.50 tax refunded.
    const command = createCreditNote(returnId, orderId, 'FTW-10002', 1, 1_150);
    await under.publish(CreateCreditNote, { ...command, lines: [{ ...command.lines[0], lineId: `${orderId}-2`, tax: { amountMinor: 150, currency: 'USD' } }] });
    const [result] = await awaitSucceeded(returnId);
    const [note] = await odoo.read<{ id: number; state: string; move_type: string; reversed_entry_id: [number, string] | false; amount_total: number; amount_tax: number; invoice_line_ids: number[] }>(
      'account.move',
      [result.odooRecordId],
      ['state', 'move_type', 'reversed_entry_id', 'amount_total', 'amount_tax', 'invoice_line_ids'],
    );
    expect(note).toMatchObject({ state: 'posted', move_type: 'out_refund', amount_total: 11.5, amount_tax: 1.5 });
    expect(note.reversed_entry_id && note.reversed_entry_id[0]).toBe(second.id);
    const [credited] = await odoo.read<{ id: number; quantity: number; price_unit: number; tax_ids: number[]; sale_line_ids: number[] }>('account.move.line', note.invoice_line_ids, ['quantity', 'price_unit', 'tax_ids', 'sale_line_ids']);
    expect(credited).toMatchObject({ quantity: 1, price_unit: 10, tax_ids: ftw.tax_ids ?? ftw.tax_id, sale_line_ids: [ftw.id] });
    const [after] = await odoo.read<{ id: number; qty_invoiced: number }>('sale.order.line', [ftw.id], ['qty_invoiced']);
    expect(after.qty_invoiced).toBe(0);
  }, 90_000);

  it('an order with no done delivery has nothing to return: refused, not retried', async () => {
    const orderId = id('ORD-RET-NONE');
    await under.publish(CreateSaleOrder, createSaleOrder(orderId, [{ sku: 'APP-10001', quantity: 1 }]));
    await awaitSucceeded(orderId);
    const command = createReturnPicking(id('RET-NONE'), orderId, [line(orderId, 1, 'APP-10001', 1)], []);
    await under.publish(CreateReturnPicking, command);
    const failure = await awaitFailed(command.returnId);
    expect(failure).toMatchObject({ failure: 'MISSING_RECORD', errorMessage: expect.stringContaining('has no done delivery to return'), attempts: 1 });
  }, 60_000);
});
