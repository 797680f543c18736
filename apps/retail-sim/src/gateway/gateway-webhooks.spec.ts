import { waitFor } from '@omnibus/testing';
import { randomBytes } from 'node:crypto';
import { RunningRetailSim, startRetailSim } from '../server';
import { startWebhookReceiver } from '../testing/webhook-receiver';

// The gateway's signed webhooks (authorisation, capture, decline, multicapture, pay-by-link) over real HTTP
// on a free port, received by a local HTTP server of this test that checks each signature.
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const KEY = 'sk_test_spec';
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let sim: RunningRetailSim;

beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET);
  sim = await startRetailSim({ port: 0, gatewayKey: KEY, latencyMs: 0, declineRate: 0, timeoutRate: 0, timeoutDelayMs: 0, webhook: { url: receiver.url, secret: SECRET } });
});
afterAll(async () => {
  await sim?.close();
  await receiver?.close();
});

const call = async (method: string, path: string, { body, key, auth = KEY }: { body?: unknown; key?: string; auth?: string | null } = {}) => {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: (await response.json()) as any };
};
const eventsOf = (orderId: string) => receiver.deliveries.filter((delivery) => delivery.event.data.object.metadata?.order_id === orderId);
const waitForTypes = (orderId: string, count: number) =>
  waitFor(() => (eventsOf(orderId).length >= count ? eventsOf(orderId).map((delivery) => delivery.event.type) : undefined), { timeoutMs: 5_000, what: `${count} webhooks of ${orderId}` });

describe('gateway webhooks', () => {
  it('sends a signed Standard Webhooks event for an authorisation, a capture and a decline; a replayed request sends none', async () => {
    const authorisation = { amount: 1200, currency: 'usd', metadata: { order_id: 'order-wh-1' } };
    const intent = (await call('POST', '/v1/payment_intents', { key: 'wh-auth-1', body: authorisation })).body;
    await call('POST', '/v1/payment_intents', { key: 'wh-auth-1', body: authorisation });
    await call('POST', `/v1/payment_intents/${intent.id}/capture`, { key: 'wh-capture-1', body: {} });
    await call('POST', '/v1/payment_intents', { key: 'wh-auth-2', body: { amount: 900, currency: 'usd', payment_method: 'pm_card_declined', metadata: { order_id: 'order-wh-2' } } });

    expect(await waitForTypes('order-wh-1', 2)).toEqual(['payment_intent.amount_capturable_updated', 'payment_intent.succeeded']);
    const first = eventsOf('order-wh-1');
    expect(first.every((delivery) => delivery.validSignature && /^evt_/.test(String(delivery.headers['webhook-id'])))).toBe(true);
    expect(first[1].event.data.object).toMatchObject({ id: intent.id, status: 'succeeded', amount_received: 1200 });
    expect(await waitForTypes('order-wh-2', 1)).toEqual(['payment_intent.payment_failed']);
    const [declined] = eventsOf('order-wh-2');
    expect(declined.event).toMatchObject({ data: { object: { last_payment_error: { decline_code: 'card_declined' } } } });
    expect(declined.validSignature).toBe(true);
    expect(eventsOf('order-wh-1')).toHaveLength(2);
  });
});

describe('multicapture over HTTP', () => {
  it('captures per shipment: each non-final capture sends amount_capturable_updated, the final one succeeded; a replayed capture sends nothing', async () => {
    const intent = (await call('POST', '/v1/payment_intents', { key: 'mc-auth', body: { amount: 10000, currency: 'usd', metadata: { order_id: 'order-mc' } } })).body;
    const first = await call('POST', `/v1/payment_intents/${intent.id}/capture`, { key: 'mc-cap-1', body: { amount_to_capture: 6000, final_capture: false } });
    expect(first).toMatchObject({ status: 200, body: { status: 'requires_capture', amount_capturable: 4000, amount_received: 6000, latest_capture: { amount: 6000, final: false } } });
    expect(await call('POST', `/v1/payment_intents/${intent.id}/capture`, { key: 'mc-cap-1', body: { amount_to_capture: 6000, final_capture: false } })).toEqual({ ...first, replayed: 'true' });
    const last = await call('POST', `/v1/payment_intents/${intent.id}/capture`, { key: 'mc-cap-2', body: { amount_to_capture: 3000 } });
    expect(last).toMatchObject({ status: 200, body: { status: 'succeeded', amount_capturable: 0, amount_received: 9000, latest_capture: { amount: 3000, final: true } } });
    expect(await waitForTypes('order-mc', 3)).toEqual(['payment_intent.amount_capturable_updated', 'payment_intent.amount_capturable_updated', 'payment_intent.succeeded']);
    const [, partial, final] = eventsOf('order-mc');
    expect(partial.event.data.object).toMatchObject({ status: 'requires_capture', amount_capturable: 4000, latest_capture: { id: first.body.latest_capture.id } });
    expect(final.event.data.object.latest_capture).toEqual(last.body.latest_capture);
    expect(await call('POST', '/v1/refunds', { key: 'mc-refund', body: { payment_intent: intent.id, amount: 9000 } })).toMatchObject({ status: 200 });
  });

  it('a cancel after a partial capture ends the intent succeeded (the rest released) and says so with payment_intent.succeeded', async () => {
    const intent = (await call('POST', '/v1/payment_intents', { key: 'mcc-auth', body: { amount: 5000, currency: 'usd', metadata: { order_id: 'order-mcc' } } })).body;
    await call('POST', `/v1/payment_intents/${intent.id}/capture`, { key: 'mcc-cap', body: { amount_to_capture: 2000, final_capture: false } });
    expect(await call('POST', `/v1/payment_intents/${intent.id}/cancel`, { key: 'mcc-cancel', body: {} })).toMatchObject({ status: 200, body: { status: 'succeeded', amount_received: 2000, amount_capturable: 0 } });
    expect(await waitForTypes('order-mcc', 3)).toEqual(['payment_intent.amount_capturable_updated', 'payment_intent.amount_capturable_updated', 'payment_intent.succeeded']);
  });
});

describe('refunds over HTTP', () => {
  it('sends refund.created with the refund and its metadata once per refund; a replayed refund sends none, a refused one none', async () => {
    const intent = (await call('POST', '/v1/payment_intents', { key: 'rf-auth', body: { amount: 8000, currency: 'usd', metadata: { order_id: 'order-rf' } } })).body;
    await call('POST', `/v1/payment_intents/${intent.id}/capture`, { key: 'rf-cap', body: { amount_to_capture: 5000, final_capture: false } });
    const metadata = { order_id: 'order-rf', refund_id: 'refund-1', reason: 'returned' };
    const refund = await call('POST', '/v1/refunds', { key: 'rf-1', body: { payment_intent: intent.id, amount: 1250, metadata } });
    expect(refund).toMatchObject({ status: 200, body: { object: 'refund', amount: 1250, currency: 'usd', payment_intent: intent.id, status: 'succeeded', metadata } });
    expect(await call('POST', '/v1/refunds', { key: 'rf-1', body: { payment_intent: intent.id, amount: 1250, metadata } })).toEqual({ ...refund, replayed: 'true' });
    expect(await call('POST', '/v1/refunds', { key: 'rf-2', body: { payment_intent: intent.id, amount: 3751, metadata: { ...metadata, refund_id: 'refund-2' } } })).toMatchObject({
      status: 400,
      body: { error: { code: 'charge_already_refunded', message: expect.stringContaining('between 1 and 3750') } },
    });

    expect(await waitForTypes('order-rf', 3)).toEqual(['payment_intent.amount_capturable_updated', 'payment_intent.amount_capturable_updated', 'refund.created']);
    const refunded = eventsOf('order-rf')[2];
    expect(refunded.validSignature).toBe(true);
    expect(refunded.event.data.object).toEqual(refund.body);
    // Another write after them, to see that no webhook came of the replay or the refusal.
    await call('POST', '/v1/refunds', { key: 'rf-3', body: { payment_intent: intent.id, amount: 10, metadata: { ...metadata, refund_id: 'refund-3' } } });
    await waitForTypes('order-rf', 4);
    expect(eventsOf('order-rf').map((delivery) => delivery.event.data.object.metadata.refund_id ?? null)).toEqual([null, null, 'refund-1', 'refund-3']);
  });
});

describe('pay-by-link over HTTP', () => {
  const open = (orderId: string, extra: Record<string, unknown> = {}) =>
    call('POST', '/v1/checkout/sessions', { key: `cs-${orderId}`, body: { amount: 4200, currency: 'eur', metadata: { order_id: orderId }, payment_intent_data: { capture_method: 'manual' }, ...extra } });

  it('opens a session, a declined card leaves it open, paying completes it with an intent to capture; webhooks for each', async () => {
    const session = await open('order-cs');
    expect(session).toMatchObject({ status: 200, body: { object: 'checkout.session', status: 'open', payment_intent: null, amount_total: 4200, currency: 'eur' } });
    expect(session.body.url).toBe(`${sim.url}/pay/${session.body.id}`);
    expect(await open('order-cs')).toEqual({ ...session, replayed: 'true' });
    expect(await call('POST', '/v1/checkout/sessions', { body: { amount: 1, currency: 'eur' } })).toMatchObject({ status: 400 });

    expect(await call('POST', `/pay/${session.body.id}`, { auth: null, body: { payment_method: 'pm_card_declined' } })).toMatchObject({ status: 402, body: { error: { decline_code: 'card_declined' } } });
    expect(await call('GET', `/v1/checkout/sessions/${session.body.id}`)).toMatchObject({ status: 200, body: { status: 'open' } });
    const paid = await call('POST', session.body.url.slice(sim.url.length), { auth: null, body: { payment_method: 'pm_card_visa' } });
    expect(paid).toMatchObject({ status: 200, body: { status: 'complete', payment_intent: expect.stringMatching(/^pi_/) } });
    expect(await call('GET', `/v1/payment_intents/${paid.body.payment_intent}`)).toMatchObject({ body: { status: 'requires_capture', amount_capturable: 4200, metadata: { order_id: 'order-cs' } } });

    expect(await waitForTypes('order-cs', 3)).toEqual(['payment_intent.payment_failed', 'payment_intent.amount_capturable_updated', 'checkout.session.completed']);
    const completed = eventsOf('order-cs')[2];
    expect(completed.validSignature).toBe(true);
    expect(completed.event.data.object).toMatchObject({ id: session.body.id, object: 'checkout.session', status: 'complete', payment_intent: paid.body.payment_intent });
  });

  it('expires by hand (webhook checkout.session.expired), or past expires_at on the next look; paying it then answers 410', async () => {
    const byHand = (await open('order-cs-exp')).body;
    expect(await call('POST', `/v1/checkout/sessions/${byHand.id}/expire`, { key: 'cs-exp-1' })).toMatchObject({ status: 200, body: { status: 'expired' } });
    expect(await call('POST', `/pay/${byHand.id}`, { auth: null })).toMatchObject({ status: 410, body: { error: { code: 'checkout_session_expired' } } });
    expect(await waitForTypes('order-cs-exp', 1)).toEqual(['checkout.session.expired']);

    const soon = (await open('order-cs-late', { expires_at: Math.floor(Date.now() / 1000) + 1 })).body;
    const expired = await waitFor(async () => ((await call('GET', `/v1/checkout/sessions/${soon.id}`)).body.status === 'expired' ? true : undefined), { timeoutMs: 5_000, intervalMs: 200, what: 'the session to pass expires_at' });
    expect(expired).toBe(true);
    expect(await waitForTypes('order-cs-late', 1)).toEqual(['checkout.session.expired']);
    expect(await call('POST', `/pay/${soon.id}`, { auth: null })).toMatchObject({ status: 410 });
    expect(eventsOf('order-cs-late')).toHaveLength(1);
  });
});
