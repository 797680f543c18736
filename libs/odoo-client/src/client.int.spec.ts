import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { readChangesSince, BEGINNING_OF_TIME } from './changes';
import { OdooClient } from './client';
import {
  OdooAccessError,
  OdooCircuitOpenError,
  OdooMissingError,
  OdooNotFoundError,
  OdooServerError,
  OdooUnavailableError,
  OdooUnknownOutcomeError,
  OdooUserError,
  OdooValidationError,
} from './errors';
import { OdooClientOptionsInput } from './options';
import { OdooSimProcess, SimVersion } from './testing/odoo-sim';

// One simulator process for the whole file; each version block reseeds it in that version.
let sim: OdooSimProcess;
const clients: OdooClient[] = [];

beforeAll(async () => {
  sim = await OdooSimProcess.start();
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await sim?.stop();
});

function client(options: Partial<OdooClientOptionsInput> = {}): OdooClient {
  const created = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin', retry: { initialDelayMs: 10, maxDelayMs: 50 }, ...options });
  clients.push(created);
  return created;
}

const versions: Array<{ version: SimVersion; transports: Array<'jsonrpc' | 'xmlrpc' | 'json2'> }> = [
  { version: 16, transports: ['jsonrpc', 'xmlrpc'] },
  { version: 17, transports: ['jsonrpc', 'xmlrpc'] },
  { version: 18, transports: ['jsonrpc', 'xmlrpc'] },
  { version: 19, transports: ['jsonrpc', 'xmlrpc', 'json2'] },
];

describe.each(versions)('Odoo $version', ({ version, transports }) => {
  let apiKey: string;

  beforeAll(async () => {
    await sim.reset(version);
    apiKey = await sim.createApiKey();
  });

  beforeEach(() => sim.clearFaults());

  it('detects the version and picks JSON-2 only on 19 with an API key', async () => {
    const connection = await client({ apiKey }).connect();
    expect(connection.version.major).toBe(version);
    expect(connection.transport).toBe(version >= 19 ? 'json2' : 'jsonrpc');
    expect(connection.uid).toBeGreaterThan(0);
  });

  describe.each(transports)('over %s', (protocol) => {
    const odoo = () => client({ protocol, apiKey: protocol === 'json2' ? apiKey : undefined });

    it('reads with many2one pairs and false for empty values', async () => {
      const [product] = await odoo().searchRead('product.product', [['default_code', '=', 'APP-10001']], { fields: ['default_code', 'categ_id', 'barcode', 'write_date'] });
      expect(product).toMatchObject({ default_code: 'APP-10001', categ_id: [expect.any(Number), expect.any(String)] });
      expect(product.write_date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    });

    it('creates one record as an id and several as a list, then writes and reads them back', async () => {
      const client = odoo();
      const id = await client.create('res.partner', { name: `One ${protocol}` });
      expect(typeof id).toBe('number');
      const ids = await client.createMany('res.partner', [{ name: `Two ${protocol}` }, { name: `Three ${protocol}` }]);
      expect(ids).toHaveLength(2);
      expect(await client.write('res.partner', ids, { city: 'Springfield' })).toBe(true);
      const read = await client.read('res.partner', [id, ...ids], ['name', 'city']);
      expect(read.map((partner) => partner.city)).toEqual([false, 'Springfield', 'Springfield']);
    });

    it("maps Odoo's errors to typed errors with Odoo's message", async () => {
      const client = odoo();
      await expect(client.read('sale.order', [999_999], ['name'])).rejects.toBeInstanceOf(OdooMissingError);
      await expect(client.create('res.partner', { name: false })).rejects.toBeInstanceOf(OdooValidationError);
      await expect(client.callMethod('res.partner', '_compute_display_name', [1])).rejects.toBeInstanceOf(OdooAccessError);
      const unknownModel = client.searchCount('no.such.model', []);
      await expect(unknownModel).rejects.toBeInstanceOf(protocol === 'json2' ? OdooNotFoundError : OdooUserError);
      const unknownMethod = client.callMethod('sale.order', 'action_fly', [1]);
      await expect(unknownMethod).rejects.toBeInstanceOf(protocol === 'json2' ? OdooNotFoundError : OdooServerError);
    });

    it('name_search takes the domain under the name this version expects', async () => {
      const found = await odoo().nameSearch('res.partner', 'Omnibus', { domain: [['is_company', '=', true]], limit: 5 });
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]).toEqual([expect.any(Number), expect.stringContaining('Omnibus')]);
    });
  });

  it('a method that returns None succeeds (XML-RPC fault "cannot marshal None" after the commit)', async () => {
    const client = odoo('xmlrpc');
    const [quant] = await client.searchRead('stock.quant', [['location_id.usage', '=', 'internal']], { fields: ['product_id', 'location_id', 'quantity'], limit: 1 });
    const inventory = { inventory_mode: true };
    await client.write('stock.quant', [quant.id], { inventory_quantity: (quant.quantity as number) + 3 }, { context: inventory });
    expect(await client.callMethod('stock.quant', 'action_apply_inventory', [quant.id], { context: inventory })).toBeNull();
    const [after] = await client.read('stock.quant', [quant.id], ['quantity']);
    expect(after.quantity).toBe((quant.quantity as number) + 3);
  });

  function odoo(protocol: 'jsonrpc' | 'xmlrpc') {
    return client({ protocol });
  }

  it('retries an exhausted serialization failure and a proxy 502 on a read', async () => {
    const client = odoo('jsonrpc');
    await client.connect();
    await sim.addFaults([
      { kind: 'serialization_failure', model: 'res.partner', method: 'search_count', times: 1 },
      { kind: 'http_error', status: 502, model: 'res.partner', method: 'search_count', times: 1 },
    ]);
    expect(await client.searchCount('res.partner', [])).toBeGreaterThan(0);
  });

  it('does not repeat a create whose answer was lost, and createOnce finds the committed record', async () => {
    const client = odoo('jsonrpc');
    await client.connect();
    const ref = `ORD-${version}-lost-answer`;
    await sim.addFaults({ kind: 'drop_after_commit', model: 'res.partner', method: 'create', times: 1 });
    await expect(client.create('res.partner', { name: 'Lost answer', ref })).rejects.toBeInstanceOf(OdooUnknownOutcomeError);
    expect(await client.searchCount('res.partner', [['ref', '=', ref]])).toBe(1);

    const ref2 = `ORD-${version}-create-once`;
    await sim.addFaults({ kind: 'drop_after_commit', model: 'res.partner', method: 'create', times: 1 });
    const first = await client.createOnce('res.partner', { reference: [['ref', '=', ref2]], values: { name: 'Create once', ref: ref2 } });
    expect(first.created).toBe(false); // committed by the lost call, found by reference
    const again = await client.createOnce('res.partner', { reference: [['ref', '=', ref2]], values: { name: 'Create once', ref: ref2 } });
    expect(again).toEqual({ id: first.id, created: false });
    expect(await client.searchCount('res.partner', [['ref', '=', ref2]])).toBe(1);
  });

  it('creates once when the worker died before committing', async () => {
    const client = odoo('xmlrpc');
    await client.connect();
    const ref = `ORD-${version}-killed-worker`;
    await sim.addFaults({ kind: 'drop_before_commit', model: 'res.partner', method: 'create', times: 1 });
    const result = await client.createOnce('res.partner', { reference: [['ref', '=', ref]], values: { name: 'Killed worker', ref } });
    expect(result.created).toBe(true);
    expect(await client.searchCount('res.partner', [['ref', '=', ref]])).toBe(1);
  });

  it('reads 300 records written in one transaction exactly once, in pages of 70', async () => {
    const client = odoo('jsonrpc');
    const ids = await client.createMany('res.partner', Array.from({ length: 300 }, (_, i) => ({ name: `Batch ${version} ${i}`, city: `same-second-${version}` })));
    const seen: number[] = [];
    for await (const page of readChangesSince(client, 'res.partner', { cursor: BEGINNING_OF_TIME, fields: ['name'], domain: [['city', '=', `same-second-${version}`]], pageSize: 70 })) {
      seen.push(...page.records.map((record) => record.id));
    }
    expect(seen.sort((a, b) => a - b)).toEqual(ids.sort((a, b) => a - b));
  });
});

describe('call limits', () => {
  beforeAll(() => sim.reset(17));
  beforeEach(() => sim.clearFaults());

  it('keeps at most maxConcurrent calls in flight at Odoo; the others wait and all complete', async () => {
    const proxy = await CountingProxy.start(sim.url);
    try {
      const odoo = client({ url: proxy.url, maxConcurrent: 2 });
      await odoo.connect();
      await sim.addFaults({ kind: 'latency', model: 'res.partner', method: 'search_count', latencyMs: 150, times: 6 });
      proxy.reset();
      const counts = await Promise.all(Array.from({ length: 6 }, () => odoo.searchCount('res.partner', [])));
      expect(counts).toHaveLength(6);
      expect(proxy.requests).toHaveLength(6);
      expect(proxy.maxInFlight).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('halves the calls in flight each time Odoo answers 503 (no worker free) and grows them back as calls succeed', async () => {
    const registry = new Registry();
    const odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin', maxConcurrent: 4, retry: { initialDelayMs: 10, maxDelayMs: 50 } }, { registry });
    clients.push(odoo);
    await odoo.connect();
    const limit = async () => (await registry.getSingleMetric('odoo_client_concurrency_limit')!.get()).values[0].value;
    expect(await limit()).toBe(4);
    await sim.addFaults({ kind: 'http_error', status: 503, model: 'res.partner', method: 'search_count', times: 2 });
    // Two 503s (4 → 2 → 1), then the retried read succeeds once (1 → 2).
    expect(await odoo.searchCount('res.partner', [])).toBeGreaterThan(0);
    expect(await limit()).toBe(2);
    for (let i = 0; i < 2 + 3; i++) await odoo.searchCount('res.partner', []);
    expect(await limit()).toBe(4);
  });

  it('starts calls 1/maxCallsPerSecond apart', async () => {
    const proxy = await CountingProxy.start(sim.url);
    try {
      const odoo = client({ url: proxy.url, maxConcurrent: 4, maxCallsPerSecond: 20 });
      await odoo.connect();
      proxy.reset();
      await Promise.all(Array.from({ length: 9 }, () => odoo.searchCount('res.partner', [])));
      expect(proxy.requests).toHaveLength(9);
      // Starts 50 ms apart at 20/s: the 9th reaches Odoo at least 8 × 50 ms after the 1st (less a
      // little, as the 1st may reach the proxy late); without the limit all 9 arrive at once.
      expect(proxy.requests[8] - proxy.requests[0]).toBeGreaterThanOrEqual(8 * 50 - 25);
    } finally {
      await proxy.close();
    }
  });
});

/** Forwards HTTP requests to Odoo and records when each arrived and how many were in flight at once. */
class CountingProxy {
  requests: number[] = [];
  maxInFlight = 0;
  url = '';
  private inFlight = 0;
  private readonly server: Server;

  private constructor(target: string) {
    const upstream = new URL(target);
    this.server = createServer((req, res) => {
      this.requests.push(performance.now());
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
        reply.on('end', () => this.inFlight--);
      });
      forward.on('error', () => (this.inFlight--, res.destroy()));
      req.pipe(forward);
    });
  }

  static async start(target: string): Promise<CountingProxy> {
    const proxy = new CountingProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    return proxy;
  }

  reset(): void {
    this.requests = [];
    this.maxInFlight = this.inFlight;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('an unreachable Odoo', () => {
  it('is reported as unavailable, then the circuit opens and calls fail fast', async () => {
    const closedPort = await freePort();
    const client = new OdooClient({
      url: `http://127.0.0.1:${closedPort}`,
      database: 'omnibus',
      login: 'admin',
      password: 'admin',
      version: 17,
      retry: { maxAttempts: 0 },
      circuit: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
    });
    clients.push(client);
    for (let i = 0; i < 3; i++) await expect(client.searchCount('res.partner', [])).rejects.toBeInstanceOf(OdooUnavailableError);
    expect(client.circuitOpen).toBe(true);
    await expect(client.searchCount('res.partner', [])).rejects.toBeInstanceOf(OdooCircuitOpenError);
  });
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
