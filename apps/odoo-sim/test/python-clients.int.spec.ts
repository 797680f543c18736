import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { type RunningOdooSim, startOdooSim } from '../src/server';

const run = promisify(execFile);

/**
 * Python's xmlrpc.client and Debian's python3-odoorpc (installed by test/install-python-client.sh)
 * run their ordinary flows against the simulator; every shape they receive is asserted here.
 */
describe('real Python Odoo clients against the simulator (Odoo 17)', () => {
  let sim: RunningOdooSim;
  let out: any;

  beforeAll(async () => {
    sim = await startOdooSim({ port: 0, version: 17, productCount: 50, customerCount: 20 });
    const { key } = sim.simulator.createApiKey('admin', 'python client test');
    const script = path.join(__dirname, 'clients', 'python_client_flows.py');
    const { stdout } = await run('/usr/bin/python3', [script, String(sim.port), key], { timeout: 30_000 });
    out = JSON.parse(stdout);
  }, 40_000);

  afterAll(() => sim.close());

  it('logs in over XML-RPC with a password or an API key; bad credentials give False', () => {
    expect(out.version).toEqual({ server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 });
    expect(out.uid).toBe(2);
    expect(out.bad_password).toBe(false);
    expect(out.api_key_uid).toBe(2);
  });

  it('reads with search_read: many2one pairs, truncated datetimes', () => {
    expect(out.partners).toHaveLength(2);
    expect(out.partners[0]).toEqual({
      id: expect.any(Number),
      name: expect.any(String),
      email: expect.stringContaining('customers.example'),
      write_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      country_id: [1, 'United States'],
    });
  });

  it('creates (int for a dict, list for a list), writes and confirms a sale order', () => {
    expect(typeof out.created_one).toBe('number');
    expect(out.created_many).toEqual([out.created_one + 1, out.created_one + 2]);
    expect(out.write).toBe(true);
    expect(out.confirm).toBe(true);
    expect(out.order).toMatchObject({ state: 'sale', picking_ids: [expect.any(Number)] });
    expect(out.execute_positional).toBe(1);
  });

  it('receives Odoo fault codes: 2 user errors, 3 access denied, 4 access errors, 1 server errors', () => {
    expect(out.xml_unknown_model).toEqual({ code: 2, string: "Object res.nope doesn't exist" });
    expect(out.xml_bad_password).toEqual({ code: 3, string: 'Access Denied' });
    expect(out.xml_access_error.code).toBe(4);
    expect(out.xml_access_error.string).toContain("You are not allowed to access 'Journal Entry' (account.move) records.");
    expect(out.xml_validation).toEqual({ code: 2, string: 'The operation cannot be completed: Contacts require a name' });
    expect(out.xml_private).toEqual({ code: 4, string: 'Private methods (such as _compute_display_name) cannot be called remotely.' });
    expect(out.xml_unknown_method.code).toBe(1);
    expect(out.xml_unknown_method.string).toContain("AttributeError: type object 'res.partner' has no attribute 'frobnicate'");
  });

  it('gets the "cannot marshal None" fault for a method returning nothing, after the commit', () => {
    expect(out.xml_none_result.code).toBe(1);
    expect(out.xml_none_result.string).toContain('TypeError: cannot marshal None unless allow_none is enabled');
    expect(out.picking_after_none).toBe('confirmed');
  });

  it('runs odoorpc flows: session login, browse, attribute writes, create, action_confirm', () => {
    expect(out.odoorpc_version).toBe('17.0');
    expect(out.odoorpc_uid).toBe(2);
    expect(out.odoorpc_context).toEqual({ lang: 'en_US', tz: 'UTC', uid: 2 });
    expect(out.odoorpc_partner).toEqual({ name: 'Py One', phone: '+1 555 0100', country: false });
    expect(out.odoorpc_after_write).toBe('py.one@example.com');
    expect(out.odoorpc_created).toBe(true);
    expect(out.odoorpc_confirm).toBe(true);
    expect(out.odoorpc_state).toBe('sale');
    expect(out.odoorpc_model_exists).toEqual([true, false]);
    expect(out.odoorpc_none_result).toBeNull();
  });

  it('gives odoorpc the JSON-RPC error objects with Odoo class names', () => {
    expect(out.odoorpc_unknown_model).toEqual({ message: "Object res.nope doesn't exist", code: 200, name: 'odoo.exceptions.UserError', arguments: ["Object res.nope doesn't exist"] });
    expect(out.odoorpc_validation).toMatchObject({ code: 200, name: 'odoo.exceptions.ValidationError' });
    expect(out.odoorpc_type_error).toMatchObject({ name: 'builtins.TypeError', message: "BaseModel.search_count() got an unexpected keyword argument 'bogus'" });
    expect(out.odoorpc_access_error).toMatchObject({ name: 'odoo.exceptions.AccessError' });
    // /web/session/authenticate is interactive: API keys are refused there.
    expect(out.odoorpc_api_key_session).toMatchObject({ name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' });
  });

  it('logged every call, so a test can count the sale orders created', () => {
    const created = sim.runtime.calls.query({ model: 'sale.order', modelMethod: 'create', outcome: 'ok' });
    expect(created).toHaveLength(2);
    expect(created.flatMap((c) => c.createdIds ?? [])).toHaveLength(2);
  });
});
