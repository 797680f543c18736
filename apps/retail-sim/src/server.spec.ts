import { RunningRetailSim, startRetailSim } from './server';

// retail-sim over real HTTP on a free port (no Kafka or database involved).
let sim: RunningRetailSim;
const KEY = 'sk_test_spec';

beforeAll(async () => {
  sim = await startRetailSim({ port: 0, gatewayKey: KEY, latencyMs: 0, declineRate: 0, timeoutRate: 0, timeoutDelayMs: 0 });
});
afterAll(() => sim?.close());

const call = async (method: string, path: string, { body, key, auth = KEY }: { body?: unknown; key?: string; auth?: string } = {}) => {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: (await response.json()) as any };
};

describe('retail-sim over HTTP', () => {
  it('answers its health checks without a key, and 401 to a gateway call with a wrong key', async () => {
    expect((await call('GET', '/health/ready', { auth: 'nope' })).status).toBe(200);
    expect(await call('POST', '/v1/payment_intents', { auth: 'sk_wrong', key: 'k', body: { amount: 1, currency: 'USD' } })).toMatchObject({ status: 401 });
  });

  it('authorises, replays under the same Idempotency-Key, captures and shows the intent', async () => {
    const body = { amount: 2500, currency: 'USD', metadata: { order_id: 'order-7' } };
    const first = await call('POST', '/v1/payment_intents', { key: 'auth-1', body });
    expect(first).toMatchObject({ status: 200, replayed: null, body: { status: 'requires_capture', amount: 2500 } });
    expect(await call('POST', '/v1/payment_intents', { key: 'auth-1', body })).toEqual({ ...first, replayed: 'true' });
    const captured = await call('POST', `/v1/payment_intents/${first.body.id}/capture`, { key: 'capture-1', body: {} });
    expect(captured).toMatchObject({ status: 200, body: { status: 'succeeded', amount_received: 2500 } });
    expect(await call('GET', `/v1/payment_intents/${first.body.id}`)).toMatchObject({ status: 200, body: { status: 'succeeded' } });
    expect(await call('GET', '/v1/payment_intents?order_id=order-7')).toMatchObject({ status: 200, body: { data: [{ id: first.body.id }] } });
  });

  it('says what is wrong with a bad request: no key, a body that is not JSON, an unknown path', async () => {
    expect(await call('POST', '/v1/payment_intents', { body: { amount: 1, currency: 'USD' } })).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('Idempotency-Key') } } });
    expect(await call('POST', '/v1/payment_intents', { key: 'k', body: '{not json' })).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('JSON object') } } });
    expect(await call('GET', '/v1/customers')).toMatchObject({ status: 404 });
  });
});
