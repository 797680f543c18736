import { createServer, Server } from 'node:http';
import { BlockList } from 'node:net';
import { waitFor } from '@omnibus/testing';
import { EndpointClient } from './endpoint-client';

// The HTTP side of a delivery against a real local server: bounded waits, the breaker, and the
// address check at connection time.
const loopbackAllowed = () => {
  const allowed = new BlockList();
  allowed.addSubnet('127.0.0.1', 32, 'ipv4');
  return allowed;
};

describe('EndpointClient', () => {
  let server: Server;
  let port: number;
  let answer: (count: number) => { status: number; hang?: boolean };
  let requests = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests += 1;
      const { status, hang } = answer(requests);
      request.resume();
      if (!hang) request.on('end', () => response.writeHead(status).end(`answer ${requests}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests = 0;
  });

  const client = (overrides: Partial<ConstructorParameters<typeof EndpointClient>[0]> = {}) =>
    new EndpointClient({ connectTimeoutMs: 500, responseTimeoutMs: 300, breakerFailures: 3, breakerHalfOpenMs: 200, egress: { allowHttp: true, allowed: loopbackAllowed() }, ...overrides });

  it('keeps the answer’s status, Retry-After and first bytes', async () => {
    answer = () => ({ status: 503 });
    const endpoint = client();
    const sent = await endpoint.send('sub-1', `http://127.0.0.1:${port}/hook`, { 'content-type': 'application/json' }, '{}');
    expect(sent.result).toEqual({ kind: 'answered', status: 503, retryAfter: null });
    expect(sent.responseStart).toBe('answer 1');
    await endpoint.close();
  });

  it('gives up on an endpoint that does not answer within the response timeout', async () => {
    answer = () => ({ status: 200, hang: true });
    const endpoint = client();
    const sent = await endpoint.send('sub-2', `http://127.0.0.1:${port}/hook`, {}, '{}');
    expect(sent.result).toMatchObject({ kind: 'failed', error: 'timeout' });
    expect(sent.latencyMs).toBeLessThan(2_000);
    await endpoint.close();
  });

  it('opens the breaker after consecutive failures, sends nothing while open, and lets one test call through after the half-open delay', async () => {
    answer = (count) => ({ status: count <= 3 ? 500 : 200 });
    const endpoint = client();
    const url = `http://127.0.0.1:${port}/hook`;
    for (let i = 0; i < 3; i += 1) expect((await endpoint.send('sub-3', url, {}, '{}')).result).toMatchObject({ status: 500 });
    expect(endpoint.openCircuits()).toEqual(['sub-3']);
    expect((await endpoint.send('sub-3', url, {}, '{}')).result).toMatchObject({ kind: 'failed', error: 'circuit_open' });
    expect(requests).toBe(3);
    // Another endpoint is not affected.
    expect((await endpoint.send('sub-4', url, {}, '{}')).result).toMatchObject({ status: 200 });
    // Past the half-open delay the dispatcher may lease its deliveries again: the next call is the test call.
    await waitFor(() => endpoint.openCircuits().length === 0, { timeoutMs: 2_000, what: 'the half-open delay to pass' });
    const retried = await waitFor(async () => {
      const sent = await endpoint.send('sub-3', url, {}, '{}');
      return sent.result.kind === 'answered' ? sent : undefined;
    }, { timeoutMs: 2_000, what: 'a test call after the half-open delay' });
    expect(retried.result).toMatchObject({ status: 200 });
    expect(endpoint.openCircuits()).toEqual([]);
    await endpoint.close();
  });

  it('refuses at connection time a name that resolves to a forbidden address (DNS may change after subscribing)', async () => {
    answer = () => ({ status: 200 });
    const endpoint = client({ egress: { allowHttp: true, allowed: new BlockList() } });
    const sent = await endpoint.send('sub-5', `http://localhost:${port}/hook`, {}, '{}');
    expect(sent.result).toMatchObject({ kind: 'failed', error: 'forbidden_address' });
    expect(requests).toBe(0);
    await endpoint.close();
  });
});
