import { waitFor } from '@omnibus/testing';
import { randomBytes } from 'node:crypto';
import { RunningRetailSim, startRetailSim } from '../server';
import { startWebhookReceiver } from '../testing/webhook-receiver';

// retail-sim's signed webhooks, received by a small HTTP server of this test that checks each signature.
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

const post = (path: string, key: string, body: unknown) =>
  fetch(`${sim.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) }).then(
    async (response) => (await response.json()) as any,
  );
const eventsOf = (orderId: string) => receiver.deliveries.filter((delivery) => delivery.event.data.object.metadata?.order_id === orderId);

describe('retail-sim webhooks', () => {
  it('sends a signed Standard Webhooks event for an authorisation, a capture and a decline; a replayed request sends none', async () => {
    const intent = await post('/v1/payment_intents', 'wh-auth-1', { amount: 1200, currency: 'usd', metadata: { order_id: 'order-wh-1' } });
    await post('/v1/payment_intents', 'wh-auth-1', { amount: 1200, currency: 'usd', metadata: { order_id: 'order-wh-1' } });
    await post(`/v1/payment_intents/${intent.id}/capture`, 'wh-capture-1', {});
    await post('/v1/payment_intents', 'wh-auth-2', { amount: 900, currency: 'usd', payment_method: 'pm_card_declined', metadata: { order_id: 'order-wh-2' } });

    const first = await waitFor(() => (eventsOf('order-wh-1').length >= 2 ? eventsOf('order-wh-1') : undefined), { timeoutMs: 5_000, what: 'two webhooks of order-wh-1' });
    expect(first.map((delivery) => delivery.event.type)).toEqual(['payment_intent.amount_capturable_updated', 'payment_intent.succeeded']);
    expect(first.every((delivery) => delivery.validSignature && /^evt_/.test(String(delivery.headers['webhook-id'])))).toBe(true);
    expect(first[1].event.data.object).toMatchObject({ id: intent.id, status: 'succeeded', amount_received: 1200 });
    const [declined] = await waitFor(() => (eventsOf('order-wh-2').length ? eventsOf('order-wh-2') : undefined), { timeoutMs: 5_000, what: 'the decline webhook' });
    expect(declined.event).toMatchObject({ type: 'payment_intent.payment_failed', data: { object: { last_payment_error: { decline_code: 'card_declined' } } } });
    expect(declined.validSignature).toBe(true);
    expect(eventsOf('order-wh-1')).toHaveLength(2);
  });
});
