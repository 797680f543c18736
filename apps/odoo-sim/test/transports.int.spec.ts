import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@omnibus/testing';
import { type RunningOdooSim, startOdooSim } from '../src/server';
import { dumpMethodCall, parseResponse } from '../src/wire/xmlrpc-codec';

/** The wire, byte for byte: envelopes, status codes, cookies, faults injected through the admin API. */
describe('odoo-sim over HTTP', () => {
  let sim: RunningOdooSim;
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${sim.adminToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const jsonrpc = async (path: string, params: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 17, params }),
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  };
  const executeKw = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}, password = 'admin') =>
    jsonrpc('/jsonrpc', { service: 'object', method: 'execute_kw', args: ['omnibus', 2, password, model, method, args, kwargs] });
  const xmlrpc = async (service: string, method: string, params: unknown[]) => {
    const response = await fetch(`${sim.url}/xmlrpc/2/${service}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: dumpMethodCall(method, params) });
    return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
  };
  const json2 = async (path: string, body: unknown, key: string, extra: RequestInit = {}) => {
    const response = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { Authorization: `bearer ${key}`, 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...extra,
    });
    const text = await response.text();
    return { status: response.status, text, json: text ? JSON.parse(text) : undefined, headers: response.headers };
  };

  beforeAll(async () => {
    sim = await startOdooSim({ port: 0, version: 17, productCount: 40, customerCount: 10, adminToken: 'test-admin-token' });
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await admin('POST', '/__sim/reset', { version: 17 });
    await admin('POST', '/__sim/workers', { count: null, latencyMs: 0 });
  });

  describe('JSON-RPC', () => {
    it('writes the envelope like Python json.dumps and omits result for None', async () => {
      const ok = await executeKw('res.partner', 'search_count', [[['id', '=', 1]]]);
      expect(ok.text).toBe('{"jsonrpc": "2.0", "id": 17, "result": 1}');
      expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const order = JSON.parse((await executeKw('sale.order', 'create', [{ partner_id: 8, order_line: [[0, 0, { product_id: 1 }]] }])).text).result;
      await executeKw('sale.order', 'action_confirm', [[order]]);
      const [picking] = JSON.parse((await executeKw('stock.picking', 'search', [[['sale_id', '=', order]]])).text).result;
      expect((await executeKw('stock.picking', 'do_unreserve', [[picking]])).text).toBe('{"jsonrpc": "2.0", "id": 17}');
    });

    it('answers 400 in plain text for malformed JSON, and errors inside a 200 envelope', async () => {
      const bad = await fetch(`${sim.url}/jsonrpc`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{nope' });
      expect([bad.status, await bad.text()]).toEqual([400, 'Invalid JSON data']);
      const notObject = await fetch(`${sim.url}/jsonrpc`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[1]' });
      expect([notObject.status, await notObject.text()]).toEqual([400, 'Invalid JSON-RPC data']);
      const denied = await executeKw('res.partner', 'search', [[]], {}, 'wrong');
      expect(denied.status).toBe(200);
      expect(JSON.parse(denied.text).error).toMatchObject({ code: 200, message: 'Odoo Server Error', data: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' } });
      await admin('POST', '/__sim/version', { version: 19 });
      expect(JSON.parse((await executeKw('res.nope', 'search', [[]])).text).error).toMatchObject({ code: 0, data: { name: 'odoo.exceptions.UserError' } });
    });
  });

  describe('XML-RPC', () => {
    it('answers faults with HTTP 200, text/xml, and Python marshaller bytes', async () => {
      const reply = await xmlrpc('object', 'execute_kw', ['omnibus', 2, 'admin', 'res.nope', 'search', [[]]]);
      expect(reply.status).toBe(200);
      expect(reply.contentType).toBe('text/xml; charset=utf-8');
      expect(reply.text).toBe(
        "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>2</int></value>\n</member>\n" +
          "<member>\n<name>faultString</name>\n<value><string>Object res.nope doesn't exist</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n",
      );
      const legacy = await fetch(`${sim.url}/xmlrpc/object`, { method: 'POST', body: dumpMethodCall('execute_kw', ['omnibus', 2, 'admin', 'res.partner', 'write', [[99999], { name: 'x' }]]) });
      expect(parseResponse(await legacy.text())).toMatchObject({ ok: false, faultCode: expect.stringMatching(/^warning -- MissingError\n\nRecord does not exist/) });
      const get = await fetch(`${sim.url}/xmlrpc/2/common`);
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'OPTIONS, POST']);
      await get.text();
      const garbage = await fetch(`${sim.url}/xmlrpc/2/common`, { method: 'POST', body: '<methodCall><oops>' });
      expect(parseResponse(await garbage.text())).toMatchObject({ ok: false, faultCode: 1 });
    });
  });

  describe('web client session', () => {
    it('sets a session cookie on authenticate and refuses call_kw without one', async () => {
      const login = await jsonrpc('/web/session/authenticate', { db: 'omnibus', login: 'admin', password: 'admin' });
      const cookie = login.headers.get('set-cookie') as string;
      expect(cookie).toMatch(/^session_id=[0-9a-f]{40}; Expires=.*; Max-Age=604800; HttpOnly; Path=\/; SameSite=Lax$/);
      expect(JSON.parse(login.text).result).toMatchObject({ uid: 2, db: 'omnibus', user_context: { lang: 'en_US', tz: 'UTC', uid: 2 }, server_version: '17.0' });
      const sid = cookie.split(';')[0];
      const read = await jsonrpc('/web/dataset/call_kw/res.partner/read', { model: 'res.partner', method: 'read', args: [[1], ['name']], kwargs: {} }, { Cookie: sid });
      expect(JSON.parse(read.text).result).toEqual([{ id: 1, name: 'Omnibus Retail' }]);
      const expired = await jsonrpc('/web/dataset/call_kw', { model: 'res.partner', method: 'read', args: [[1]], kwargs: {} });
      expect(JSON.parse(expired.text).error).toMatchObject({ code: 100, message: 'Odoo Session Expired', data: { name: 'odoo.http.SessionExpiredException' } });
      const { body } = await admin('POST', '/__sim/api-keys', { login: 'admin', name: 'session test' });
      const withKey = await jsonrpc('/web/session/authenticate', { db: 'omnibus', login: 'admin', password: body.key });
      expect(JSON.parse(withKey.text).error.data.name).toBe('odoo.exceptions.AccessDenied');
    });
  });

  describe('refusals on the wire', () => {
    it('an unknown field in create values is fault 1 with the traceback, builtins.ValueError over JSON-RPC, 500 over JSON-2', async () => {
      const message = "Invalid field 'emial' on model 'res.partner'";
      const viaXmlrpc = parseResponse((await xmlrpc('object', 'execute_kw', ['omnibus', 2, 'admin', 'res.partner', 'create', [{ name: 'X', emial: 'x' }], {}])).text);
      expect(viaXmlrpc).toMatchObject({ ok: false, faultCode: 1, faultString: expect.stringContaining(`\nValueError: ${message}\n`) });
      const viaJsonrpc = JSON.parse((await executeKw('res.partner', 'create', [{ name: 'X', emial: 'x' }])).text);
      expect(viaJsonrpc.error).toMatchObject({ code: 200, message: 'Odoo Server Error', data: { name: 'builtins.ValueError', message, arguments: [message] } });
      await admin('POST', '/__sim/version', { version: 19 });
      const key = (await admin('POST', '/__sim/api-keys', { login: 'admin', name: 'refusals' })).body.key;
      const viaJson2 = await json2('/json/2/res.partner/create', { vals_list: [{ name: 'X', emial: 'x' }] }, key);
      expect([viaJson2.status, viaJson2.json.name, viaJson2.json.message]).toEqual([500, 'builtins.ValueError', message]);
      const stateError = await json2('/json/2/sale.order/action_confirm', { ids: [999999] }, key);
      expect([stateError.status, stateError.json.name]).toEqual([404, 'odoo.exceptions.MissingError']);
    });
  });

  describe('JSON-2 (19)', () => {
    let key: string;
    beforeEach(async () => {
      await admin('POST', '/__sim/version', { version: 19 });
      key = (await admin('POST', '/__sim/api-keys', { login: 'admin', name: 'json2' })).body.key;
    });

    it('takes named arguments, returns bare JSON, create always a list, None as null', async () => {
      const created = await json2('/json/2/res.partner/create', { vals_list: { name: 'J2' } }, key);
      expect([created.status, created.text]).toEqual([200, expect.stringMatching(/^\[\d+\]$/)]);
      const [id] = created.json;
      const read = await json2('/json/2/res.partner/read', { ids: [id], fields: ['name', 'parent_id'] }, key);
      expect(read.text).toBe(`[{"id": ${id}, "name": "J2", "parent_id": false}]`);
      const none = await json2('/json/2/res.partner/action_archive', { ids: [id] }, key);
      expect([none.status, none.text]).toEqual([200, 'null']);
      const me = await json2('/json/2/res.users/context_get', {}, key);
      expect(me.json).toEqual({ lang: 'en_US', tz: 'UTC', uid: 2 });
    });

    it('maps failures to real status codes', async () => {
      const noKey = await json2('/json/2/res.partner/search', {}, 'wrong');
      expect([noKey.status, noKey.headers.get('www-authenticate'), noKey.json.name]).toEqual([401, 'Bearer', 'werkzeug.exceptions.Unauthorized']);
      expect((await json2('/json/2/res.nope/search', {}, key)).json).toMatchObject({ name: 'werkzeug.exceptions.NotFound', message: "the model 'res.nope' does not exist" });
      expect((await json2('/json/2/res.partner/frobnicate', {}, key)).status).toBe(404);
      expect((await json2('/json/2/res.partner/search', { ids: [1], domain: [] }, key)).status).toBe(422);
      const badKwarg = await json2('/json/2/res.partner/search_count', { bogus: 1 }, key);
      expect([badKwarg.status, badKwarg.json.message]).toEqual([422, "BaseModel.search_count() got an unexpected keyword argument 'bogus'"]);
      expect((await json2('/json/2/res.partner/create', { vals_list: [{ name: false }] }, key)).json).toMatchObject({ name: 'odoo.exceptions.ValidationError' });
      expect((await json2('/json/2/res.partner/write', { ids: [999999], vals: { name: 'x' } }, key)).status).toBe(404);
      expect((await json2('/json/2/res.partner/_compute_display_name', { ids: [1] }, key)).status).toBe(403);
      const bad = await json2('/json/2/res.partner/search', '{nope', key);
      expect([bad.status, bad.json.name]).toEqual([400, 'werkzeug.exceptions.BadRequest']);
      const hint = await fetch(`${sim.url}/json/2`, { headers: { Authorization: `bearer ${key}` } });
      expect([hint.status, ((await hint.json()) as any).message]).toEqual([404, 'Did you mean POST /json/2/<model>/<method>?']);
      const viewerKey = (await admin('POST', '/__sim/api-keys', { login: 'viewer', name: 'v', expiration_date: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) })).body.key;
      expect((await json2('/json/2/account.move/search', { domain: [] }, viewerKey)).status).toBe(403);
    });

    it('is absent before 19, where /web/version still answers', async () => {
      await admin('POST', '/__sim/version', { version: 18 });
      const absent = await fetch(`${sim.url}/json/2/res.partner/search`, { method: 'POST', headers: { Authorization: `bearer ${key}` }, body: '{}' });
      expect([absent.status, absent.headers.get('content-type')]).toEqual([404, 'text/html; charset=utf-8']);
      await absent.text();
      expect(await (await fetch(`${sim.url}/web/version`)).text()).toBe('{"version_info": [18, 0, 0, "final", 0, ""], "version": "18.0"}');
    });
  });

  describe('fault injection and the call log', () => {
    const countPartners = async (name: string) => JSON.parse((await executeKw('res.partner', 'search_count', [[['name', '=', name]]])).text).result;

    it('returns a proxy 5xx for the next call only', async () => {
      await admin('POST', '/__sim/faults', { kind: 'http_error', status: 503, times: 1 });
      expect((await executeKw('res.partner', 'search_count', [[]])).status).toBe(503);
      expect((await executeKw('res.partner', 'search_count', [[]])).status).toBe(200);
    });

    it('drops the connection before commit (nothing persists) or after commit (the unknown outcome)', async () => {
      await admin('POST', '/__sim/faults', { kind: 'drop_before_commit', model: 'res.partner', method: 'create' });
      await expect(executeKw('res.partner', 'create', [{ name: 'Dropped Before' }])).rejects.toThrow();
      expect(await countPartners('Dropped Before')).toBe(0);
      await admin('POST', '/__sim/faults', { kind: 'drop_after_commit', model: 'res.partner', method: 'create' });
      await expect(executeKw('res.partner', 'create', [{ name: 'Dropped After' }])).rejects.toThrow();
      expect(await countPartners('Dropped After')).toBe(1);
      const log = (await admin('GET', '/__sim/calls?model=res.partner&method=create')).body;
      expect(log.map((c: any) => [c.outcome, c.committed])).toEqual([
        ['dropped_before_commit', false],
        ['dropped_after_commit', true],
      ]);
      expect((await admin('GET', '/__sim/calls/count?model=res.partner&method=create&committed=true')).body).toEqual({ count: 1, created_ids: [expect.any(Number)] });
    });

    it('surfaces exhausted serialization retries as fault 1 and JSON-2 500, and succeeds after fewer retries', async () => {
      await admin('POST', '/__sim/faults', { kind: 'serialization_failure', model: 'stock.quant', latencyMs: 5 });
      const reply = await xmlrpc('object', 'execute_kw', ['omnibus', 2, 'admin', 'stock.quant', 'search_count', [[]]]);
      const fault = parseResponse(reply.text);
      expect(fault).toMatchObject({ ok: false, faultCode: 1, faultString: expect.stringContaining('psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update') });
      await admin('POST', '/__sim/faults', { kind: 'serialization_failure', retries: 2, latencyMs: 5 });
      expect(JSON.parse((await executeKw('stock.quant', 'search_count', [[]])).text).result).toBeGreaterThan(0);
      await admin('POST', '/__sim/version', { version: 19 });
      const key = (await admin('POST', '/__sim/api-keys', {})).body.key;
      await admin('POST', '/__sim/faults', { kind: 'serialization_failure', transport: 'json2', latencyMs: 5 });
      const j2 = await json2('/json/2/stock.quant/search_count', { domain: [] }, key);
      expect([j2.status, j2.json.name]).toEqual([500, 'psycopg2.errors.SerializationFailure']);
      await admin('POST', '/__sim/faults', { kind: 'lock_error', model: 'stock.quant' });
      const locked = await json2('/json/2/stock.quant/search_count', { domain: [] }, key);
      expect([locked.status, locked.json.name]).toEqual([409, 'odoo.exceptions.LockError']);
    });

    it('queues calls beyond the worker count', async () => {
      await admin('POST', '/__sim/workers', { count: 1 });
      await admin('POST', '/__sim/faults', { kind: 'latency', latencyMs: 500, times: 3 });
      const calls = Promise.all([1, 2, 3].map(() => executeKw('res.partner', 'search_count', [[]])));
      // While one call holds the only worker, the other two wait for it (seen in the gauges, not a clock).
      await waitFor(async () => /odoo_sim_workers_queued 2\b/.test(await (await fetch(`${sim.url}/metrics`)).text()), { intervalMs: 10, what: 'two calls queued' });
      expect(sim.runtime.workers.busy).toBe(1);
      await calls;
      expect([sim.runtime.workers.busy, sim.runtime.workers.queued]).toEqual([0, 0]);
    });

    it('spends the configured latency of every call inside a worker, so N workers bound the throughput', async () => {
      expect((await admin('POST', '/__sim/workers', { count: 2, latencyMs: 300 })).body).toEqual({ limit: 2, latencyMs: 300 });
      const started = Date.now();
      const calls = Promise.all([1, 2, 3, 4].map(() => executeKw('res.partner', 'search_count', [[]])));
      await waitFor(async () => /odoo_sim_workers_queued 2\b/.test(await (await fetch(`${sim.url}/metrics`)).text()), { intervalMs: 10, what: 'two calls queued' });
      expect(sim.runtime.workers.busy).toBe(2);
      await calls;
      // two rounds of 300 ms: a lower bound only, which no slow machine can break
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect((await admin('GET', '/__sim/state')).body.workers).toMatchObject({ limit: 2, latencyMs: 300, busy: 0, queued: 0 });
    });

    it('keeps write_date at call start while the commit is delayed (the poller overlap case)', async () => {
      await admin('POST', '/__sim/faults', { kind: 'commit_delay', delayMs: 2200, model: 'res.partner', method: 'create' });
      const slow = executeKw('res.partner', 'create', [{ name: 'Slow Commit' }]);
      // The create holds its worker in the commit delay: not visible yet.
      await waitFor(() => sim.runtime.workers.busy === 1, { intervalMs: 5, what: 'the create to start' });
      expect(await countPartners('Slow Commit')).toBe(0);
      const id = JSON.parse((await slow).text).result;
      const [call] = sim.runtime.calls.query({ model: 'res.partner', modelMethod: 'create' });
      expect(call).toMatchObject({ committed: true, faults: ['commit_delay'] });
      const [row] = JSON.parse((await executeKw('res.partner', 'read', [[id], ['write_date']])).text).result;
      const writeDate = Date.parse(`${row.write_date.replace(' ', 'T')}Z`);
      // Truncated to the second on the wire, and taken when the call started (its second, or the next one
      // if the call started at the edge of a second), not when it committed ≥ 2.2 s later.
      const startSecond = Math.floor(Date.parse(call.at) / 1000) * 1000;
      expect([startSecond, startSecond + 1000]).toContain(writeDate);
    });

    it('requires the admin token', async () => {
      const response = await fetch(`${sim.url}/__sim/state`);
      expect(response.status).toBe(401);
    });
  });

  describe('webhooks', () => {
    let receiver: Server;
    let received: Array<{ body: string; url: string; headers: IncomingMessage['headers'] }>;
    let receiverUrl: string;
    let slow = false;

    beforeAll(async () => {
      received = [];
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ body: Buffer.concat(chunks).toString(), url: req.url ?? '', headers: req.headers });
          if (slow) setTimeout(() => res.end('late'), 1500);
          else res.end('ok');
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/odoo`;
    });
    afterAll(async () => {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    });
    beforeEach(() => {
      received.length = 0;
      slow = false;
    });

    it('POSTs one payload per record after commit, keys sorted, fields read with load=None', async () => {
      const rule = (
        await admin('POST', '/__sim/webhooks', {
          name: 'Notify Omnibus',
          model: 'sale.order',
          trigger: 'on_create_or_write',
          fields: ['name', 'state', 'partner_id', 'amount_total', 'write_date', 'order_line'],
          url: receiverUrl,
          secret: 's3cret',
        })
      ).body;
      const order = JSON.parse((await executeKw('sale.order', 'create', [{ partner_id: 8, order_line: [[0, 0, { product_id: 1, price_unit: 10 }]] }])).text).result;
      await waitFor(() => received.length === 1, { what: 'webhook after create', timeoutMs: 5000 });
      const payload = JSON.parse(received[0].body);
      expect(Object.keys(payload)).toEqual(['_action', '_id', '_model', 'amount_total', 'name', 'order_line', 'partner_id', 'state', 'write_date']);
      expect(payload).toMatchObject({ _action: `Notify Omnibus(#${rule.actionId})`, _id: order, _model: 'sale.order', partner_id: 8, state: 'draft' });
      expect(payload.write_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
      expect(received[0].url).toBe('/odoo?secret=s3cret');
      expect(received[0].headers['content-type']).toBe('application/json');
      expect(received[0].headers.authorization).toBeUndefined();
      // A rolled-back call sends nothing.
      await executeKw('sale.order', 'write', [[order], { partner_id: 999999 }]);
      await sim.simulator.automation.settle();
      expect(received).toHaveLength(1);
    });

    it('gives up after one second and never retries', async () => {
      slow = true;
      await admin('POST', '/__sim/webhooks', { model: 'res.partner', trigger: 'on_create', fields: ['name'], url: receiverUrl });
      await executeKw('res.partner', 'create', [{ name: 'Slow hook' }]);
      await sim.simulator.automation.settle();
      const deliveries = (await admin('GET', '/__sim/webhooks/deliveries')).body;
      expect(deliveries.at(-1)).toMatchObject({ status: null, error: expect.stringContaining('TimeoutError') });
      expect(received).toHaveLength(1);
    });

    it('receives incoming hooks at /web/hook/<uuid>', async () => {
      const hook = (await admin('POST', '/__sim/incoming-webhooks', { model: 'res.partner', write: { ref: 'HOOKED' } })).body;
      const ok = await fetch(`${sim.url}${hook.path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ _model: 'res.partner', _id: 8 }) });
      expect([ok.status, await ok.text()]).toEqual([200, '{"status": "ok"}']);
      expect(JSON.parse((await executeKw('res.partner', 'read', [[8], ['ref']])).text).result[0].ref).toBe('HOOKED');
      const missing = await fetch(`${sim.url}${hook.path}?_model=res.partner&_id=999999`);
      expect([missing.status, await missing.text()]).toEqual([500, '{"status": "error"}']);
      const unknown = await fetch(`${sim.url}/web/hook/00000000-0000-0000-0000-000000000000`, { method: 'POST' });
      expect([unknown.status, await unknown.text()]).toEqual([404, '{"status": "error"}']);
    });
  });

  it('serves health and Prometheus metrics', async () => {
    expect((await fetch(`${sim.url}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${sim.url}/health/ready`)).json()).toMatchObject({ status: 'ok', version: 17 });
    const metrics = await (await fetch(`${sim.url}/metrics`)).text();
    expect(metrics).toContain('odoo_sim_calls_total');
    expect(metrics).toContain('odoo_sim_odoo_version 17');
  });
});
