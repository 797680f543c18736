import Odoo from 'odoo-await';
import { type RunningOdooSim, startOdooSim } from '../src/server';

/** odoo-await (an npm XML-RPC Odoo client we did not write) in its ordinary flows, on each version. */
describe('odoo-await against the simulator', () => {
  let sim: RunningOdooSim;

  beforeAll(async () => {
    sim = await startOdooSim({ port: 0, version: 16, productCount: 40, customerCount: 10 });
  });

  afterAll(() => sim.close());

  const client = (password = 'admin', username = 'admin') =>
    new Odoo({ baseUrl: 'http://127.0.0.1', port: sim.port, db: 'omnibus', username, password });

  it.each([16, 17, 18, 19] as const)('logs in, reads, creates, updates and confirms an order on Odoo %i', async (version) => {
    const admin = await fetch(`${sim.url}/__sim/version`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.adminToken}` },
      body: JSON.stringify({ version }),
    });
    expect(await admin.json()).toEqual({ version });
    const odoo = client();
    expect(await odoo.connect()).toBe(2);

    const [product] = await odoo.searchRead('product.product', [['default_code', '=', 'APP-10001']], ['name', 'list_price', 'qty_available', 'write_date']);
    expect(product).toEqual({ id: 1, name: expect.any(String), list_price: expect.any(Number), qty_available: expect.any(Number), write_date: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });

    const partnerId = await odoo.create('res.partner', { name: `Await ${version}`, email: 'await@example.com' });
    expect(typeof partnerId).toBe('number');
    expect(await odoo.update('res.partner', partnerId, { phone: '555' })).toBe(true);
    const [partner] = await odoo.read('res.partner', partnerId, ['name', 'phone', 'parent_id']);
    expect(partner).toEqual({ id: partnerId, name: `Await ${version}`, phone: '555', parent_id: false });

    const orderId = await odoo.create('sale.order', { partner_id: partnerId, client_order_ref: `AWAIT-${version}`, order_line: [[0, 0, { product_id: 1, product_uom_qty: 1 }]] });
    expect(await odoo.action('sale.order', 'action_confirm', orderId)).toBe(true);
    const [order]: any[] = await odoo.searchRead('sale.order', [['client_order_ref', '=', `AWAIT-${version}`]], ['state', 'picking_ids']);
    expect(order.state).toBe('sale');
    expect(order.picking_ids).toHaveLength(1);

    const fields = await odoo.getFields('stock.move', ['type']);
    expect(Object.keys(fields)).toContain(version === 16 ? 'quantity_done' : 'picked');
  });

  it('surfaces Odoo faults through the client', async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: 'POST', headers: { Authorization: `Bearer ${sim.adminToken}` }, body: '{"version":17}' });
    const odoo = client();
    await odoo.connect();
    await expect(odoo.searchRead('res.nope', [])).rejects.toMatchObject({ faultCode: 2, faultString: "Object res.nope doesn't exist" });
    await expect(odoo.update('res.partner', 999999, { name: 'x' })).rejects.toMatchObject({
      faultCode: 2,
      faultString: 'Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)',
    });
    await expect(odoo.create('res.partner', { name: false })).rejects.toMatchObject({ faultCode: 2 });
    await expect(client('wrong').connect()).rejects.toBe('Error connecting to database. This is probably due to invalid credentials.');
    const viewer = client('viewer', 'viewer');
    await viewer.connect();
    await expect(viewer.searchRead('account.move', [])).rejects.toMatchObject({ faultCode: 4 });
  });
});
