import { startTracing } from '@omnibus/observability';
import { testServerConfig, waitFor } from '@omnibus/testing';
import net from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { issueToken, kafkaProbe } from '../src';
import { startTestService, TestService } from '../src/testing';
import { fixtureService } from './fixture/fixture.service';

const tracing = startTracing({ serviceName: 'fixture', exporter: 'memory' });
const KAFKA = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0];

let service: TestService;
beforeAll(async () => {
  service = await startTestService(fixtureService);
}, 60_000);
afterAll(() => service?.stop());

const order = { id: '0190d7c4-5b2a-7cc1-9a3e-2f1f3f1e0a11', lines: [{ sku: 'SKU-1', quantity: 2 }] };

async function placeOrder(body: string, headers: Record<string, string> = {}) {
  const response = await service.request('/orders', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, body: (await response.json()) as any };
}

async function bearer(scopes: string[]) {
  return { authorization: `Bearer ${await issueToken({ sub: 'channel:web', scopes })}` };
}

describe('API authentication', () => {
  it('a call without a token gets 401 with a JSON reason', async () => {
    expect(await placeOrder(JSON.stringify(order))).toEqual({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'missing bearer token' },
    });
  });

  it('a forged token gets 401', async () => {
    const forged = await issueToken({ sub: 'channel:web', scopes: ['orders:write'], secret: 'someone-elses-secret-of-32-characters' });
    const result = await placeOrder(JSON.stringify(order), { authorization: `Bearer ${forged}` });
    expect(result).toMatchObject({ status: 401, body: { message: 'token signature or claims invalid' } });
  });

  it('a token without the route scope gets 403 naming the scope', async () => {
    const result = await placeOrder(JSON.stringify(order), await bearer(['orders:read']));
    expect(result).toEqual({ status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'missing scope orders:write' } });
  });

  it('a token with the scope is let through, and the handler knows who called', async () => {
    const result = await placeOrder(JSON.stringify(order), await bearer(['orders:write']));
    expect(result).toMatchObject({ status: 201, body: { accepted: order.id, by: 'channel:web' } });
  });

  it('health and metrics stay open', async () => {
    expect((await service.request('/health/live')).status).toBe(200);
    expect((await service.request('/health/ready')).status).toBe(200);
    expect((await service.request('/metrics')).status).toBe(200);
  });
});

describe('request validation', () => {
  it('a malformed order gets 400 listing every failing field path', async () => {
    const bad = { id: 'not-a-uuid', lines: [{ sku: '', quantity: 1.5 }] };
    const result = await placeOrder(JSON.stringify(bad), await bearer(['orders:write']));
    expect(result.status).toBe(400);
    expect(result.body.issues.map((issue: { path: string }) => issue.path)).toEqual(['id', 'lines.0.sku', 'lines.0.quantity']);
  });

  it('malformed JSON gets 400, not 500', async () => {
    const result = await placeOrder('{"id": ', await bearer(['orders:write']));
    expect(result).toMatchObject({ status: 400, body: { statusCode: 400, error: 'Bad Request' } });
  });
});

describe('GET /openapi.json', () => {
  it('is public and lists every route of the service, the kit\'s own included, from Nest\'s route metadata', async () => {
    const response = await service.request('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as any;
    expect(document.openapi).toBe('3.1.0');
    const routes = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations as object).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(['GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /openapi.json', 'GET /orders/{id}', 'GET /orders/{id}/items', 'POST /orders']);
  });

  it('documents the body the route validates, its scopes, and its 400/401/403 answers', async () => {
    const document = (await (await service.request('/openapi.json')).json()) as any;
    const place = document.paths['/orders'].post;
    const body = place.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['id', 'lines']);
    expect(body.properties.lines.items.properties.quantity).toMatchObject({ type: 'integer', exclusiveMinimum: 0 });
    expect(place.security).toEqual([{ bearerAuth: ['orders:write'] }]);
    expect(Object.keys(place.responses).sort()).toEqual(['201', '400', '401', '403']);
    expect(document.paths['/orders/{id}'].get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    expect(document.paths['/health/live'].get.security).toEqual([]);
  });
});

describe('tracing and metrics', () => {
  it("a request continues the caller's trace, and its span is named by route", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const result = await placeOrder(JSON.stringify(order), { ...(await bearer(['orders:write'])), traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(result.body.traceId).toBe(traceId);
    const span = await waitFor(() => tracing.memoryExporter!.getFinishedSpans().find((s) => s.spanContext().traceId === traceId), {
      what: 'the server span',
    });
    expect(span.name).toBe('POST /orders');
    expect(span.parentSpanContext?.spanId).toBe(callerSpan);
    expect(span.attributes['http.response.status_code']).toBe(201);
  });

  it('request durations are labelled by route pattern, not by raw URL', async () => {
    await service.request('/orders/42', { headers: await bearer(['orders:read']) });
    const text = await (await service.request('/metrics')).text();
    expect(text).toMatch(/http_server_request_duration_seconds_count\{[^}]*method="GET",route="\/orders\/:id",status_code="200"\} 1/);
    expect(text).not.toContain('route="/orders/42"');
  });
});

describe('readiness follows the database', () => {
  async function asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client(testServerConfig());
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  const serviceBackends = `FROM pg_stat_activity WHERE datname = $1 AND application_name = 'fixture'`;
  const killConnections = () =>
    asAdmin(async (client) => {
      const { rows } = await client.query<{ pid: number }>(`SELECT pid, pg_terminate_backend(pid) ${serviceBackends}`, [service.database.name]);
      return rows.map((row) => row.pid);
    });

  it('connections killed by the server are replaced: the service keeps running and is ready again', async () => {
    const killed = await killConnections();
    expect(killed.length).toBeGreaterThan(0);
    const dataSource = service.app.get(DataSource);
    await waitFor(() => dataSource.query('SELECT 1').then(() => true), { what: 'a query on a fresh connection', timeoutMs: 10_000 });
    const { rows } = await asAdmin((client) => client.query<{ pid: number }>(`SELECT pid ${serviceBackends}`, [service.database.name]));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((row) => killed.includes(row.pid))).toEqual([]);
    await waitFor(async () => (await service.request('/health/ready')).status === 200, { what: 'ready', timeoutMs: 10_000 });
    expect((await service.request('/health/live')).status).toBe(200);
  });

  it('while its database refuses connections it says so, and is ready again when it returns', async () => {
    const name = service.database.name;
    await asAdmin((client) => client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`));
    try {
      await killConnections();
      const down = await waitFor(
        async () => {
          const response = await service.request('/health/ready');
          return response.status === 503 && ((await response.json()) as any);
        },
        { what: 'not ready', timeoutMs: 10_000 },
      );
      expect(down).toMatchObject({ status: 'error', error: { database: { status: 'down' } }, info: { kafka: { status: 'up' } } });
      expect(down.error.database.message).toEqual(expect.any(String));
      expect((await service.request('/health/live')).status).toBe(200);
      // A request that needs the database is told to come back, not handed a 500.
      const refused = await service.request('/orders/o-1/items', { headers: await bearer(['orders:read']) });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ statusCode: 503, message: expect.stringContaining('retry') });
    } finally {
      await asAdmin((client) => client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`));
    }
    await waitFor(async () => (await service.request('/health/ready')).status === 200, { what: 'ready again', timeoutMs: 10_000 });
  });
});

describe('readiness follows Kafka', () => {
  // Never stop the shared broker: point the service at a port where nothing listens, then put a
  // TCP relay to the real broker on that port.
  async function freePort(): Promise<number> {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
  function relayToBroker(port: number): net.Server {
    const [host, brokerPort] = KAFKA.split(':');
    return net
      .createServer((socket) => {
        const upstream = net.connect(Number(brokerPort), host);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      })
      .listen(port, '127.0.0.1');
  }

  it('while Kafka is unreachable readiness is 503 naming kafka; when it answers again the service is ready', async () => {
    const port = await freePort();
    const cut = await startTestService(fixtureService, { KAFKA_BROKERS: `127.0.0.1:${port}` });
    const relay = { server: undefined as net.Server | undefined };
    try {
      const response = await cut.request('/health/ready');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { kafka: { status: 'down' } }, info: { database: { status: 'up' } } });

      relay.server = relayToBroker(port);
      await waitFor(async () => (await cut.request('/health/ready')).status === 200, { what: 'ready with Kafka back', timeoutMs: 10_000 });
    } finally {
      await cut.stop();
      relay.server?.close();
    }
  });

  it('a service that does not use Kafka (kafka: false) is ready without it', async () => {
    const registryLike = await startTestService({ ...fixtureService, kafka: false }, { KAFKA_BROKERS: `127.0.0.1:${await freePort()}` });
    try {
      const response = await registryLike.request('/health/ready');
      expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 200, body: { info: { database: { status: 'up' } } } });
    } finally {
      await registryLike.stop();
    }
  });

  it('the Kafka probe is bounded: a broker that accepts connections but never answers is down within the timeout, and cached', async () => {
    const silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const probe = kafkaProbe([`127.0.0.1:${(silent.address() as net.AddressInfo).port}`], undefined, 500);
    try {
      const started = Date.now();
      const first = await probe.check();
      expect(first.up).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await probe.check()).toBe(first);
    } finally {
      await probe.close();
      silent.close();
    }
  });
});
